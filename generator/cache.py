"""The build's folder .cache/: versioned state files, file stamps and digests, the generator's version.

A missing, corrupt or foreign state file means "no state".

Deleting .cache/ is always safe: the next build starts from nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.errors import SourceError

if TYPE_CHECKING:
    from generator.options import BuildMemory

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


class DerivedCache:
    """One value derived from many inputs, kept in .cache/<name> with the digest of those inputs.

    A build whose inputs have the same digest takes the value instead of deriving it again. A missing
    file, or another version of the generator's code, means "derive it"; so does a corrupt or foreign
    file, with a warning. The value is also kept in memory for the next build of the same process (the
    preview) when it gives a `memory`.
    """

    def __init__(self, config: Config, name: str, problems: list[SourceError], memory: BuildMemory | None = None):
        self.name = name
        self.path = state_path(config, name)
        self.key = (STATE_VERSION, code_version())
        self.problems = problems
        self._kept: dict[Path, tuple] = memory.derived if memory is not None else {}

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



def files_digest(seed: str, paths: list[str | Path], stamps: dict[str, tuple | None] | None = None) -> str:
    """A digest of `seed` and each file's stat (path, mtime, size, inode): equal digests, same files.

    `stamps`: stats already taken (by `file_stamps`), so that 10,000 files are not stat'ed twice.
    """
    stamps = stamps or {}
    listed = [(path, stamps[path]) if path in stamps else (path, file_stamp(path)) for path in paths]
    # One pickle of the whole list, not a string per file: at 100,000 files, 0.03 s instead of 0.15 s.
    return hashlib.sha256(seed.encode() + b"\0" + pickle.dumps(listed, protocol=5)).hexdigest()


def file_stamp(path: Path | str) -> tuple | None:
    """(mtime in ns, size, inode) of a file; None when it cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def file_stamps(paths: Iterable[str]) -> dict[str, tuple | None]:
    """file_stamp of each path; inlined: 100,000 function calls cost a tenth of a no-op build at that size."""
    stamps: dict[str, tuple | None] = {}
    stat = os.stat
    for path in paths:
        try:
            found = stat(path)
            stamps[path] = (found.st_mtime_ns, found.st_size, found.st_ino)
        except OSError:
            stamps[path] = None
    return stamps


def file_digest(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()
