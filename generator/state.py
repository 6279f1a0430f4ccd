"""The build state in .cache/: versioned JSON files; a missing, corrupt or foreign file means "no state".

Deleting .cache/ is always safe: the next build starts from nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import zlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.content.bodies import BODIES_DIR, StoredHtml, compact, is_stored, prune_store, stored_packs
from generator.errors import SourceError

STATE_VERSION = 1
CACHE_DIR = ".cache"


def state_path(config: Config, name: str) -> Path:
    return config.root / CACHE_DIR / name


def load_state(config: Config, name: str, problems: list[SourceError]) -> dict[str, Any]:
    path = state_path(config, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeDecodeError):
        problems.append(SourceError(f"{CACHE_DIR}/{name}", None, None, "unreadable build state, starting afresh",
                                    "it is rebuilt automatically; deleting .cache/ is always safe", "warning"))
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or data.get("base_url") != config.base_url:
        return {}
    return data.get("data", {}) if isinstance(data.get("data"), dict) else {}


def save_state(config: Config, name: str, data: dict[str, Any]) -> None:
    path = state_path(config, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    payload = {"version": STATE_VERSION, "base_url": config.base_url, "data": data}
    # One line, no indent: only then does json use its C encoder (the fingerprints of 15,000 pages take
    # 10 ms instead of 60, on every rebuild and every preview save). The keys stay sorted: diffable.
    temporary.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
                         encoding="utf-8")
    os.replace(temporary, path)


def code_version() -> str:
    """A digest of the generator's own code: a new version of it means a clean rebuild."""
    global _code_version
    if _code_version is None:
        package = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".js"):
                digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        _code_version = digest.hexdigest()[:16]
    return _code_version


_code_version: str | None = None


