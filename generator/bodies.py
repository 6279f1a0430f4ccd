"""The body store: each article's rendered HTML kept in `.cache/bodies/`, read when a page needs it.

Holding every article body in memory would make a build's memory grow with the whole text of the
archive (about 10 KB per article, several copies once pickled for workers and caches). Instead, parsing
writes each body once, named by its digest, and the model carries a `StoredHtml` handle: templates read
it as HTML (`{{ article.body_html | safe }}`), fingerprints hash the digest, and the parse cache keeps
the handle. Unreferenced bodies are deleted when the parse cache is saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path

from .write import write_new_file

BODIES_DIR = "bodies"


@dataclass(frozen=True)
class StoredHtml:
    """A handle on HTML in the body store; str() and Jinja's `| safe` read it from disk."""

    digest: str
    path: str
    size: int  # bytes

    def read(self) -> str:
        with open(self.path, encoding="utf-8") as handle:
            return handle.read()

    def exists(self) -> bool:
        return os.path.isfile(self.path)

    def __str__(self) -> str:
        return self.read()

    def __html__(self) -> str:
        return self.read()

    def __bool__(self) -> bool:
        return self.size > 0


def store_html(store: Path, html: str) -> StoredHtml:
    """Write `html` to the store under its digest (once: same HTML, same file) and return its handle."""
    data = html.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    path = body_path(store, digest)
    if not os.path.isfile(path):
        # Workers may store the same body at once: each writes its own temporary file, the last rename wins.
        temporary = f"{path}.{os.getpid()}.tmp"
        write_new_file(temporary, data)
        os.replace(temporary, path)
    return StoredHtml(digest, path, len(data))


def body_path(store: Path | str, digest: str) -> str:
    return os.path.join(store, digest[:2], f"{digest}.html")


def stored_digests(store: Path | str) -> set[str]:
    """The digests of the bodies in the store."""
    return {name[:-5] for folder in _entries(store) if folder.is_dir()
            for name in os.listdir(folder.path) if name.endswith(".html")}


def prune_store(store: Path, referenced: Set[str], stored: Set[str] | None = None) -> int:
    """Delete stored bodies whose digest is not in `referenced`; returns how many. `stored`: the store's
    `stored_digests`, when already listed (bodies added since are referenced ones)."""
    unreferenced = (stored_digests(store) if stored is None else stored) - referenced
    for digest in unreferenced:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(body_path(store, digest))
    return len(unreferenced)


def _entries(folder: Path | str) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
