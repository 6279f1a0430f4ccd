"""Pagefind indexing of the written site: a few large base shards and one small "recent" shard.

The binary comes from the `pagefind[bin]` wheel; nothing is downloaded at run time. Pages opt in with
`data-pagefind-body` (only article pages carry it), so list pages never appear in results; filters, sort
keys and metadata come from attributes the default theme writes from the front matter.

Pagefind has no incremental mode, and one run over a whole large archive needs gigabytes, so the index is
log-structured. Base shards are date ranges of at most `[search] shard_size` articles, each a complete
Pagefind bundle in `pagefind/<key>/`, rarely rebuilt. Articles added, edited or deleted since go to the
`recent` shard, re-indexed on every change (it is small), and the base copies it replaces are listed as
"shadowed" in `pagefind/shards.json`: the search page drops them from results and from filter counts. When
the recent shard holds more than `[search] recent_size` changes, the base shards are planned again from
the current pages and only those whose pages changed are re-indexed. What the base shards hold (each
page's digest and Pagefind id) is remembered in `.cache/`, beside the digest of the manifest it belongs to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Config
from generator.errors import UsageError
from generator.output.pagefind_files import Counts, add_counts, filter_counts, fragment, page_ids
from generator.output.search_layout import (
    MANIFEST,
    MANIFEST_VERSION,
    RECENT_KEY,
    SEARCH_DIR,
    STATE_FILE,
    IndexedPage,
    IndexState,
    Layout,
    SearchPage,
    Shard,
    load_state,
    bundle_is_current,
    manifest_digest,
    plan_layout,
    save_state,
)
from generator.output.write import link_file, link_tree
from generator.report import Reporter

COUNTS_FILE = "search-counts.json"  # each base shard's filter counts, beside the index state
INSTALL_HINT = "install it with: pip install 'pagefind[bin]==1.5.2'"
# What the search page loads from a shard; Pagefind's own UI bundles are not used by our themes.
UNUSED_BUNDLE_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                       "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class SearchIndexError(UsageError):
    """Pagefind is missing or failed; the message says what to install or what it printed."""


@dataclass
class IndexPlan:
    """What one indexing run does: shards to index from snapshots, shards to take from the last bundle."""

    layout: Layout
    previous: Path | None  # the last bundle, whose fresh shards are reused
    snapshot: Path  # hard links to the pages of the stale shards, one folder per shard
    state_file: Path
    shard_size: int
    known: dict[str, IndexedPage]  # base pages of the previous bundle that this layout keeps
    site: Path | None = None  # the tree Pagefind reads the shards of `globs` from, in place
    globs: dict[str, str] = field(default_factory=dict)  # shard key -> glob of its pages in `site`

    @property
    def shards(self) -> tuple[Shard, ...]:
        return self.layout.shards

    @property
    def stale(self) -> tuple[Shard, ...]:
        return self.layout.stale


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)  # shard keys indexed by this run
    reused: list[str] = field(default_factory=list)



def pagefind_executable() -> Path:
    try:
        import pagefind_bin
    except ImportError:
        raise SearchIndexError(f"the Pagefind binary is not installed; {INSTALL_HINT}") from None
    try:
        return pagefind_bin.get_executable()
    except (FileNotFoundError, OSError) as exc:
        raise SearchIndexError(f"the Pagefind binary is missing ({exc}); {INSTALL_HINT}") from None


def plan_index(config: Config, pages: list[SearchPage], previous: Path | None,
               work_dir: Path) -> tuple[IndexState | None, Layout]:
    """What the bundle `previous` holds (remembered in `work_dir`), and what it should hold for `pages`."""
    state = load_state(work_dir / STATE_FILE, previous)
    return state, plan_layout(pages, state, config.search.shard_size, config.search.recent_size)


def is_current(bundle: Path, planned: tuple[IndexState | None, Layout]) -> bool:
    """Whether the bundle on disk already holds what `planned` (from `plan_index`) asks for."""
    state, layout = planned
    return bundle_is_current(bundle, layout, state)


def prepare_index(config: Config, site_dir: Path, pages: list[SearchPage], previous: Path | None,
                  work_dir: Path, stable: bool = False,
                  planned: tuple[IndexState | None, Layout] | None = None) -> IndexPlan:
    """Plan the shards and say where Pagefind reads the pages of those to re-index.

    `previous` is the last bundle, whose state `work_dir` remembers. A site that may change while Pagefind
    runs (the preview's) gets a snapshot: hard links to each stale shard's pages, one folder per shard. A
    `stable` site (a build's staging tree, or its live folder during the build) is read in place through
    a glob listing the shard's pages, which spares creating and deleting a folder per page (several
    seconds for a cold build of 10,000 articles).
    """
    state, layout = planned or plan_index(config, pages, previous, work_dir)
    snapshot = work_dir / "search-pages"
    if snapshot.exists():
        shutil.rmtree(snapshot)
    globs = {}
    site_pages = [page.path for page in pages]
    for shard in layout.stale:
        glob = pages_glob([page.path for page in shard.pages], site_pages) if stable else None
        if glob is None:
            _link_pages(site_dir, [page.path for page in shard.pages], snapshot / shard.key)
        else:
            globs[shard.key] = glob
    return IndexPlan(layout, previous if state is not None else None, snapshot, work_dir / STATE_FILE,
                     config.search.shard_size, _kept_pages(layout, state), site_dir if globs else None, globs)


def _kept_pages(layout: Layout, state: IndexState | None) -> dict[str, IndexedPage]:
    """The pages of the previous base shards this layout keeps as they are."""
    if state is None:
        return {}
    kept = {shard.key for shard in layout.base
            if shard not in layout.stale and state.base.get(shard.key) == shard.digest}
    return {path: held for path, held in state.pages.items() if held.shard in kept}


# Output paths are made of slugs (letters, digits, hyphens) and the permalink's fixed text: anything else
# could mean something to Pagefind's glob syntax, and such a shard is indexed from a snapshot instead.
_GLOB_SAFE = re.compile(r"^[\w\-./]+$")
# One command-line argument may not exceed 128 KiB (Linux).
MAX_GLOB_LENGTH = 100_000


def pages_glob(paths: list[str], site_pages: Collection[str] = ()) -> str | None:
    """A Pagefind glob matching the pages of `paths` and no other page of `site_pages` (every page a
    build indexes), or None when a snapshot serves better.

    Pages sharing a folder get a glob starting with it ("2024/{03/a/index.html,...}"): Pagefind walks only
    that folder. Pages sharing none (a shard of several small years, or slug-only permalinks) get their
    top folders ("{2006,2007}/**/*.html"): Pagefind walks only those, provided no page of another shard
    lives there; it parses their list pages too but indexes only pages with `data-pagefind-body`, which
    only article pages carry. A glob listing whole paths from the site's root would make Pagefind walk
    the whole site (~0.8 s per run for 25,000 files here; ~2 s for a 500-page snapshot instead).
    """
    paths = sorted(set(paths))
    if not paths or not all(_GLOB_SAFE.match(path) and "//" not in path for path in paths):
        return None
    prefix = os.path.commonpath(paths) if len(paths) > 1 else os.path.dirname(paths[0])
    if prefix:
        rests = [path[len(prefix) + 1:] for path in paths]
        glob = f"{prefix}/{rests[0]}" if len(rests) == 1 else f"{prefix}/{{{','.join(rests)}}}"
    else:
        if any("/" not in path for path in paths):
            return None
        tops = sorted({path.split("/", 1)[0] for path in paths})
        shard = set(paths)
        if any(page not in shard and page.split("/", 1)[0] in tops for page in site_pages):
            return None
        glob = f"{{{','.join(tops)}}}/**/*.html"
    return glob if len(glob) <= MAX_GLOB_LENGTH else None


def run_index(plan: IndexPlan, target: Path, reporter: Reporter, jobs: int = 1, finish: bool = True) -> IndexReport:
    """Write the bundle to `target` (which must not exist): Pagefind for stale shards, links for the rest;
    then (`finish`) its manifest and the state the cache remembers of it."""
    if plan.stale:
        pagefind_executable()  # a missing binary is one clear error, before any work
    target.mkdir(parents=True)
    report = IndexReport()
    for shard in plan.shards:
        if shard not in plan.stale:
            link_tree(plan.previous / shard.key, target / shard.key)
            report.reused.append(shard.key)
    try:
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            runs = [pool.submit(_run_pagefind, plan.site, target / shard.key, reporter, plan.globs[shard.key])
                    if shard.key in plan.globs else
                    pool.submit(_run_pagefind, plan.snapshot / shard.key, target / shard.key, reporter)
                    for shard in plan.stale]
            for run in runs:
                run.result()
                done += 1
                reporter.progress("search", done, len(runs))
    finally:
        shutil.rmtree(plan.snapshot, ignore_errors=True)
    report.indexed = [shard.key for shard in plan.stale]
    if finish:
        finish_bundle(plan, target)
    return report


def index_search(config: Config, site_dir: Path, reporter: Reporter, pages: list[SearchPage],
                 previous: Path | None = None, work_dir: Path | None = None, jobs: int = 1,
                 in_place: bool = False, planned: tuple[IndexState | None, Layout] | None = None) -> IndexReport:
    """(Re)build `site_dir/pagefind/` from `pages`, reusing the unchanged shards of the `previous` bundle.

    `in_place`: `site_dir` is the live site; only changed shards are replaced, each by one rename.
    `planned`: `plan_index` of the same pages against the same previous bundle, when already made.
    """
    target = site_dir / SEARCH_DIR
    # Nothing else writes to the site during a build: Pagefind can read it in place.
    plan = prepare_index(config, site_dir, pages, target if in_place else previous, work_dir or site_dir.parent,
                         stable=True, planned=planned)
    if in_place and target.is_dir() and plan.previous is not None:
        return update_bundle(plan, target, reporter, jobs)
    if target.exists():
        # A staging copy is made of hard links to the live site: unlink, never write in place.
        shutil.rmtree(target)
    return run_index(plan, target, reporter, jobs)


def update_bundle(plan: IndexPlan, bundle: Path, reporter: Reporter, jobs: int = 1) -> IndexReport:
    """Index the stale shards beside the live `bundle`, then swap each in; the manifest goes last."""
    fresh = bundle.with_name(f".{bundle.name}.new")
    if fresh.exists():
        shutil.rmtree(fresh)
    if plan.previous is None:  # nothing of the bundle on disk can be trusted: index it all afresh
        report = run_index(plan, fresh, reporter, jobs)
        replace_dir(fresh, bundle)
        return report
    stale = IndexPlan(Layout(plan.stale, None, (), plan.stale), None, plan.snapshot, plan.state_file,
                      plan.shard_size, {}, plan.site, plan.globs)
    report = run_index(stale, fresh, reporter, jobs, finish=False)
    for shard in plan.stale:
        replace_dir(fresh / shard.key, bundle / shard.key)
    listed = {shard.key for shard in plan.shards}
    for entry in bundle.iterdir():  # shards no longer listed, files of an older bundle
        if entry.is_dir() and entry.name not in listed:
            shutil.rmtree(entry)
        elif entry.is_file() and entry.name != MANIFEST:
            entry.unlink()
    shutil.rmtree(fresh)
    finish_bundle(plan, bundle)
    report.reused = [shard.key for shard in plan.shards if shard not in plan.stale]
    return report


def replace_dir(new: Path, current: Path) -> None:
    """Put the folder `new` where `current` is (two renames), then delete the previous one."""
    old = current.with_name(current.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if current.exists():
        os.rename(current, old)
    os.rename(new, current)
    shutil.rmtree(old, ignore_errors=True)


def finish_bundle(plan: IndexPlan, bundle: Path) -> None:
    """Write the manifest the search page reads, then remember in the cache what the base shards hold."""
    layout = plan.layout
    held = dict(plan.known)
    for shard in layout.base:
        if shard in layout.stale:  # freshly indexed: learn the ids Pagefind gave its pages
            ids = page_ids(bundle / shard.key)
            held.update({page.path: IndexedPage(shard.key, page.date, page.digest, ids.get(_url_of(page.path), ""))
                         for page in shard.pages})
    entries = [_entry(bundle, shard) for shard in layout.base]
    if layout.recent is not None:
        entries.insert(0, _recent_entry(bundle, layout.recent))
    shadowed = {page.id: {"shard": page.shard, "filters": fragment(bundle / page.shard, page.id).get("filters", {})}
                for page in layout.shadowed if page.id}
    manifest = {"version": MANIFEST_VERSION, "shards": entries, "shadowed": shadowed,
                "totals": _totals(bundle, layout, shadowed, plan.state_file.with_name(COUNTS_FILE))}
    temporary = bundle / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    os.replace(temporary, bundle / MANIFEST)
    save_state(plan.state_file, IndexState(manifest_digest(bundle) or "", plan.shard_size,
                                           {s.key: s.digest for s in layout.base}, held,
                                           layout.recent.digest if layout.recent else None))


def _entry(bundle: Path, shard: Shard) -> dict:
    """A shard as the search page sees it: where, how many pages in each language, which dates."""
    try:
        entry = json.loads((bundle / shard.key / "pagefind-entry.json").read_text(encoding="utf-8"))
        languages = {lang: info["page_count"] for lang, info in sorted(entry["languages"].items())}
        metadata = {lang: f"pagefind.{info['hash']}.pf_meta" for lang, info in sorted(entry["languages"].items())}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        languages, metadata = {}, {}
    days = [page.date for page in shard.pages]
    # The metadata files are named so that the search page can fetch them while Pagefind's script loads.
    return {"key": shard.key, "path": f"{shard.key}/", "pages": len(shard.pages), "digest": shard.digest,
            "languages": languages, "meta": metadata, "from": min(days).isoformat() if days else None,
            "to": max(days).isoformat() if days else None}


def _recent_entry(bundle: Path, recent: Shard) -> dict:
    """The recent shard also lists each page's date and filters: its pages belong to any period, and the
    search page keeps only those of the period it searches, counts included."""
    ids = page_ids(bundle / RECENT_KEY)
    found = sorted((ids[_url_of(page.path)], page) for page in recent.pages if _url_of(page.path) in ids)
    return {**_entry(bundle, recent), "recent": True,
            "dates": {page_id: page.date.isoformat() for page_id, page in found},
            "filters": {page_id: fragment(bundle / RECENT_KEY, page_id).get("filters", {}) for page_id, _ in found}}


def _totals(bundle: Path, layout: Layout, shadowed: dict[str, dict], cache_file: Path) -> dict[str, Counts]:
    """Language -> filter -> value -> articles, over the whole index as the reader sees it: what the search
    page shows before any query, without opening a single shard."""
    totals: dict[str, Counts] = {}
    for counts in _shard_counts(bundle, layout, cache_file):
        for language, filters in counts.items():
            add_counts(totals.setdefault(language, {}), filters)
    for page_id, entry in shadowed.items():
        shadowed_counts = {name: dict.fromkeys(values, 1) for name, values in entry["filters"].items()}
        add_counts(totals.setdefault(page_id.split("_", 1)[0], {}), shadowed_counts, sign=-1)
    return {language: {name: dict(sorted((v, n) for v, n in values.items() if n > 0))
                       for name, values in sorted(counts.items())}
            for language, counts in sorted(totals.items())}


def _shard_counts(bundle: Path, layout: Layout, cache_file: Path) -> list[dict[str, Counts]]:
    """Each shard's filter counts. Reading a shard's filter files costs ~50 ms per 2,500 articles: those of
    base shards are kept in `cache_file` by shard digest (the same pages give the same counts)."""
    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    kept, found = {}, []
    for shard in layout.shards:
        entry = cached.get(shard.key) if isinstance(cached, dict) else None
        if shard.key != RECENT_KEY and shard not in layout.stale and isinstance(entry, dict) \
                and entry.get("digest") == shard.digest and isinstance(entry.get("counts"), dict):
            counts = entry["counts"]
        else:
            counts = filter_counts(bundle / shard.key)
        if shard.key != RECENT_KEY:
            kept[shard.key] = {"digest": shard.digest, "counts": counts}
        found.append(counts)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = cache_file.with_name(cache_file.name + ".tmp")
    temporary.write_text(json.dumps(kept, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, cache_file)
    return found


def _url_of(path: str) -> str:
    """The URL Pagefind records for an output path ("2024/06/x/index.html" -> "/2024/06/x/")."""
    return "/" + (path[: -len("index.html")] if path.endswith("index.html") else path)


def _link_pages(site_dir: Path, pages: list[str], snapshot: Path) -> None:
    for relative in pages:
        link_file(site_dir / relative, snapshot / relative)


def _run_pagefind(site: Path, target: Path, reporter: Reporter, glob: str | None = None) -> None:
    command = [str(pagefind_executable()), "--site", str(site), "--output-path", str(target), "--quiet"]
    if glob is not None:
        command += ["--glob", glob]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except OSError as exc:
        raise SearchIndexError(f"cannot run Pagefind ({exc.strerror}); {INSTALL_HINT}") from None
    if result.returncode != 0 or not (target / "pagefind.js").is_file():
        output = (result.stderr or result.stdout).strip().splitlines()
        detail = "; ".join(output[-5:]) if output else f"exit code {result.returncode}"
        raise SearchIndexError(f"Pagefind failed to index the site: {detail}")
    for name in UNUSED_BUNDLE_FILES:
        (target / name).unlink(missing_ok=True)
    for line in result.stdout.splitlines():
        if "warning" in line.lower():
            reporter.detail("pagefind: " + line.strip())
