// The search page: Pagefind's JS API, with facets, a sort switch and shareable URLs.
// Markup comes from the <template> elements of search.html; this file only fills them in.
const root = document.getElementById("search");
const base = root.dataset.base;
const lang = root.dataset.lang;
const facets = JSON.parse(root.dataset.facets);
const strings = JSON.parse(root.dataset.strings);
const PAGE_SIZE = 10;
const FACET_PREVIEW = 8;

const input = document.getElementById("search-input");
const form = root.querySelector("form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results-list");
const more = document.getElementById("search-more");
const facetBox = document.getElementById("search-facets");
const clear = document.getElementById("search-clear");
const wider = document.getElementById("search-wider");
const fromSelect = document.getElementById("search-from");
const toSelect = document.getElementById("search-to");
const templates = {
  result: document.getElementById("search-result-template"),
  chip: document.getElementById("search-chip-template"),
  facet: document.getElementById("search-facet-template"),
  option: document.getElementById("search-option-template"),
};
const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" });
const languageNames = new Intl.DisplayNames([lang], { type: "language" });
const recencyBoost = Number(root.dataset.recencyBoost || 0);
const section = root.querySelector(".search-results");
const expanded = new Set();
const LANG = "lang";  // the language facet: which index a result comes from, not a Pagefind filter

// The index as pagefind/shards.json describes it. Base shards hold date ranges (newest first), the recent
// shard the pages added or edited since; a shard is opened only when a search needs it.
let manifest = null;
let baseShards = [];
let recentShard = null;
let languages = [];
let shadowed = {};  // Pagefind id -> filters of a base page the recent shard replaced, or that was deleted
let newest = 0;  // time of the newest article, for the recency boost
const sources = new Map();  // "shard/language" -> promise of {key, language, recent, dates, ..., pagefind}
const modules = new Map();  // language -> promise of the first shard opened in it: {module, key, instance}

let state = readState(new URLSearchParams(location.search));
let view = null;  // the search on screen: {window, found, results, shown (Pagefind ids)}
let generation = 0;
let timer = null;

function readState(params) {
  const filters = {};
  for (const facet of [...facets, { key: LANG }]) {
    const values = params.getAll(facet.key).filter(Boolean);
    if (values.length) filters[facet.key] = values;
  }
  const year = (key) => (/^\d{4}$/.test(params.get(key) || "") ? params.get(key) : "");
  const [from, to] = [year("from"), year("to")];
  return { q: (params.get("q") || "").trim(), sort: params.get("sort") === "date" ? "date" : "relevance", filters,
           ...(from && to && from > to ? { from: to, to: from } : { from, to }) };
}

function writeState() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of [...facets, { key: LANG }]) {
    for (const value of state.filters[facet.key] || []) params.append(facet.key, value);
  }
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.sort === "date") params.set("sort", "date");
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function plural(count) {
  return (count === 1 ? strings.results_one : strings.results_other).replace("{count}", count.toLocaleString(lang));
}

function hasFilters() {
  return Object.values(state.filters).some((values) => values.length) || Boolean(state.from || state.to);
}

function pagefindFilters() {
  const filters = {};
  for (const [key, values] of Object.entries(state.filters)) if (values.length && key !== LANG) filters[key] = values;
  return filters;
}

function searchOptions(year) {
  // Plain arrays mean "all of these": each ticked box narrows the results. ({any: [...]} would make
  // Pagefind 1.5 drop the counts of the other facets.)
  const filters = pagefindFilters();
  if (year) filters.year = [year];
  const options = Object.keys(filters).length ? { filters } : {};  // an empty object yields no filter counts
  // Without words there is no relevance to rank by: newest first.
  if (state.sort === "date" || !state.q) options.sort = { date: "desc" };
  return options;
}

// --- Which part of the archive a search covers ------------------------------------------------------------
// A window is a period of days ({from, to}, null for an open end). A chosen period or year is searched
// exactly. Otherwise the newest base shards come first, as many as give a page of results, and older ones
// as the reader asks for more: what a reader downloads no longer grows with the archive.

