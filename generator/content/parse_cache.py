"""The parse cache: each source file's parse result, kept in .cache/ across builds."""

from __future__ import annotations

import os
import pickle
import zlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cache import CACHE_DIR, STATE_VERSION, code_version, file_digest, file_stamp
from generator.config import Config
from generator.content.bodies import BODIES_DIR, StoredHtml, compact, is_stored, prune_store, stored_packs
from generator.errors import SourceError

if TYPE_CHECKING:
    from generator.options import BuildMemory


class ParseCache:
    """Parse results kept across builds in .cache/parsed-<n>.pickle, per source file.

    An entry is reused when the file's stat is unchanged, or when its bytes still have the same digest; the
    whole cache is dropped when the config or the generator's code changed. A corrupt or foreign file is
    discarded with a warning. Entries are spread over PARTS files by path, and a build rewrites only the
    parts whose entries changed: an edit at 10,000 articles writes 600 entries, not 10,000 (~0.2 s).
    """

    PARTS = 16

    @classmethod
    def open(cls, config: Config, problems: list[SourceError], memory: BuildMemory | None = None) -> ParseCache:
        """The cache of this site; kept in `memory` between builds of one process (the preview)."""
        cache = memory.parse_cache if memory is not None else None
        if cache is None or cache.folder != config.root / CACHE_DIR or cache.key != cls.key_for(config) \
                or cache.disk_stamps != cache.stamps():
            cache = cls(config, problems)
            if memory is not None:
                memory.parse_cache = cache
        cache.used, cache.hits, cache.stored = {}, 0, None
        return cache

    @staticmethod
    def key_for(config: Config) -> tuple:
        return (STATE_VERSION, code_version(), config.parse_digest)

    @classmethod
    def part_of(cls, source_path: str) -> int:
        return zlib.crc32(source_path.encode()) % cls.PARTS

    def __init__(self, config: Config, problems: list[SourceError]):
        self.config = config
        self.key = self.key_for(config)
        self.folder = config.root / CACHE_DIR
        self.entries: dict[str, tuple] = {}
        self.used: dict[str, tuple] = {}
        self.hits = 0
        self.dirty: set[int] = set()  # parts to write at commit
        self.stored: dict[str, int] | None = None  # the body store's packs, listed once per build
        self.moved: dict[StoredHtml, StoredHtml] = {}  # bodies the last commit copied: old handle -> new
        self.disk_stamps = self.stamps()
        for part in range(self.PARTS):
            self._load(part, problems)

    def part_path(self, part: int) -> Path:
        return _part_path(self.folder, part)

    def stamps(self) -> list[tuple | None]:
        """Whether the files changed on disk since this process read or wrote them."""
        return [file_stamp(self.part_path(part)) for part in range(self.PARTS)]

    def _load(self, part: int, problems: list[SourceError]) -> None:
        path = self.part_path(part)
        self.dirty.add(part)
        try:
            with open(path, "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return
        except Exception:  # noqa: BLE001 - whatever is in there, it is only a cache
            problems.append(SourceError(f"{CACHE_DIR}/{path.name}", None, None,
                                        "corrupt or foreign parse cache, discarded",
                                        "deleting .cache/ is always safe", "warning"))
            return
        if isinstance(data, dict) and data.get("key") == self.key and isinstance(data.get("entries"), dict):
            self.entries.update(data["entries"])
            self.dirty.discard(part)

    def get(self, source_path: str, path: str, stamp: tuple | None = None) -> tuple | None:
        """The cached result for this file, or None. `stamp`: its `file_stamp`, when already taken."""
        stamp = stamp or file_stamp(path)
        entry = self.entries.get(source_path)
        if entry is None or stamp is None:
            return None
        if not all(self._is_stored(body) for body in _stored_bodies(entry[2])):
            return None  # someone cleared part of .cache/ (or moved the site): parse again
        depends = entry[3] if len(entry) > 3 else ()
        if any(file_stamp(path) != seen for path, seen in depends):
            return None  # a photo or attachment it read changed, appeared or vanished
        if entry[0] != stamp:
            digest = file_digest(path)
            if digest != entry[1]:
                return None
            entry = (stamp, digest, entry[2], depends)
            self.dirty.add(self.part_of(source_path))
        self.used[source_path] = entry
        self.hits += 1
        return entry[2]

    def _is_stored(self, body: StoredHtml) -> bool:
        if self.stored is None:
            self.stored = stored_packs(self.folder / BODIES_DIR)  # one listing instead of a stat per article
        # A handle into another folder's store (the site was moved or copied) is not this store's.
        return is_stored(body, self.stored)

    def put(self, source_path: str, stamp: tuple | None, digest: str | None, result: tuple,
            depends: tuple = ()) -> None:
        """Keep `result`, parsed from bytes with `digest`, for a file whose stat before parsing was `stamp`
        (a file that could not be read or stat'ed is not kept); `depends`: the other files parsing read,
        with their stats, which must be unchanged for the result to be used again."""
        if stamp is None or digest is None:
            return
        self.used[source_path] = (stamp, digest, result, depends)
        self.dirty.add(self.part_of(source_path))

    def commit(self, compact_store: bool = False) -> None:
        """Keep exactly the entries of this build, on disk only where something changed.

        `compact_store`: copy the bodies in use into a new pack if dead ones outweigh them; only when
        nothing will read through the current handles any more (not in the preview, whose model lives on).
        """
        self.dirty |= {self.part_of(source_path) for source_path in self.entries.keys() - self.used.keys()}
        self.entries = self.used
        store = self.folder / BODIES_DIR
        if self.stored is None:
            self.stored = stored_packs(store)
        self.moved = {}
        if compact_store:
            self.moved = compact(store, (body for entry in self.entries.values()
                                         for body in _stored_bodies(entry[2])), self.stored)
            self._move_bodies(self.moved)
        if not self.dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        by_part: dict[int, dict[str, tuple]] = {part: {} for part in self.dirty}
        for source_path, entry in self.entries.items():
            part = self.part_of(source_path)
            if part in by_part:
                by_part[part][source_path] = entry
        for part, entries in sorted(by_part.items()):
            _write_part(self.folder, part, self.key, entries)
        self.dirty = set()
        self.disk_stamps = self.stamps()
        (self.folder / "parsed.pickle").unlink(missing_ok=True)  # the one-file cache of earlier versions
        referenced = {body.path for entry in self.entries.values() for body in _stored_bodies(entry[2])}
        prune_store(store, referenced, self.stored)

    def _move_bodies(self, moved: dict[StoredHtml, StoredHtml]) -> None:
        """Point the entries whose body was copied to another pack at their new handle."""
        if not moved:
            return
        for source_path, (stamp, digest, result, *depends) in list(self.entries.items()):
            body = getattr(result[0], "body_html", None)
            if body in moved:
                self.entries[source_path] = (stamp, digest, (replace(result[0], body_html=moved[body]), *result[1:]),
                                             *depends)
                self.dirty.add(self.part_of(source_path))



def _stored_bodies(result: tuple) -> list[StoredHtml]:
    """The body-store handles of one parse result (an article's body)."""
    body = getattr(result[0], "body_html", None)
    return [body] if isinstance(body, StoredHtml) else []


def _part_path(folder: Path, part: int) -> Path:
    return folder / f"parsed-{part:02d}.pickle"


def _write_part(folder: Path, part: int, key: tuple, entries: dict[str, tuple]) -> None:
    path = _part_path(folder, part)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as handle:
        pickle.dump({"key": key, "entries": entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


class CacheParts:
    """The parts of the parse cache holding a few files, for a build that parses only those (the command
    line's quick path): the other parts are neither read nor written."""

    def __init__(self, config: Config, source_paths: list[str]):
        self.folder = config.root / CACHE_DIR
        self.key = ParseCache.key_for(config)
        self.parts: dict[int, dict[str, tuple] | None] = {}
        for part in sorted({ParseCache.part_of(path) for path in source_paths}):
            try:
                with open(_part_path(self.folder, part), "rb") as handle:
                    data = pickle.load(handle)
            except Exception:  # noqa: BLE001 - a part that cannot be read is only a cache miss
                data = None
            valid = isinstance(data, dict) and data.get("key") == self.key and isinstance(data.get("entries"), dict)
            self.parts[part] = data["entries"] if valid else None

    def put(self, source_path: str, stamp: tuple | None, digest: str | None, result: tuple,
            depends: tuple = ()) -> None:
        entries = self.parts.get(ParseCache.part_of(source_path))
        if entries is not None and stamp is not None and digest is not None:
            entries[source_path] = (stamp, digest, result, depends)

    def commit(self) -> None:
        for part, entries in self.parts.items():
            if entries is not None:
                _write_part(self.folder, part, self.key, entries)
