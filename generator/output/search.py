"""Pagefind indexing of the written site, in shards: one Pagefind run per slice of the archive.

The binary comes from the `pagefind[bin]` wheel; nothing is downloaded at run time. Pages opt in with
`data-pagefind-body` (only article pages carry it), so list pages never appear in results; filters, sort
keys and metadata come from attributes the default theme writes from the front matter.

Pagefind has no incremental mode, so the article pages are split into shards by date (a year, or runs
of months, days when a year is too big for one) of at most `[search] shard_size` pages. Each shard is a
complete Pagefind bundle in `pagefind/<key>/`, listed newest first in `pagefind/shards.json` with a
digest of its pages: a rebuild re-indexes only shards whose digest changed and links the others from
the previous bundle; a cold build indexes shards in parallel. The search page searches every shard and
merges the results (by score for relevance; shard after shard for newest first, since shards are
consecutive date ranges).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.config import Config
from generator.errors import UsageError
from generator.report import Reporter
from generator.output.write import link_file, link_tree

SEARCH_DIR = "pagefind"
MANIFEST = "shards.json"
MANIFEST_VERSION = 1
INSTALL_HINT = "install it with: pip install 'pagefind[bin]==1.5.2'"
# What the search page loads from a shard; Pagefind's own UI bundles are not used by our themes.
UNUSED_BUNDLE_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                       "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class SearchIndexError(UsageError):
    """Pagefind is missing or failed; the message says what to install or what it printed."""


@dataclass(frozen=True)
class SearchPage:
    """An article page to index: where it is, its date (for sharding), a digest of its content."""

    path: str  # output path, '/' separators
    date: date
    digest: str


@dataclass(frozen=True)
class Shard:
    key: str  # "2024", "2024-07" (months from July), "2024-07-14" (one day), "2024-07-14-2" (part of a day)
    pages: tuple[SearchPage, ...]

    @property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for page in sorted(self.pages, key=lambda p: p.path):
            digest.update(f"{page.path}\0{page.digest}\n".encode())
        return digest.hexdigest()[:20]


@dataclass
class IndexPlan:
    """What one indexing run does: shards to index from snapshots, shards to take from the last bundle."""

    shards: list[Shard]
    stale: list[Shard]
    previous: Path | None  # the last bundle, whose fresh shards are reused
    snapshot: Path  # hard links to the pages of the stale shards, one folder per shard
    site: Path | None = None  # the tree Pagefind reads the shards of `globs` from, in place
    globs: dict[str, str] = field(default_factory=dict)  # shard key -> glob of its pages in `site`


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)  # shard keys indexed by this run
    reused: list[str] = field(default_factory=list)


def plan_shards(pages: Iterable[SearchPage], shard_size: int) -> list[Shard]:
    """Split pages into date-range shards of at most `shard_size` pages, newest first.

    Consecutive small years share a shard (each Pagefind run has a fixed cost); a year too big for one
    shard is cut into runs of whole months, a month too big into runs of days, a day too big into
    fixed-size parts. Runs are packed from the oldest, so new articles only ever change the newest shard
    and an edit re-indexes the one shard holding the article.
    """
    return list(reversed(_split(list(pages), shard_size, "", 0)))


_UNITS = (lambda page: page.date.year, lambda page: page.date.month, lambda page: page.date.day)


def _split(pages: list[SearchPage], size: int, key: str, level: int) -> list[Shard]:
    """Oldest first. Level 0 groups by year, 1 by month, 2 by day, 3 cuts into parts."""
    if len(pages) <= size and level > 0:
        return [_shard(key, pages)]
    if level == 3:
        ordered = sorted(pages, key=lambda p: (p.date, p.path))
        return [Shard(f"{key}-{number}", tuple(ordered[start:start + size]))
                for number, start in enumerate(range(0, len(ordered), size), start=1)]
    groups: dict[int, list[SearchPage]] = {}
    for page in pages:
        groups.setdefault(_UNITS[level](page), []).append(page)
    shards: list[Shard] = []
    run: list[SearchPage] = []
    run_units: list[str] = []

    def close_run() -> None:
        if run:
            # A run of several years is named by its first and last: "2006-2009".
            name = run_units[0] if level > 0 or len(run_units) == 1 else f"{run_units[0]}-{run_units[-1]}"
            shards.append(_shard(name if level == 0 else f"{key}-{name}" if key else name, run))

    for unit in sorted(groups):
        group = groups[unit]
        unit_name = f"{unit:04d}" if level == 0 else f"{unit:02d}"
        if len(group) > size:
            close_run()
            run, run_units = [], []
            shards += _split(group, size, f"{key}-{unit_name}" if key else unit_name, level + 1)
        elif len(run) + len(group) > size:
            close_run()
            run, run_units = list(group), [unit_name]
        else:
            run += group
            run_units.append(unit_name)
    close_run()
    return shards


def _shard(key: str, pages: list[SearchPage]) -> Shard:
    return Shard(key, tuple(sorted(pages, key=lambda p: (p.date, p.path))))


def read_manifest(bundle: Path | None) -> dict[str, str]:
    """Shard key -> digest of the shards of a bundle on disk that are there; empty when it is not ours."""
    return {key: digest for key, digest in _listed_shards(bundle).items()
            if (bundle / key / "pagefind.js").is_file()}


def bundle_is_complete(bundle: Path) -> bool:
    """Whether the bundle exists with every shard its manifest lists (someone may have deleted some)."""
    listed = _listed_shards(bundle)
    return (bundle / MANIFEST).is_file() and read_manifest(bundle) == listed


def _listed_shards(bundle: Path | None) -> dict[str, str]:
    if bundle is None:
        return {}
    try:
        data = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return {}
        listed = {str(entry["key"]): str(entry["digest"]) for entry in data["shards"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    # Keys become folder names to link from: anything but a date-range key ("2006-2008", "2024-07-14-2")
    # means the manifest is not ours, and nothing in it is reused.
    return listed if all(_SHARD_KEY.fullmatch(key) for key in listed) else {}


_SHARD_KEY = re.compile(r"\d{4}(-\d{1,4})*")


def bundle_is_current(bundle: Path, shards: list[Shard]) -> bool:
    """Whether the bundle on disk holds exactly these shards, each with the same pages."""
    return read_manifest(bundle) == {shard.key: shard.digest for shard in shards} and (bundle / MANIFEST).is_file()


def pagefind_executable() -> Path:
    try:
        import pagefind_bin
    except ImportError:
        raise SearchIndexError(f"the Pagefind binary is not installed; {INSTALL_HINT}") from None
    try:
        return pagefind_bin.get_executable()
    except (FileNotFoundError, OSError) as exc:
        raise SearchIndexError(f"the Pagefind binary is missing ({exc}); {INSTALL_HINT}") from None


def prepare_index(config: Config, site_dir: Path, pages: list[SearchPage], previous: Path | None,
                  work_dir: Path, stable: bool = False) -> IndexPlan:
    """Plan the shards and say where Pagefind reads the pages of those to re-index.

    A site that may change while Pagefind runs (the preview's) gets a snapshot: hard links to each stale
    shard's pages, one folder per shard. A `stable` site (a build's staging tree, or its live folder
    during the build) is read in place through a glob listing the shard's pages, which spares creating
    and deleting a folder per page (several seconds for a cold build of 10,000 articles).
    """
    shards = plan_shards(pages, config.search.shard_size)
    known = read_manifest(previous)
    stale = [shard for shard in shards if known.get(shard.key) != shard.digest]
    snapshot = work_dir / "search-pages"
    if snapshot.exists():
        shutil.rmtree(snapshot)
    globs = {}
    site_pages = [page.path for page in pages]
    for shard in stale:
        glob = pages_glob([page.path for page in shard.pages], site_pages) if stable else None
        if glob is None:
            _link_pages(site_dir, [page.path for page in shard.pages], snapshot / shard.key)
        else:
            globs[shard.key] = glob
    return IndexPlan(shards, stale, previous, snapshot, site_dir if globs else None, globs)


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


def run_index(plan: IndexPlan, target: Path, reporter: Reporter, jobs: int = 1) -> IndexReport:
    """Write the bundle to `target` (which must not exist): Pagefind for stale shards, links for the rest."""
    if plan.stale:
        pagefind_executable()  # a missing binary is one clear error, before any work
    target.mkdir(parents=True)
    report = IndexReport()
    stale_keys = {shard.key for shard in plan.stale}
    for shard in plan.shards:
        if shard.key not in stale_keys:
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
    _write_manifest(target, plan.shards)
    return report


def index_search(config: Config, site_dir: Path, reporter: Reporter, pages: list[SearchPage],
                 previous: Path | None = None, work_dir: Path | None = None, jobs: int = 1,
                 in_place: bool = False) -> IndexReport:
    """(Re)build `site_dir/pagefind/` from `pages`, reusing the unchanged shards of the `previous` bundle.

    `in_place`: `site_dir` is the live site; only changed shards are replaced, each by one rename.
    """
    target = site_dir / SEARCH_DIR
    # Nothing else writes to the site during a build: Pagefind can read it in place.
    plan = prepare_index(config, site_dir, pages, target if in_place else previous, work_dir or site_dir.parent,
                         stable=True)
    if in_place and target.is_dir():
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
    stale = IndexPlan(plan.stale, plan.stale, None, plan.snapshot, plan.site, plan.globs)
    report = run_index(stale, fresh, reporter, jobs)
    for shard in plan.stale:
        replace_dir(fresh / shard.key, bundle / shard.key)
    _write_manifest(bundle, plan.shards)
    listed = {shard.key for shard in plan.shards}
    for entry in bundle.iterdir():  # shards no longer listed, files of an unsharded bundle
        if entry.is_dir() and entry.name not in listed:
            shutil.rmtree(entry)
        elif entry.is_file() and entry.name != MANIFEST:
            entry.unlink()
    shutil.rmtree(fresh)
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


def _write_manifest(target: Path, shards: list[Shard]) -> None:
    manifest = {"version": MANIFEST_VERSION,
                "shards": [{"key": shard.key, "path": f"{shard.key}/", "pages": len(shard.pages),
                            "digest": shard.digest} for shard in shards]}
    temporary = target / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, target / MANIFEST)


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


IndexFunction = Callable[..., IndexReport]