function chosenWindow() {
  const year = (state.filters.year || [])[0];
  const from = [state.from && `${state.from}-01-01`, year && `${year}-01-01`].filter(Boolean).sort().pop() || null;
  const to = [state.to && `${state.to}-12-31`, year && `${year}-12-31`].filter(Boolean).sort()[0] || null;
  if (!from && !to) return null;
  const shards = baseShards.filter((s) => (!from || s.to >= from) && (!to || s.from <= to));
  return { from, to, shards, complete: true };
}

function newestWindow(depth) {
  const complete = depth >= baseShards.length;
  return { from: complete ? null : baseShards[depth - 1].from, to: null, depth,
           shards: baseShards.slice(0, depth), complete };
}

// Searching a shard for a year at a time keeps counts exact where a chosen period covers part of it; a
// search without words needs a filter too (Pagefind lists nothing for no words and no filter).
function yearsToSearch(shard, window) {
  const whole = (!window.from || shard.from >= window.from) && (!window.to || shard.to <= window.to);
  if ((whole && (state.q || Object.keys(pagefindFilters()).length)) || (state.filters.year || []).length) {
    return [null];
  }
  const first = Math.max(Number(shard.from.slice(0, 4)), window.from ? Number(window.from.slice(0, 4)) : 0);
  const last = Math.min(Number(shard.to.slice(0, 4)), window.to ? Number(window.to.slice(0, 4)) : 9999);
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, index) => String(first + index));
}

async function searchWindow(window) {
  const term = state.q || null;
  const tasks = [];
  for (const language of languages) {
    if (recentShard && recentShard.languages[language]) tasks.push(searchRecent(term, window, language));
    for (const shard of window.shards) {
      if (!shard.languages[language]) continue;
      for (const year of yearsToSearch(shard, window)) tasks.push(searchBase(term, shard, language, year));
    }
  }
  const parts = await Promise.all(tasks);
  const wanted = state.filters[LANG] || [];
  const lists = [];
  const counts = [];
  const perLanguage = {};
  for (const part of parts) {
    perLanguage[part.language] = (perLanguage[part.language] || 0) + part.results.length;
    if (wanted.length && !wanted.includes(part.language)) continue;
    counts.push(part.counts);
    lists.push(part.results);
  }
  // Counted when asked, once the results are on screen.
  const filters = async () => ({ ...sumCounts(await Promise.all(counts.map((count) => count()))),
                                 [LANG]: perLanguage });
  return { lists, filters, total: lists.reduce((sum, found) => sum + found.length, 0) };
}

// A base shard's results, without the copies the recent shard replaced; how to count them, without those
// copies either. Counting every facet needs every filter chunk of the shard: a search without filters
// returns its results without them, and is run again for its counts once they are in.
async function searchBase(term, shard, language, year) {
  const options = searchOptions(year);
  const opened = await ready(source(shard, language), term, options);
  const search = await opened.pagefind.search(term, options);
  const results = search.results.filter((result) => !(result.id in shadowed));
  const bounds = shard.from && shard.to ? daysAround(shard.from, shard.to) : UNDATED;
  for (const result of results) Object.assign(result, { weight: weight(opened, result), bounds });
  const counts = async () => {
    const counted = options.filters ? search
      : await opened.loadFilters().then(() => opened.pagefind.search(term, options));
    const filters = structuredClone(counted.filters || {});
    for (const result of counted.results) if (result.id in shadowed) subtract(filters, shadowed[result.id].filters);
    return filters;
  };
  return { language, results, counts };
}

// The recent shard's results dated within the window; their counts from the filters the manifest lists.
async function searchRecent(term, window, language) {
  const opened = await ready(source(recentShard, language), term, searchOptions());
  const search = await opened.pagefind.search(term, searchOptions());
  const within = (day) => Boolean(day) && (!window.from || day >= window.from) && (!window.to || day <= window.to);
  const results = search.results.filter((result) => within(opened.dates[result.id]));
  const counts = {};  // from the manifest: no filter chunk needed
  for (const result of results) {
    const day = opened.dates[result.id];
    Object.assign(result, { weight: weight(opened, result), bounds: daysAround(day, day) });
    for (const [key, values] of Object.entries(opened.filters[result.id] || {})) {
      counts[key] = counts[key] || {};
      for (const value of values) counts[key][value] = (counts[key][value] || 0) + 1;
    }
  }
  return { language, results, counts: async () => counts };
}

