"""Which article pages each part of the search index holds: base shards, the recent shard, shadowed pages.

Pure planning over page digests and the remembered state of the bundle on disk (`IndexState`); running
Pagefind and writing bundles is `search.py`'s work.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

SEARCH_DIR = "pagefind"
MANIFEST = "shards.json"
MANIFEST_VERSION = 3
RECENT_KEY = "recent"
STATE_FILE = "search-index.json"
STATE_VERSION = 2


class SearchPage(NamedTuple):
    """An article page to index: where it is, its date (for sharding), a digest of its content.

    Named tuples, not dataclasses: a build of 100,000 articles makes 100,000 of them, and of IndexedPage."""

    path: str  # output path, '/' separators
    date: date
    digest: str


@dataclass(frozen=True)
class Shard:
    key: str  # "2024", "2024-07" (months from July), "2024-07-14" (one day), "2024-07-14-2", or "recent"
    pages: tuple[SearchPage, ...]

    @cached_property  # asked for by every step that compares the plan with the bundle
    def digest(self) -> str:
        digest = hashlib.sha256()
        for page in sorted(self.pages, key=lambda p: p.path):
            digest.update(f"{page.path}\0{page.digest}\n".encode())
        return digest.hexdigest()[:20]


class IndexedPage(NamedTuple):
    """A page as a base shard holds it: its date and the digest of what was indexed, Pagefind's id for it."""

    shard: str
    date: date
    digest: str
    id: str


@dataclass(frozen=True)
class Layout:
    """What the index should hold: base shards (newest first), the recent shard, the shadowed base pages."""

    base: tuple[Shard, ...]
    recent: Shard | None
    shadowed: tuple[IndexedPage, ...]  # base copies of pages edited or deleted since the base was indexed
    stale: tuple[Shard, ...]  # shards whose index must be (re)built

    @property
    def shards(self) -> tuple[Shard, ...]:
        return (self.recent, *self.base) if self.recent else self.base


@dataclass(frozen=True)
class IndexState:
    """What a bundle on disk holds, remembered in the cache beside the digest of its manifest."""

    manifest: str
    shard_size: int  # what the base shards were planned with
    base: dict[str, str]  # shard key -> digest
    pages: dict[str, IndexedPage]  # path -> how a base shard holds it
    recent: str | None  # digest of the recent shard


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


def plan_layout(pages: list[SearchPage], state: IndexState | None, shard_size: int, recent_size: int) -> Layout:
    """Where each page goes, given what the bundle on disk holds (`state`, None for no usable bundle).

    Pages the base shards hold unchanged stay there; new and edited pages go to the recent shard and the
    base copies of edited and deleted pages are shadowed, as long as that makes at most `recent_size`
    changes. Beyond, the base shards are planned afresh, and only those whose pages changed are stale.
    """
    if state is not None and recent_size > 0 and state.shard_size == shard_size:
        current = {page.path: page for page in pages}
        recent = [page for page in pages if (held := state.pages.get(page.path)) is None or held.digest != page.digest]
        shadowed = [held for path, held in state.pages.items()
                    if path not in current or current[path].digest != held.digest]
        if len(recent) + len(shadowed) <= recent_size:
            base = _base_shards(state)
            recent_shard = _shard(RECENT_KEY, recent) if recent else None
            stale = (recent_shard,) if recent_shard and recent_shard.digest != state.recent else ()
            return Layout(base, recent_shard, tuple(sorted(shadowed, key=lambda held: held.id)), stale)
    base = tuple(plan_shards(pages, shard_size))
    known = state.base if state is not None else {}
    return Layout(base, None, (), tuple(shard for shard in base if known.get(shard.key) != shard.digest))


def _base_shards(state: IndexState) -> tuple[Shard, ...]:
    """The base shards as the bundle holds them (pages as indexed, whatever they became), newest first."""
    members: dict[str, list[SearchPage]] = {key: [] for key in state.base}
    for path, held in state.pages.items():
        members[held.shard].append(SearchPage(path, held.date, held.digest))
    return tuple(Shard(key, tuple(sorted(members[key], key=lambda p: (p.date, p.path)))) for key in state.base)


def manifest_digest(bundle: Path) -> str | None:
    try:
        return hashlib.sha256((bundle / MANIFEST).read_bytes()).hexdigest()[:20]
    except OSError:
        return None


def load_state(state_file: Path, bundle: Path | None) -> IndexState | None:
    """The remembered state of `bundle`, or None when the two do not belong together or a shard is gone."""
    if bundle is None:
        return None
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION or data.get("manifest") != manifest_digest(bundle):
            return None
        base = {str(key): str(digest) for key, digest in data["base"].items()}
        pages = {str(path): IndexedPage(str(shard), date.fromisoformat(day), str(digest), str(page_id))
                 for path, (shard, day, digest, page_id) in data["pages"].items()}
        recent = data.get("recent")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    shards = [*base, RECENT_KEY] if recent else list(base)
    if not all(_SHARD_KEY.fullmatch(key) and (bundle / key / "pagefind.js").is_file() for key in shards):
        return None
    if any(held.shard not in base for held in pages.values()):
        return None
    return IndexState(str(data["manifest"]), int(data["shard_size"]), base, pages, str(recent) if recent else None)


def save_state(state_file: Path, state: IndexState) -> None:
    data = {"version": STATE_VERSION, "manifest": state.manifest, "shard_size": state.shard_size,
            "base": state.base, "recent": state.recent,
            "pages": {path: [held.shard, held.date.isoformat(), held.digest, held.id]
                      for path, held in sorted(state.pages.items())}}
    state_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = state_file.with_name(state_file.name + ".tmp")
    temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, state_file)


def read_manifest(bundle: Path | None) -> dict | None:
    """The manifest of `bundle` when it is ours: our version, and only shard keys that are date ranges or the
    recent shard (keys become folder names to link from: anything else means nothing in it is reused)."""
    if bundle is None:
        return None
    try:
        data = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION:
            return None
        keys = [str(entry["key"]) for entry in data["shards"]]
        shadowed = data.get("shadowed", {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(_SHARD_KEY.fullmatch(key) for key in keys) or not isinstance(shadowed, dict):
        return None
    return data


def listed_shards(manifest: dict | None) -> dict[str, str]:
    """Shard key -> digest of every shard a manifest (from `read_manifest`) lists."""
    return {str(entry["key"]): str(entry["digest"]) for entry in manifest["shards"]} if manifest else {}


def bundle_is_complete(bundle: Path) -> bool:
    """Whether the bundle exists with every shard its manifest lists (someone may have deleted some)."""
    manifest = read_manifest(bundle)
    return manifest is not None and all((bundle / key / "pagefind.js").is_file() for key in listed_shards(manifest))


_SHARD_KEY = re.compile(r"\d{4}(-\d{1,4})*|" + RECENT_KEY)


def bundle_is_current(bundle: Path, layout: Layout, state: IndexState | None) -> bool:
    """Whether the bundle on disk is what `layout` asks for (planned against its own `state`)."""
    manifest = read_manifest(bundle)
    return state is not None and manifest is not None and not layout.stale and \
        listed_shards(manifest) == {shard.key: shard.digest for shard in layout.shards} and \
        set(manifest.get("shadowed", {})) == {page.id for page in layout.shadowed if page.id}
