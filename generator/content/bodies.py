"""The body store: each article's rendered HTML kept in `.cache/bodies/`, read when a page needs it.

Holding every article body in memory would make a build's memory grow with the whole text of the
archive (about 10 KB per article, several copies once pickled for workers and caches). Instead, parsing
appends each body to a pack file of the store, one new pack per batch of articles parsed, and the model
carries a `StoredHtml` handle (pack, offset, size): templates read it as HTML (`{{ article.body_html |
safe }}`), fingerprints hash its digest, and the parse cache keeps the handle.

Packs, not a file per body: a cold build of 10,000 articles creates ~40 files instead of 10,000, and
creating many small files is slow on some file systems (ext4 without a journal scans past every inode
deleted in the last minutes: after `rm -rf .cache output`, storing 10,000 bodies one per file took 3 s
more than packing them). Packs are written once and never changed; a pack that no cached article uses
any more is deleted when the parse cache is saved, and the bodies still in use are copied into a new
pack when dead bodies outweigh them (`compact`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

BODIES_DIR = "bodies"
PACK_SUFFIX = ".pack"
# Dead bytes the store tolerates before the live bodies are copied into a new pack: at least this much,
# and at least as much as the live bodies (so a copy frees at least half of the store).
COMPACT_MIN_DEAD = 8 * 1024 * 1024

_pack_numbers = itertools.count()


@dataclass(frozen=True)
class StoredHtml:
    """A handle on HTML in the body store; str() and Jinja's `| safe` read it from disk."""

    digest: str
    path: str  # the pack file
    offset: int
    size: int  # bytes

    def read(self) -> str:
        if not self.size:
            return ""
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            data = os.pread(descriptor, self.size, self.offset)
        finally:
            os.close(descriptor)
        if len(data) != self.size:
            raise OSError(errno.EIO, "truncated body store file", self.path)
        return data.decode("utf-8")

    def __str__(self) -> str:
        return self.read()

    def __html__(self) -> str:
        return self.read()

    def __bool__(self) -> bool:
        return self.size > 0


class BodyPack:
    """Appends bodies to one new pack file of the store (created on the first non-empty body).

    Each process writes its own packs (the name holds the time, the process id and a counter), so parse
    workers never share a file; a pack is complete once closed, before any handle on it is used.
    """

    def __init__(self, store: Path | str):
        self.store = str(store)
        self.path = ""
        self.file = None
        self.offset = 0

    def add(self, html: str) -> StoredHtml:
        data = html.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        if not data:
            return StoredHtml(digest, "", 0, 0)
        if self.file is None:
            os.makedirs(self.store, exist_ok=True)
            name = f"{time.time_ns():x}-{os.getpid()}-{next(_pack_numbers)}{PACK_SUFFIX}"
            self.path = os.path.join(self.store, name)
            self.file = open(self.path, "xb")  # noqa: SIM115 - closed by close(), after the last add()
        self.file.write(data)
        handle = StoredHtml(digest, self.path, self.offset, len(data))
        self.offset += len(data)
        return handle

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def __enter__(self) -> BodyPack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def stored_packs(store: Path | str) -> dict[str, int]:
    """Path -> size of each pack in the store: one listing tells which handles can still be read."""
    return {entry.path: entry.stat().st_size for entry in _entries(store)
            if entry.name.endswith(PACK_SUFFIX) and entry.is_file()}


def is_stored(body: StoredHtml, packs: Mapping[str, int]) -> bool:
    """Whether the handle's bytes are in `packs` (a `stored_packs` listing of this site's store)."""
    return not body.size or packs.get(body.path, -1) >= body.offset + body.size


def all_stored(store: Path | str, values: Iterable[object]) -> bool:
    """Whether every body-store handle among `values` can still be read from `store` (a build may have
    compacted the store since they were made)."""
    handles = [value for value in values if isinstance(value, StoredHtml)]
    if not handles:
        return True
    packs = stored_packs(store)
    return all(is_stored(handle, packs) for handle in handles)


def prune_store(store: Path, referenced: Set[str], stored: Iterable[str] | None = None) -> int:
    """Delete the packs not in `referenced` (pack paths), and whatever earlier versions left in the
    store; returns how many packs went. `stored`: the store's packs when already listed (packs written
    since are referenced ones)."""
    if stored is None:
        stored = stored_packs(store)
    unreferenced = [path for path in stored if path not in referenced]
    for path in unreferenced:
        _unlink(path)
    for entry in _entries(store):
        if entry.is_dir(follow_symlinks=False):  # one file per body, in folders: the layout before packs
            shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.name.endswith(".tmp"):
            _unlink(entry.path)
    return len(unreferenced)


def compact(store: Path, bodies: Iterable[StoredHtml], stored: Mapping[str, int]) -> dict[StoredHtml, StoredHtml]:
    """Copy the live `bodies` of packs holding dead ones into a new pack, when those dead bytes reach
    COMPACT_MIN_DEAD and outweigh the bytes to copy: old handle -> new handle, empty when nothing needs
    doing. `stored`: the store's packs (packs written since are all live). The caller saves the new
    handles before `prune_store` deletes the old packs (a build killed in between leaves an unused pack).
    """
    live = {body for body in bodies if body.size}
    live_by_pack: dict[str, int] = {}
    for body in live:
        live_by_pack[body.path] = live_by_pack.get(body.path, 0) + body.size
    # Packs no body uses are simply deleted by the prune; only packs that stay with dead bytes count.
    holed = {path for path, used in live_by_pack.items() if stored.get(path, used) > used}
    dead = sum(stored[path] - live_by_pack[path] for path in holed)
    if dead < max(COMPACT_MIN_DEAD, sum(live_by_pack[path] for path in holed)):
        return {}
    moved = {}
    with BodyPack(store) as pack:
        for body in sorted((body for body in live if body.path in holed), key=lambda body: (body.path, body.offset)):
            moved[body] = pack.add(body.read())
    return moved


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _entries(folder: Path | str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