// What a result's instant may be, known without its data: the days of its shard, or its own day (recent
// articles), a day wider on each side (the days are the articles' own, the instants in UTC). Comparable
// with instants as strings: "2025-08-25" < "2025-08-26T07:08:25Z" < "2025-08-27\uffff".
const UNDATED = ["", "\uffff"];

function daysAround(from, to) {
  const shift = (day, days) => new Date(Date.parse(day) + days * 86400e3).toISOString().slice(0, 10);
  return [shift(from, -1), `${shift(to, 1)}\uffff`];
}

function subtract(counts, filters) {
  for (const [key, values] of Object.entries(filters)) {
    for (const value of values) if (counts[key] && counts[key][value]) counts[key][value] -= 1;
  }
}

// A year-old article needs (1 + boost) times the score of the newest to rank above it. Base shards are
// weighed by the middle of their date range; the recent shard knows each of its articles' dates.
function weight(source, result) {
  if (!recencyBoost) return 1;
  const day = source.recent ? source.dates[result.id] : source.middle;
  if (!day) return 1;
  const years = Math.max(0, newest - Date.parse(day)) / (365.25 * 86400e3);
  return 1 / (1 + recencyBoost * years);
}

// The results in order, leaving out those already shown; their data is fetched as they are shown.
function ordered(found, shown) {
  const lists = found.lists.map((results) => results.filter((result) => !shown.has(result.id)));
  return state.sort === "date" || !state.q ? byDate(lists) : byScore(lists.flat());
}

async function dataOf(result) {
  result.loaded = result.loaded || result.data();
  return { ...(await result.loaded), id: result.id };
}

function byScore(found) {
  found.sort((a, b) => b.score * b.weight - a.score * a.weight);
  let next = 0;
  return {
    take: async (count) => {
      const page = found.slice(next, next + count);
      next += page.length;
      return Promise.all(page.map(dataOf));
    },
  };
}

// Each list comes sorted newest first by Pagefind; instants are known only from the results' data, loaded
// anyway to show them. The head of a list whose bounds say it may come next is loaded with the rest of
// the page from its list, all such lists at once: one wave of requests, not one per result.
function byDate(lists) {
  const heads = lists.map(() => 0);
  const instant = (result) => result.item.meta.instant || result.item.meta.date || "";
  const load = async (result) => {
    result.item = result.item || await dataOf(result);
  };
  return {
    take: async (count) => {
      const page = [];
      while (page.length < count) {
        const open = lists.map((l, i) => (heads[i] < l.length ? i : -1)).filter((i) => i >= 0);
        if (!open.length) break;
        const head = (i) => lists[i][heads[i]];
        // The newest instant some head surely has; an unloaded head that may be newer must be loaded.
        const floor = open.map((i) => (head(i).item ? instant(head(i)) : head(i).bounds[0])).sort().pop();
        const unsure = open.filter((i) => !head(i).item && head(i).bounds[1] >= floor);
        if (unsure.length) {
          const wanted = count - page.length;
          await Promise.all(unsure.flatMap((i) => lists[i].slice(heads[i], heads[i] + wanted).map(load)));
          continue;
        }
        const chosen = open.filter((i) => head(i).item)
          .reduce((best, i) => (instant(head(i)) > instant(head(best)) ? i : best));
        page.push(head(chosen).item);
        heads[chosen] += 1;
      }
      return page;
    },
  };
}

// Before any query: the whole archive's counts, from the manifest, without opening a shard.
function archiveCounts() {
  const counts = sumCounts(languages.map((language) => (manifest.totals || {})[language]));
  const shards = [recentShard, ...baseShards].filter(Boolean);
  counts[LANG] = Object.fromEntries(languages.map((language) => [language,
    shards.reduce((sum, shard) => sum + (shard.languages[language] || 0), 0)
      - Object.keys(shadowed).filter((id) => id.startsWith(`${language}_`)).length]));
  return counts;
}

function sumCounts(perShard) {
  const total = {};
  for (const counts of perShard) {
    for (const [key, values] of Object.entries(counts || {})) {
      total[key] = total[key] || {};
      for (const [value, count] of Object.entries(values)) total[key][value] = (total[key][value] || 0) + count;
    }
  }
  return total;
}

