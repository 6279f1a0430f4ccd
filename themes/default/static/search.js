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
const expanded = new Set();

let shards = [];  // one Pagefind instance per shard of the index, newest articles first
let state = readState(new URLSearchParams(location.search));
let results = [];
let shown = 0;
let generation = 0;
let timer = null;

function readState(params) {
  const filters = {};
  for (const facet of facets) {
    const values = params.getAll(facet.key).filter(Boolean);
    if (values.length) filters[facet.key] = values;
  }
  return { q: (params.get("q") || "").trim(), sort: params.get("sort") === "date" ? "date" : "relevance", filters };
}

function writeState() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of facets) for (const value of state.filters[facet.key] || []) params.append(facet.key, value);
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
  for (const [key, values] of Object.entries(state.filters)) if (values.length) filters[key] = values;
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
    return;
  }
  status.textContent = strings.loading;
  const search = await searchShards(state.q || null, searchOptions());
  if (current !== generation || !search) return;  // a newer query has started
  results = search.results;
  shown = 0;
  list.replaceChildren();
  renderFacets(search.filters);
  await showMore(current);
  status.textContent = results.length ? plural(results.length) : strings.no_results;
}

// The index is split into shards by date (see pagefind/shards.json): search them all and merge, the way
// Pagefind's mergeIndex does, except that newest-first needs no re-sorting: each shard is sorted by date
// and shards are consecutive date ranges, newest first.
async function searchShards(term, options) {
  const found = await Promise.all(shards.map((shard) => shard.search(term, options)));
  if (found.some((search) => !search)) return null;
  const results = found.flatMap((search) => search.results);
  if (!options.sort) results.sort((a, b) => b.score - a.score);
  return { results, filters: sumCounts(found.map((search) => search.filters)) };
}

async function allFilters() {
  return sumCounts(await Promise.all(shards.map((shard) => shard.filters())));
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

async function openShards() {
  const response = await fetch(`${base}pagefind/shards.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`no search index (${response.status})`);
  const manifest = await response.json();
  if (!manifest.shards.length) throw new Error("empty archive");
  const pagefind = await import(`${base}pagefind/${manifest.shards[0].path}pagefind.js`);
  const open = (shard) => pagefind.createInstance({ basePath: `${base}pagefind/${shard.path}`, baseUrl: base });
  // All instances share one WebAssembly module, which Pagefind loads on first use: let the first shard
  // load it before the others start, or two loads race and corrupt each other.
  const first = open(manifest.shards[0]);
  await first.filters();
  return [first, ...manifest.shards.slice(1).map(open)];
}

async function showMore(current = generation) {
  const page = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(page.map((result) => result.data()));
  if (current !== generation) return;
  for (const item of data) list.append(renderResult(item));
  shown += page.length;
  more.hidden = shown >= results.length;
}

function renderResult(item) {
  const node = templates.result.content.cloneNode(true);
  const link = node.querySelector(".search-result-title a");
  link.href = item.url;
  link.textContent = item.meta.title || item.url;
  const time = node.querySelector("time");
  if (item.meta.date) {
    time.dateTime = item.meta.date;
    time.textContent = dateFormat.format(new Date(`${item.meta.date}T00:00:00Z`));
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
  for (const facet of facets) {
    const available = counts[facet.key] || {};
    const selected = state.filters[facet.key] || [];
    const values = Object.keys(available).filter((value) => available[value] > 0 || selected.includes(value));
    for (const value of selected) if (!values.includes(value)) values.push(value);
    if (!values.length) continue;
    values.sort(facet.key === "year"
      ? (a, b) => b.localeCompare(a)
      : (a, b) => (available[b] || 0) - (available[a] || 0) || a.localeCompare(b, lang));
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
      option.querySelector(".facet-name").textContent = value;
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
  try {
    shards = await openShards();
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