class ParseCache:
    """Parse results kept across builds in .cache/parsed-<n>.pickle, per source file.

    An entry is reused when the file's stat is unchanged, or when its bytes still have the same digest; the
    whole cache is dropped when the config or the generator's code changed. A corrupt or foreign file is
    discarded with a warning. Entries are spread over PARTS files by path, and a build rewrites only the
    parts whose entries changed: an edit at 10,000 articles writes 600 entries, not 10,000 (~0.2 s).
    """

    PARTS = 16
    _open: dict[Path, ParseCache] = {}

    @classmethod
    def open(cls, config: Config, problems: list[SourceError]) -> ParseCache:
        """The cache of this site; kept in memory between builds of one process (the preview)."""
        folder = config.root / CACHE_DIR
        cache = cls._open.get(folder)
        if cache is None or cache.key != cls.key_for(config) or cache.disk_stamps != cache.stamps():
            cache = cls._open[folder] = cls(config, problems)
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
        self.disk_stamps = self.stamps()
        for part in range(self.PARTS):
            self._load(part, problems)

    def part_path(self, part: int) -> Path:
        return self.folder / f"parsed-{part:02d}.pickle"

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
        if entry[0] != stamp:
            digest = _file_digest(path)
            if digest != entry[1]:
                return None
            entry = (stamp, digest, entry[2])
            self.dirty.add(self.part_of(source_path))
        self.used[source_path] = entry
        self.hits += 1
        return entry[2]

    def _is_stored(self, body: StoredHtml) -> bool:
        if self.stored is None:
            self.stored = stored_packs(self.folder / BODIES_DIR)  # one listing instead of a stat per article
        # A handle into another folder's store (the site was moved or copied) is not this store's.
        return is_stored(body, self.stored)

    def put(self, source_path: str, stamp: tuple | None, digest: str | None, result: tuple) -> None:
        """Keep `result`, parsed from bytes with `digest`, for a file whose stat before parsing was `stamp`
        (a file that could not be read or stat'ed is not kept)."""
        if stamp is None or digest is None:
            return
        self.used[source_path] = (stamp, digest, result)
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
        if compact_store:
            self._move_bodies(compact(store, (body for entry in self.entries.values()
                                              for body in _stored_bodies(entry[2])), self.stored))
        if not self.dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        by_part: dict[int, dict[str, tuple]] = {part: {} for part in self.dirty}
        for source_path, entry in self.entries.items():
            part = self.part_of(source_path)
            if part in by_part:
                by_part[part][source_path] = entry
        for part, entries in sorted(by_part.items()):
            path = self.part_path(part)
            temporary = path.with_suffix(".tmp")
            with open(temporary, "wb") as handle:
                pickle.dump({"key": self.key, "entries": entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        self.dirty = set()
        self.disk_stamps = self.stamps()
        (self.folder / "parsed.pickle").unlink(missing_ok=True)  # the one-file cache of earlier versions
        referenced = {body.path for entry in self.entries.values() for body in _stored_bodies(entry[2])}
        prune_store(store, referenced, self.stored)

    def _move_bodies(self, moved: dict[StoredHtml, StoredHtml]) -> None:
        """Point the entries whose body was copied to another pack at their new handle."""
        if not moved:
            return
        for source_path, (stamp, digest, result) in list(self.entries.items()):
            body = getattr(result[0], "body_html", None)
            if body in moved:
                self.entries[source_path] = (stamp, digest, (replace(result[0], body_html=moved[body]), *result[1:]))
                self.dirty.add(self.part_of(source_path))


class DerivedCache:
    """One value derived from many inputs, kept in .cache/<name> with the digest of those inputs.

    A build whose inputs have the same digest takes the value instead of deriving it again. A missing
    file, or another version of the generator's code, means "derive it"; so does a corrupt or foreign
    file, with a warning. The value is also kept in memory for the next build of the same process (the
    preview).
    """

    _kept: dict[Path, tuple] = {}

    def __init__(self, config: Config, name: str, problems: list[SourceError]):
        self.name = name
        self.path = state_path(config, name)
        self.key = (STATE_VERSION, code_version())
        self.problems = problems

    def get(self, digest: str) -> Any | None:
        kept = self._kept.get(self.path)
        if kept is None or kept[0] != file_stamp(self.path):
            try:
                with open(self.path, "rb") as handle:
                    data = pickle.load(handle)
            except FileNotFoundError:
                return None
            except Exception:  # noqa: BLE001 - whatever is in there, it is only a cache
                data = None
            if not (isinstance(data, tuple) and len(data) == 3):
                self.problems.append(SourceError(f"{CACHE_DIR}/{self.name}", None, None,
                                                 "corrupt or foreign build cache, discarded",
                                                 "deleting .cache/ is always safe", "warning"))
                return None
            kept = self._kept[self.path] = (file_stamp(self.path), *data)
        _, key, known_digest, value = kept
        return value if key == self.key and known_digest == digest else None

    def put(self, digest: str, value: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            pickle.dump((self.key, digest, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, self.path)
        self._kept[self.path] = (file_stamp(self.path), self.key, digest, value)


def _stored_bodies(result: tuple) -> list[StoredHtml]:
    """The body-store handles of one parse result (an article's body)."""
    body = getattr(result[0], "body_html", None)
    return [body] if isinstance(body, StoredHtml) else []


def files_digest(seed: str, paths: list[str | Path], stamps: dict[str, tuple | None] | None = None) -> str:
    """A digest of `seed` and each file's stat (path, mtime, size, inode): equal digests, same files.

    `stamps`: stats already taken (by `file_stamps`), so that 10,000 files are not stat'ed twice.
    """
    digest = hashlib.sha256(seed.encode())
    for path in paths:
        stamp = stamps[path] if stamps is not None and path in stamps else file_stamp(path)
        if stamp is not None:
            digest.update(f"{path}|{stamp[0]}|{stamp[1]}|{stamp[2]}\n".encode())
    return digest.hexdigest()


def file_stamp(path: Path | str) -> tuple | None:
    """(mtime in ns, size, inode) of a file; None when it cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def file_stamps(paths: Iterable[str]) -> dict[str, tuple | None]:
    return {path: file_stamp(path) for path in paths}


def _file_digest(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


class OutputState:
    """The fingerprint of every output file of one output folder, from the last successful build."""

    def __init__(self, config: Config, output: Path, problems: list[SourceError]):
        self.config = config
        self.name = f"outputs-{hashlib.sha256(str(output).encode()).hexdigest()[:12]}.json"
        data = load_state(config, self.name, problems)
        valid = data.get("code") == code_version() and data.get("config") == config.digest
        self.fingerprints: dict[str, str] = data.get("fingerprints", {}) if valid else {}
        self.outputs: set[str] | None = set(data["outputs"]) if valid and "outputs" in data else None
        self.inputs: str | None = data.get("inputs") if valid else None
        self.next_change: str | None = data.get("next_change") if valid else None
        self.counts: dict = data.get("counts", {}) if valid else {}

    def save(self, fingerprints: dict[str, str], outputs: set[str], inputs: str, next_change: str | None,
             counts: dict) -> None:
        save_state(self.config, self.name, {"code": code_version(), "config": self.config.digest,
                                            "fingerprints": fingerprints, "outputs": sorted(outputs),
                                            "inputs": inputs, "next_change": next_change, "counts": counts})
