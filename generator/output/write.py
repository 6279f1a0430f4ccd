"""Write the rendered site: only changed bytes, prune what is no longer produced, swap atomically.

A big change (a first build, a template edit) assembles the new tree in a staging directory next to the
output: unchanged files are hard links to the live ones (so they keep their inode and mtime, and deploy
tools skip them), changed files are new files. The staging tree then replaces the output in one atomic
exchange, so an interrupted build leaves the previous good site in place, and the next build cleans up.

A small change (up to IN_PLACE_MAX files: an edit, a new article) is applied in place, because
re-linking tens of thousands of files costs seconds: a journal beside the output lists the files, the
new bytes are written next to their targets, the journal is marked committed, then each file is renamed
over its target (atomic per file) and pruned files are removed. A build killed before the commit leaves
the site as it was (the next build deletes the temporary files); killed after it, the next build
finishes the renames first. Readers of the live folder can see a mix of old and new pages only during
the renames (milliseconds).

Photos' renditions are not bytes but files the build made in .cache/images/: an output is a hard link to
its cached file (a copy where the system cannot link), so a photo's files take their disk space once.
A tool that edits output files in place would edit the cache too: work on a copy of the output.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import UsageError

MARKER = ".news-archive-output"
MARKER_TEXT = b"This folder is written by news-archive; it is replaced on every build.\n"
IN_PLACE_MAX = 500  # changed + removed files up to which the live folder is updated in place
TEMPORARY_SUFFIX = ".news-archive-new"


@dataclass(frozen=True)
class LinkedFiles:
    """Outputs that are files the build owns (a photo's renditions, in .cache/images/), published as hard
    links to them: (output path, file) pairs."""

    files: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Link:
    source: str


Content = bytes | _Link


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    pruned: list[str] = field(default_factory=list)
    swapped: bool = False
    in_place: bool = False


def check_output_dir(output: Path, root: Path, protected: list[Path]) -> Path:
    """Refuse output directories whose replacement would destroy something that is not ours."""
    output = output.resolve()
    root = root.resolve()
    home = Path.home().resolve()
    forbidden = {Path(output.anchor), home, root, *(p.resolve() for p in protected)}
    if output in forbidden or output in root.parents or any(output in p.resolve().parents for p in protected):
        raise UsageError(f"refusing to use {output} as the output directory: it holds the site itself or more; "
                         "use a folder of its own such as ./output")
    if any(p.resolve() in output.parents for p in protected):
        raise UsageError(f"refusing to write into {output}: it is inside content/ or a theme")
    if output.exists() and not output.is_dir():
        raise UsageError(f"output path {output} exists and is not a directory")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise UsageError(f"{output} exists and was not created by news-archive; refusing to replace it "
                         "(empty or remove it, or choose another --output)")
    return output


def staging_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.staging"


def journal_path(output: Path) -> Path:
    return output.parent / f".{output.name}.journal"


def recover(output: Path) -> None:
    """Finish or undo a swap or an in-place update that a killed build left half-done."""
    _recover_journal(output)
    staging = staging_dir(output)
    if not output.exists() and (staging / MARKER).is_file():
        # Killed between the two renames of the fallback swap: the staging tree is the newest complete one.
        os.rename(staging, output)
    for leftover in (staging, output.parent / f".{output.name}.old"):
        if leftover.exists():
            remove_owned_tree(leftover)


def remove_owned_tree(path: Path) -> None:
    """Delete a tree we created, its marker last: a tree left by a kill is always marked, or empty.

    A non-empty tree without our marker is not ours, and is never deleted.
    """
    if not (path / MARKER).is_file():
        try:
            path.rmdir()
        except OSError:
            raise UsageError(f"{path} exists and was not created by news-archive: remove it yourself") from None
        return
    for directory, folders, files in os.walk(path, topdown=False):
        for name in files:
            if not (directory == str(path) and name == MARKER):
                os.unlink(os.path.join(directory, name))
        for name in folders:
            folder = os.path.join(directory, name)
            os.unlink(folder) if os.path.islink(folder) else os.rmdir(folder)
    (path / MARKER).unlink()
    path.rmdir()


def existing_files(output: Path) -> dict[str, Path]:
    files = {}
    if output.is_dir():
        root = os.path.join(output, "")
        for directory, _, names in os.walk(output):
            relative = directory[len(root):].replace(os.sep, "/")
            prefix = relative + "/" if relative else ""
            for name in names:
                files[prefix + name] = Path(directory, name)
    files.pop(MARKER, None)
    return files


class OutputWriter:
    """Takes a build's outputs as they are rendered and makes `output` hold exactly them.

    Only changed bytes are held, and only while they are few (an in-place update is still possible):
    past IN_PLACE_MAX they go straight into the staging tree, so a cold build of a large archive never
    holds its rendered pages in memory.
    """

    def __init__(self, output: Path):
        recover(output)
        self.output = output
        self.paths: set[str] = set()
        self.held: dict[str, Content] = {}
        self.spilled: set[str] = set()  # changed files already written into the staging tree
        self.links: dict[str, _Link] = {}  # outputs linked to files the build makes, when it writes
        self.unchanged = 0
        self.staging: Path | None = None

    def add(self, path: str, data: bytes | LinkedFiles) -> None:
        if isinstance(data, LinkedFiles):  # their files may still be in the making: linked in finish()
            for output, source in data.files:
                self.paths.add(output)
                self.links[output] = _Link(source)
            return
        self.paths.add(path)
        self._add_if_changed(path, data)

    def _add_if_changed(self, path: str, data: Content) -> None:
        if _same_content(os.path.join(self.output, path), data):
            self.unchanged += 1
            return
        if self.staging is None and len(self.held) >= IN_PLACE_MAX:
            self._start_staging()
        if self.staging is not None:
            self._spill(path, data)
        else:
            self.held[path] = data

    def abandon(self) -> None:
        """The build failed: drop what was written so far; the live site stays as it is."""
        if self.staging is not None:
            remove_owned_tree(self.staging)
            self.staging = None
        self.held, self.spilled, self.links = {}, set(), {}

    def _start_staging(self) -> None:
        self.staging = staging_dir(self.output)
        self.staging.mkdir(parents=True)
        (self.staging / MARKER).write_bytes(MARKER_TEXT)
        for path, data in self.held.items():
            self._spill(path, data)
        self.held = {}

    def _spill(self, path: str, data: Content) -> None:
        _put(os.path.join(self.staging, path), data)
        self.spilled.add(path)

    def finish(self, keep: Set[str] = frozenset(), keep_prefixes: tuple[str, ...] = (),
               before_swap: Callable[[Path, bool], None] | None = None, force: bool = False,
               previous: Set[str] | None = None) -> WriteReport:
        """Prune, then go live. `keep`: outputs not rendered again, as they are; `previous`, the outputs of
        the last build: those this build does not produce are pruned (without it, every file of the tree
        this build does not produce, which means walking the whole tree). The files outputs link to must
        exist by now.
        `before_swap(tree, in_place)` runs once the new pages are in `tree`: the staging tree before it
        goes live, or the live folder itself after an in-place update."""
        output = self.output
        for path, link in self.links.items():
            self._add_if_changed(path, link)
        self.links = {}
        changed = self.spilled | set(self.held)
        report = WriteReport(written=sorted(changed), unchanged=len(keep) + self.unchanged)
        current: dict[str, Path] | None = None
        if previous is None:
            current = existing_files(output)
            report.pruned = sorted(path for path in current if path not in self.paths and path not in keep
                                   and not path.startswith(keep_prefixes))
        else:
            # What the last build wrote and this one does not: no need to look at every file of the tree
            # (a walk of 25,000 files costs ~1 s here, on every build that adds or removes a page).
            folder = str(output)
            report.pruned = sorted(path for path in previous if path not in self.paths and path not in keep
                                   and not path.startswith(keep_prefixes)
                                   and os.path.isfile(os.path.join(folder, path)))
        if not changed and not report.pruned and not force and output.is_dir():
            return report
        if self.staging is None and (output / MARKER).is_file() \
                and len(changed) + len(report.pruned) <= IN_PLACE_MAX:
            _update_in_place(output, self.held, report.pruned)
            report.in_place = True
            if before_swap is not None:
                before_swap(output, True)
            return report
        if self.staging is None:
            self._start_staging()
        staging = self.staging
        if current is None:
            current = {path: output / path for path in previous if (output / path).is_file()}
        for path, source in current.items():
            if path not in changed and path not in report.pruned:
                link_file(source, staging / path)
        for prefix in keep_prefixes if before_swap is None else ():  # (a hook makes what it needs of them)
            kept = output / prefix
            if kept.is_dir() and not (staging / prefix).exists():
                link_tree(kept, staging / prefix)
        if before_swap is not None:
            before_swap(staging, False)
        _swap(staging, output)
        report.swapped = True
        return report


def _update_in_place(output: Path, changed: Mapping[str, Content], pruned: list[str]) -> None:
    journal = journal_path(output)
    entries = {"write": sorted(changed), "prune": pruned}
    _write_journal(journal, {**entries, "committed": False})
    for path, data in changed.items():
        temporary = os.path.join(output, path + TEMPORARY_SUFFIX)
        if os.path.lexists(temporary):  # left by a build killed here: a link cannot replace it
            os.unlink(temporary)
        _put(temporary, data)
    _write_journal(journal, {**entries, "committed": True})
    _apply_journal(output, entries)
    journal.unlink()


def _write_journal(journal: Path, data: dict) -> None:
    temporary = journal.with_name(journal.name + ".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, journal)


def _apply_journal(output: Path, entries: dict) -> None:
    for path in entries["write"]:
        target = output / path
        new = target.with_name(target.name + TEMPORARY_SUFFIX)
        if new.exists():
            os.replace(new, target)
    for path in entries["prune"]:
        target = output / path
        target.unlink(missing_ok=True)
        _remove_empty_parents(target.parent, output)


def _recover_journal(output: Path) -> None:
    journal = journal_path(output)
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        entries = None  # killed while writing the journal itself: nothing was renamed yet
    if isinstance(entries, dict) and entries.get("committed"):
        _apply_journal(output, entries)
    elif isinstance(entries, dict):
        for path in entries.get("write", []):
            target = output / path
            target.with_name(target.name + TEMPORARY_SUFFIX).unlink(missing_ok=True)
    journal.unlink()


def _remove_empty_parents(folder: Path, output: Path) -> None:
    while folder != output and output in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def link_tree(source: Path, target: Path) -> None:
    """Hard links to every file under `source`, at the same places under `target`."""
    for directory, _, names in os.walk(source):
        for name in names:
            path = Path(directory, name)
            link_file(path, target / path.relative_to(source))


def _same_content(path: str, data: Content) -> bool:
    try:
        if isinstance(data, _Link):
            return _same_file(path, data.source)
        with open(path, "rb") as handle:
            return os.fstat(handle.fileno()).st_size == len(data) and handle.read() == data
    except OSError:
        return False


def _same_file(path: str, source: str) -> bool:
    """Whether `path` is `source` (one file, two links) or a copy of it: a cache emptied and made again
    gives new files with the same bytes, and the published ones stay as they are."""
    found, wanted = os.stat(path), os.stat(source)
    if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
        return True
    if found.st_size != wanted.st_size:
        return False
    with open(path, "rb") as a, open(source, "rb") as b:
        return a.read() == b.read()


def _put(target: str, data: Content) -> None:
    if isinstance(data, _Link):
        link_file(Path(data.source), Path(target))
    else:
        write_new_file(target, data)


# Both below create a file's folders only when the first attempt finds them missing: a mkdir per file
# (most of them already there) cost as much as the writes themselves in a cold build.

def write_new_file(target: str, data: bytes) -> None:
    """Write `data` to `target`, creating the folders on the way."""
    try:
        handle = open(target, "wb")  # noqa: SIM115 - closed below; the open alone is retried
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        handle = open(target, "wb")  # noqa: SIM115
    with handle:
        handle.write(data)


def link_file(source: Path, target: Path) -> None:
    """A hard link (a copy where links are impossible), creating the folders on the way."""
    try:
        os.link(source, target)
        return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError:
        shutil.copy2(source, target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def _swap(staging: Path, output: Path) -> None:
    if not output.exists():
        os.rename(staging, output)
        return
    if not _exchange(staging, output):
        old = output.parent / f".{output.name}.old"
        if old.exists():
            remove_owned_tree(old)
        os.rename(output, old)
        os.rename(staging, output)
        staging = old
    remove_owned_tree(staging)  # now the previous site