// --- Opening shards --------------------------------------------------------------------------------------

async function openManifest() {
  const response = await fetch(`${base}pagefind/shards.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`no search index (${response.status})`);
  manifest = await response.json();
  if (!manifest.shards.length) throw new Error("empty archive");
  shadowed = manifest.shadowed || {};
  recentShard = manifest.shards.find((shard) => shard.recent) || null;
  baseShards = manifest.shards.filter((shard) => !shard.recent);
  languages = [...new Set(manifest.shards.flatMap((shard) => Object.keys(shard.languages)))];
  newest = Math.max(...manifest.shards.map((shard) => Date.parse(shard.to || 0)));
  routeFetches();
}

function source(shard, language) {
  const key = `${shard.key}/${language}`;
  if (!sources.has(key)) sources.set(key, openSource(shard, language));
  return sources.get(key);
}

// One JavaScript module per language: Pagefind keeps the first WebAssembly it loads for the whole module,
// and each language has its own (its stemmer). Every shard of a language shares its module and fetches the
// same WebAssembly file (see routeFetches). Pagefind's web worker holds one module for all languages:
// it is not used.
async function openSource(shard, language) {
  if (!modules.has(language)) {
    modules.set(language, (async () => {
      const module = await pagefindModule(shard);
      const instance = createIn(module, shard, language);
      await instance.preload("");  // the WebAssembly is loaded: other shards of the language may start
      return { module, key: shard.key, instance };
    })());
  }
  const first = await modules.get(language);
  const pagefind = first.key === shard.key ? first.instance : createIn(first.module, shard, language);
  return {
    key: shard.key, language, recent: Boolean(shard.recent), dates: shard.dates || {},
    filters: shard.filters || {}, pagefind,
    // Every filter chunk, loaded once, when first needed.
    loadFilters: once(() => pagefind.filters()),
    middle: shard.from && new Date((Date.parse(shard.from) + Date.parse(shard.to)) / 2).toISOString(),
  };
}

// An opened shard, its query's index chunks on their way; a filtered search waits for every filter chunk
// (otherwise it only counts its own facet).
async function ready(opening, term, options) {
  const opened = await opening;
  if (term) opened.pagefind.preload(term, options).catch(() => {});
  if (options.filters) await opened.loadFilters();
  return opened;
}

// Pagefind's script is the same in every shard: it is downloaded once, and each language runs its own copy
// of the text as a module (given an explicit base path, Pagefind does not look at the module's URL).
const pagefindScript = once(async (shard) => {
  const response = await fetchOnce(`${base}pagefind/${shard.path}pagefind.js`);
  if (!response.ok) throw new Error(`pagefind.js: ${response.status}`);
  return response.text();
});

async function pagefindModule(shard) {
  const url = URL.createObjectURL(new Blob([await pagefindScript(shard)], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

// What `make` promises, made on the first call; made again on a call after it failed.
function once(make) {
  let made = null;
  return (...args) => {
    made = made || make(...args).catch((error) => {
      made = null;
      throw error;
    });
    return made;
  };
}

function createIn(module, shard, language) {
  return instanceIn(language, () => module.createInstance({
    basePath: `${base}pagefind/${shard.path}`, baseUrl: base, noWorker: true }));
}

// Pagefind 1.5's createInstance takes its language from <html lang> and ignores the `language` option:
// the attribute is set for the (synchronous) call only.
function instanceIn(language, create) {
  const html = document.documentElement;
  const own = html.getAttribute("lang");
  html.setAttribute("lang", language);
  try {
    return create();
  } finally {
    html.setAttribute("lang", own);
  }
}

// Files fetched ahead of Pagefind (prefetch), which then gets them from memory: Pagefind loads its script,
// then its entry file, then the metadata, one after the other. Every shard's bundle also holds the same
// WebAssembly per language under its own URL: it is fetched once.
const prefetched = new Map();  // key -> promise of the file's bytes
let fetchOnce = null;
const GZIPPED = /\.(pagefind|pf_meta|pf_index|pf_filter|pf_fragment)$/;  // Pagefind's own files

function fileKey(url) {
  const wasm = /\/pagefind\/.+\/(wasm\.[\w-]+\.pagefind)$/.exec(url);
  return wasm ? wasm[1] : new URL(url, location.href).pathname;  // Pagefind adds ?ts= to its entry file
}

function prefetch(url) {
  const key = fileKey(url);
  if (!prefetched.has(key)) {
    prefetched.set(key, fetchOnce(url).then((response) => {
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return GZIPPED.test(key) ? inflated(response) : response.arrayBuffer();
    }));
  }
  return prefetched.get(key);
}

// Pagefind gzips its files and inflates them in JavaScript, on the page's main thread, unless they come
// already inflated: the browser's own decompression does it faster. Anything not gzipped (a host that
// already decoded it) is passed on as it came, and so is anything the browser fails to inflate.
async function inflated(response) {
  const bytes = await response.arrayBuffer();
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
  if (typeof DecompressionStream === "undefined" || head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
  try {
    return await new Response(new Response(bytes).body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  } catch (error) {
    return bytes;
  }
}

async function inflatedResponse(response) {
  return response.ok ? new Response(await inflated(response), { status: response.status }) : response;
}

function routeFetches() {
  fetchOnce = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url || String(input);
    const key = fileKey(url);
    if (!prefetched.has(key) && !key.endsWith(".pagefind")) {
      // Filter chunks only count: the chunks and fragments of a query's results go first.
      const fetched = fetchOnce(input, key.endsWith(".pf_filter") ? { ...init, priority: "low" } : init);
      return GZIPPED.test(key) ? fetched.then(inflatedResponse) : fetched;
    }
    return prefetch(url).then((bytes) => new Response(bytes.slice(0)), () => {
      prefetched.delete(key);  // a failed prefetch: Pagefind fetches the file itself, and reports
      return fetchOnce(input, init);
    });
  };
}

// The newest shards, opened while the reader types: the first query finds them ready.
function warmUp() {
  for (const shard of [recentShard, baseShards[0]]) {
    if (!shard) continue;
    prefetch(`${base}pagefind/${shard.path}pagefind-entry.json`).catch(() => {});
    for (const language of languages) {
      if (!shard.languages[language]) continue;
      prefetch(`${base}pagefind/${shard.path}wasm.${language}.pagefind`).catch(() => {});
      const metadata = (shard.meta || {})[language];
      if (metadata) prefetch(`${base}pagefind/${shard.path}${metadata}`).catch(() => {});
      // Their filter chunks too, unless the reader already asked: then they come after the results.
      source(shard, language).then((opened) => {
        if (!state.q && !hasFilters()) opened.loadFilters().catch(() => {});
      }).catch(() => {});
    }
  }
}

// --- The page --------------------------------------------------------------------------------------------

async function run() {
  const current = ++generation;
  delete root.dataset.shownFor;
  delete root.dataset.resultsFor;
  writeState();
  syncPeriod();
  clear.hidden = !hasFilters();
  if (!state.q && !hasFilters()) {
    view = null;
    list.replaceChildren();
    more.hidden = true;
    wider.hidden = true;
    status.textContent = strings.hint;
    renderFacets(archiveCounts());
    root.dataset.resultsFor = "";
    return;
  }
  status.textContent = strings.loading;
  section.setAttribute("aria-busy", "true");
  let window = chosenWindow();
  let found;
  try {
    if (window) {
      found = await searchWindow(window);
    } else {
      for (let depth = 1; ; depth = Math.min(depth * 2, baseShards.length)) {
        window = newestWindow(depth);
        found = await searchWindow(window);
        if (current !== generation) return;  // a newer query has started
        if (found.total >= PAGE_SIZE || window.complete) break;
      }
    }
  } catch (error) {
    if (current === generation) unavailable();
    return;
  }
  if (current !== generation) return;
  view = { window, found, results: ordered(found, new Set()), shown: new Set() };
  const first = await view.results.take(PAGE_SIZE);
  if (current !== generation) return;
  list.replaceChildren(...first.map(renderResult));
  for (const item of first) view.shown.add(item.id);
  showStatus();
  section.removeAttribute("aria-busy");
  root.dataset.shownFor = state.q;  // the results are on screen: what benchmarks time
  if (!(await showCounts(found, current))) return;
  root.dataset.resultsFor = state.q;  // results and counts: what tests wait for
}

// The facets' counts, once every shard searched has counted; false if a newer search started meanwhile.
async function showCounts(found, current) {
  const counts = await found.filters().catch(() => null);  // a filter chunk missing: the facets stay as they were
  if (current !== generation) return false;
  if (counts) renderFacets(counts);
  return true;
}

function unavailable() {
  status.textContent = strings.unavailable;
  section.removeAttribute("aria-busy");
  more.hidden = true;
  wider.hidden = true;
}

function showStatus() {
  const { window, found, shown } = view;
  more.hidden = shown.size >= found.total && window.complete;
  wider.hidden = window.complete;
  if (!found.total) {
    status.textContent = strings.no_results;
  } else if (window.complete) {
    status.textContent = plural(found.total);
  } else {
    const since = dateFormat.format(new Date(`${window.from}T00:00:00Z`));
    status.textContent = `${plural(found.total)} ${strings.since.replace("{date}", since)}`;
  }
}

async function showMore(current = generation) {
  let page = await view.results.take(PAGE_SIZE);
  let widened = null;
  if (page.length < PAGE_SIZE && !view.window.complete) {
    // The newest shards are exhausted: older ones are searched too, and the list goes on where it was.
    for (const item of page) view.shown.add(item.id);
    const window = newestWindow(Math.min(view.window.depth * 2, baseShards.length));
    let found;
    try {
      found = await searchWindow(window);
    } catch (error) {
      if (current === generation) unavailable();
      return;
    }
    if (current !== generation) return;
    view = { ...view, window, found, results: ordered(found, view.shown) };
    page = [...page, ...await view.results.take(PAGE_SIZE - page.length)];
    widened = found;
  }
  if (current !== generation) return;
  list.append(...page.map(renderResult));
  for (const item of page) view.shown.add(item.id);
  showStatus();
  if (widened) await showCounts(widened, current);
}

function renderResult(item) {
  const node = templates.result.content.cloneNode(true);
  const link = node.querySelector(".search-result-title a");
  link.href = item.url;
  link.textContent = item.meta.title || item.url;
  if (item.meta.date) {
    const time = document.createElement("time");  // an empty <time> would not be valid HTML: made here
    time.dateTime = item.meta.date;
    time.textContent = dateFormat.format(new Date(`${item.meta.date}T00:00:00Z`));
    node.querySelector(".search-result-meta").append(time);
  }
  // Pagefind's excerpt is the page's text, escaped, with matches wrapped in <mark>.
  node.querySelector(".search-result-excerpt").innerHTML = item.excerpt;
  const chips = node.querySelector(".search-result-terms");
  const first = facets[0];
  for (const value of (first && item.filters[first.key]) || []) {
    const chip = templates.chip.content.cloneNode(true);
    const a = chip.querySelector("a");
    a.textContent = value;
    a.href = `?${new URLSearchParams({ [first.key]: value })}`;
    a.addEventListener("click", (event) => {
      event.preventDefault();
      toggle(first.key, value, true);
    });
    chips.append(chip);
  }
  return node;
}

function renderFacets(counts) {
  const focused = document.activeElement && document.activeElement.dataset.facetValue;
  const nodes = [];
  for (const facet of [...facets, { key: LANG, label: strings.language }]) {
    const available = counts[facet.key] || {};
    const selected = state.filters[facet.key] || [];
    const values = Object.keys(available).filter((value) => available[value] > 0 || selected.includes(value));
    for (const value of selected) if (!values.includes(value)) values.push(value);
    if (!values.length) continue;
    if (facet.key === LANG && languages.length < 2) continue;  // nothing to choose
    values.sort(facet.key === "year"
      ? (a, b) => b.localeCompare(a)
      : (a, b) => (facet.key === LANG && ((b === lang) - (a === lang)))  // the page's language first
        || (available[b] || 0) - (available[a] || 0) || a.localeCompare(b, lang));
    const node = templates.facet.content.cloneNode(true);
    const fieldset = node.querySelector("fieldset");
    fieldset.dataset.facet = facet.key;
    node.querySelector("legend").textContent = facet.label;
    const options = node.querySelector(".facet-options");
    const open = expanded.has(facet.key);
    // Folded facets hold only what they show: a facet of 300 people would otherwise weigh on every render.
    const shown = open ? values : values.filter((value, index) => index < FACET_PREVIEW || selected.includes(value));
    shown.forEach((value) => {
      const option = templates.option.content.cloneNode(true);
      const box = option.querySelector("input");
      box.value = value;
      box.name = facet.key;
      box.dataset.facetValue = `${facet.key}=${value}`;
      box.checked = selected.includes(value);
      box.addEventListener("change", () => toggle(facet.key, value, box.checked));
      option.querySelector(".facet-name").textContent = facet.key === LANG ? languageName(value) : value;
      option.querySelector(".count").textContent = `(${available[value] || 0})`;
      options.append(option);
    });
    const button = node.querySelector(".facet-toggle");
    if (values.length > FACET_PREVIEW) {
      button.hidden = false;
      button.textContent = open ? strings.show_less : `${strings.show_all} (${values.length})`;
      button.setAttribute("aria-expanded", String(open));
      button.addEventListener("click", () => {
        if (expanded.has(facet.key)) expanded.delete(facet.key); else expanded.add(facet.key);
        renderFacets(counts);
      });
    }
    nodes.push(node);
  }
  facetBox.replaceChildren(...nodes);
  if (focused) {
    const again = facetBox.querySelector(`input[data-facet-value="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function languageName(code) {
  const name = languageNames.of(code) || code;
  return name.charAt(0).toLocaleUpperCase(lang) + name.slice(1);
}

function toggle(key, value, on) {
  // An article has one year: picking a year replaces the previous one.
  const values = new Set(key === "year" ? [] : state.filters[key] || []);
  if (on) values.add(value); else values.delete(value);
  state.filters[key] = [...values];
  run();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  state.q = input.value.trim();
  run();
});
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    state.q = input.value.trim();
    run();
  }, 250);
});
for (const radio of root.querySelectorAll('input[name="sort"]')) {
  radio.addEventListener("change", () => {
    state.sort = radio.value;
    run();
  });
}
more.addEventListener("click", () => showMore());
wider.addEventListener("click", () => {
  state.from = years().at(-1);  // from the first year on: the whole archive, exactly
  state.to = "";
  run();
});
for (const select of [fromSelect, toSelect]) {
  select.addEventListener("change", () => {
    [state.from, state.to] = [fromSelect.value, toSelect.value];
    if (state.from && state.to && state.from > state.to) [state.from, state.to] = [state.to, state.from];
    run();
  });
}
clear.addEventListener("click", () => {
  state.filters = {};
  state.from = state.to = "";
  run();
});
window.addEventListener("popstate", () => {
  state = readState(new URLSearchParams(location.search));
  syncControls();
  run();
});

