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
const layout = root.querySelector(".search-layout");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results-list");
const more = document.getElementById("search-more");
const facetBox = document.getElementById("search-facets");
const clear = document.getElementById("search-clear");
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

let sources = [];  // one Pagefind instance per shard and language: {language, recent, dates, pages, pagefind}
let shadowed = {};  // Pagefind id -> filters of a base page the recent shard replaced, or that was deleted
let newest = 0;  // time of the newest article, for the recency boost
let state = readState(new URLSearchParams(location.search));
let results = null;  // {total, take(n)}: the merged results, in order, their data fetched as they are shown
let shown = 0;
let generation = 0;
let timer = null;

function readState(params) {
  const filters = {};
  for (const facet of [...facets, { key: LANG }]) {
    const values = params.getAll(facet.key).filter(Boolean);
    if (values.length) filters[facet.key] = values;
  }
  return { q: (params.get("q") || "").trim(), sort: params.get("sort") === "date" ? "date" : "relevance", filters };
}

function writeState() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of [...facets, { key: LANG }]) {
    for (const value of state.filters[facet.key] || []) params.append(facet.key, value);
  }
  if (state.sort === "date") params.set("sort", "date");
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function plural(count) {
  return (count === 1 ? strings.results_one : strings.results_other).replace("{count}", count.toLocaleString(lang));
}

function hasFilters() {
  return Object.values(state.filters).some((values) => values.length);
}

function searchOptions() {
  const filters = {};
  // Plain arrays mean "all of these": each ticked box narrows the results. ({any: [...]} would make
  // Pagefind 1.5 drop the counts of the other facets.)
  for (const [key, values] of Object.entries(state.filters)) if (values.length && key !== LANG) filters[key] = values;
  // Without words there is no relevance to rank by: newest first.
  const options = Object.keys(filters).length ? { filters } : {};  // an empty object yields no filter counts
  if (state.sort === "date" || !state.q) options.sort = { date: "desc" };
  return options;
}

async function run() {
  const current = ++generation;
  writeState();
  clear.hidden = !hasFilters();
  if (!state.q && !hasFilters()) {
    list.replaceChildren();
    more.hidden = true;
    status.textContent = strings.hint;
    renderFacets(await allFilters());
    root.dataset.resultsFor = "";
    return;
  }
  status.textContent = strings.loading;
  section.setAttribute("aria-busy", "true");
  const search = await searchAll(state.q || null, searchOptions());
  if (current !== generation) return;  // a newer query has started
  results = search.results;
  const first = await results.take(PAGE_SIZE);
  if (current !== generation) return;
  list.replaceChildren(...first.map(renderResult));
  shown = first.length;
  more.hidden = shown >= results.total;
  renderFacets(search.filters);
  status.textContent = results.total ? plural(results.total) : strings.no_results;
  section.removeAttribute("aria-busy");
  root.dataset.resultsFor = state.q;  // what tests and benchmarks wait for
}

// Search every shard in every language, then merge as one index would: drop the base copies the recent
// shard replaced (and their filter counts), rank by score (with the optional recency boost) or by date.
async function searchAll(term, options) {
  const found = await Promise.all(sources.map((source) => source.pagefind.search(term, options)));
  const wanted = state.filters[LANG] || [];
  const lists = [];
  const counts = [];
  const perLanguage = {};
  found.forEach((search, index) => {
    const source = sources[index];
    const kept = search.results.filter((result) => !(result.id in shadowed));
    const filters = structuredClone(search.filters || {});
    for (const result of search.results) if (result.id in shadowed) subtract(filters, shadowed[result.id].filters);
    perLanguage[source.language] = (perLanguage[source.language] || 0) + kept.length;
    if (wanted.length && !wanted.includes(source.language)) return;
    counts.push(filters);
    for (const result of kept) result.weight = weight(source, result);
    lists.push(kept);
  });
  const filters = sumCounts(counts);
  filters[LANG] = perLanguage;
  return { results: options.sort ? byDate(lists) : byScore(lists.flat()), filters };
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

function byScore(found) {
  found.sort((a, b) => b.score * b.weight - a.score * a.weight);
  let next = 0;
  return {
    total: found.length,
    take: async (count) => {
      const page = found.slice(next, next + count);
      next += page.length;
      return Promise.all(page.map((result) => result.data()));
    },
  };
}

// Each list comes sorted newest first by Pagefind; dates are known only from the results' data, which is
// loaded anyway to show them: merge by looking at the head of each list.
function byDate(lists) {
  const heads = lists.map(() => 0);
  const instant = async (result) => {
    result.loaded = result.loaded || result.data();
    const item = await result.loaded;
    return item.meta.instant || item.meta.date || "";
  };
  return {
    total: lists.reduce((sum, l) => sum + l.length, 0),
    take: async (count) => {
      const page = [];
      while (page.length < count) {
        const open = lists.map((l, i) => (heads[i] < l.length ? i : -1)).filter((i) => i >= 0);
        if (!open.length) break;
        const keys = await Promise.all(open.map((i) => instant(lists[i][heads[i]])));
        let best = 0;
        keys.forEach((key, k) => { if (key > keys[best]) best = k; });
        const chosen = open[best];
        page.push(await lists[chosen][heads[chosen]].loaded);
        heads[chosen] += 1;
      }
      return page;
    },
  };
}

async function allFilters() {
  const wanted = state.filters[LANG] || [];
  const counts = [];
  const perLanguage = {};
  const found = await Promise.all(sources.map((source) => source.pagefind.filters()));
  found.forEach((all, index) => {
    const source = sources[index];
    const filters = structuredClone(all || {});
    const hidden = Object.entries(shadowed)
      .filter(([id, entry]) => entry.shard === source.key && id.startsWith(`${source.language}_`));
    for (const [, entry] of hidden) subtract(filters, entry.filters);
    perLanguage[source.language] = (perLanguage[source.language] || 0) + source.pages - hidden.length;
    if (!wanted.length || wanted.includes(source.language)) counts.push(filters);
  });
  const total = sumCounts(counts);
  total[LANG] = perLanguage;
  return total;
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

// One JavaScript module per language: Pagefind keeps the first WebAssembly it loads for the whole module,
// and each language has its own (its stemmer). Every shard of a language shares its module and fetches the
// same WebAssembly file (see shareWebAssembly). Pagefind's web worker holds one module for all languages:
// it is not used.
async function openIndex() {
  const response = await fetch(`${base}pagefind/shards.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`no search index (${response.status})`);
  const manifest = await response.json();
  if (!manifest.shards.length) throw new Error("empty archive");
  shadowed = manifest.shadowed || {};
  newest = Math.max(...manifest.shards.map((shard) => Date.parse(shard.to || 0)));
  const languages = [...new Set(manifest.shards.flatMap((shard) => Object.keys(shard.languages)))];
  shareWebAssembly();
  const opened = await Promise.all(languages.map(async (language) => {
    const shards = manifest.shards.filter((shard) => shard.languages[language]);
    const pagefind = await import(`${base}pagefind/${shards[0].path}pagefind.js?${language}`);
    const open = (shard) => ({
      key: shard.key, language, recent: Boolean(shard.recent), dates: shard.dates || {},
      pages: shard.languages[language],
      middle: shard.from && new Date((Date.parse(shard.from) + Date.parse(shard.to)) / 2).toISOString(),
      pagefind: instanceIn(language, () => pagefind.createInstance({
        basePath: `${base}pagefind/${shard.path}`, baseUrl: base, noWorker: true })),
    });
    // The first instance loads the WebAssembly; the others must not start before, or two loads race.
    const first = open(shards[0]);
    await first.pagefind.search("");
    return [first, ...shards.slice(1).map(open)];
  }));
  return opened.flat();
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

// Every shard's bundle holds the same WebAssembly per language under its own URL: fetch each once.
function shareWebAssembly() {
  const fetchOnce = window.fetch.bind(window);
  const loads = new Map();
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url || String(input);
    const wasm = /\/pagefind\/.+\/(wasm\.[\w-]+\.pagefind)$/.exec(url);
    if (!wasm) return fetchOnce(input, init);
    if (!loads.has(wasm[1])) loads.set(wasm[1], fetchOnce(input, init).then((r) => r.arrayBuffer()));
    return loads.get(wasm[1]).then((bytes) => new Response(bytes.slice(0)));
  };
}

async function showMore(current = generation) {
  const page = await results.take(PAGE_SIZE);
  if (current !== generation) return;
  list.append(...page.map(renderResult));
  shown += page.length;
  more.hidden = shown >= results.total;
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
    if (facet.key === LANG && new Set(sources.map((s) => s.language)).size < 2) continue;  // nothing to choose
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
    values.forEach((value, index) => {
      const option = templates.option.content.cloneNode(true);
      const box = option.querySelector("input");
      box.value = value;
      box.name = facet.key;
      box.dataset.facetValue = `${facet.key}=${value}`;
      box.checked = selected.includes(value);
      box.addEventListener("change", () => toggle(facet.key, value, box.checked));
      option.querySelector(".facet-name").textContent = facet.key === LANG ? languageName(value) : value;
      option.querySelector(".count").textContent = `(${available[value] || 0})`;
      const label = option.querySelector("label");
      if (!open && index >= FACET_PREVIEW && !box.checked) label.hidden = true;
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
clear.addEventListener("click", () => {
  state.filters = {};
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
}

async function start() {
  syncControls();
  // On a phone the filters are folded away: the search box and the first result stay above the fold,
  // and facets filled in later push nothing down.
  root.querySelector(".search-filters-panel").open = !matchMedia("(max-width: 50rem)").matches;
  try {
    sources = await openIndex();
    // Loads every filter chunk: otherwise a first filtered search only reports counts of its own facet.
    await allFilters();
  } catch (error) {
    status.textContent = strings.empty_archive;
    layout.hidden = false;
    return;
  }
  layout.hidden = false;
  await run();
}

start();