function syncControls() {
  input.value = state.q;
  for (const radio of root.querySelectorAll('input[name="sort"]')) radio.checked = radio.value === state.sort;
  syncPeriod();
}

function syncPeriod() {
  fromSelect.value = state.from;
  toSelect.value = state.to;
}

// The archive's years, newest first.
function years() {
  const dated = manifest.shards.filter((shard) => shard.from && shard.to);
  const first = Math.min(...dated.map((shard) => Number(shard.from.slice(0, 4))));
  const last = Math.max(...dated.map((shard) => Number(shard.to.slice(0, 4))));
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, index) => String(last - index));
}

function fillPeriod() {
  for (const select of [fromSelect, toSelect]) {
    select.append(...years().map((year) => new Option(year, year)));
  }
}

async function start() {
  syncControls();
  // The page is painted whole before the index answers: the box, the hint, the controls. On a phone the
  // filters stay folded away (the search box and the first result above the fold); on a wider screen
  // they open beside the results, which they never push down.
  root.querySelector(".search-filters-panel").open = !matchMedia("(max-width: 50rem)").matches;
  try {
    await openManifest();
  } catch (error) {
    status.textContent = strings.empty_archive;
    root.dataset.ready = "";
    return;
  }
  fillPeriod();
  syncControls();
  root.dataset.ready = "";  // what benchmarks wait for: the index's manifest is read
  const first = run();
  warmUp();
  await first;
}

start();
