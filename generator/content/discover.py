"""Walk content/ into `Source` records: articles, standalone pages and term files; and the files of articles
written as folders (page bundles: `…/slug/index.md` with its photos and attachments beside it).

Only regular, non-hidden `*.md` files are read as content. Symlinks are followed only when they resolve inside
content/; loops, dangling links, FIFOs and editor leftovers are skipped without ever blocking.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.cache import CACHE_DIR, code_version, file_stamp
from generator.config import Config
from generator.content.values import Source, StaticFile
from generator.errors import ContentError, SourceError

MAX_FILE_BYTES = 2 * 1024 * 1024
_EDITOR_LEFTOVER = re.compile(r"(^[.#~]|~$|^4913$|\.sw[a-p]$|\.tmp$|\.bak$|^#.*#$)")


def is_content_name(name: str) -> bool:
    """True for a file name we read: `*.md`, not hidden, not an editor's temporary or backup file."""
    return name.endswith(".md") and not _EDITOR_LEFTOVER.search(name) and len(name) > 3


def is_content_file(name: str) -> bool:
    """True for a file of content/ a build may read: Markdown, or a file of an article's folder."""
    return not _EDITOR_LEFTOVER.search(name)


def discover_sources(config: Config) -> tuple[list[Source], list[SourceError]]:
    """Every readable content file, sorted by path, plus problems found while walking."""
    sources, _, problems = discover_content(config)
    return sources, problems


@dataclass(frozen=True)
class Walked:
    """What walking the site's folders found: content sources, the files of articles written as folders,
    the files of static/, the problems met."""

    sources: list[Source]
    bundle_files: list[StaticFile]
    static_files: list[StaticFile]
    problems: list[SourceError]


WALK_RECORD = "walk.pickle"


def walk_site(config: Config) -> Walked:
    """content/ and static/, walked; or, when none of the folders the last walk scanned changed since (no
    file was added, removed or renamed in them), what that walk found, with each file's stamp taken
    again. A walk that met problems is not recorded: its warnings are shown again."""
    record = config.root / CACHE_DIR / WALK_RECORD
    recorded = _recorded_walk(record, config)
    if recorded is not None:
        return recorded
    started = time.time_ns()
    folders: dict[str, tuple | None] = {}
    sources, bundle_files, problems = discover_content(config, folders)
    static_files, static_problems = discover_static(config, folders)
    walked = Walked(sources, bundle_files, static_files, problems + static_problems)
    if not walked.problems:
        _record_walk(record, config, folders, walked, started)
    else:
        with contextlib.suppress(OSError):
            record.unlink(missing_ok=True)
    return walked


# A folder changed less than this before the walk may change again within the same clock tick (file times
# advance by ticks of a few milliseconds) without its time changing: it is not trusted, as git does.
_RACY_NS = 2_000_000_000


def _record_walk(record: Path, config: Config, folders: dict[str, tuple | None], walked: Walked,
                 started: int) -> None:
    trusted = {folder: stamp if stamp is None or stamp[0] < started - _RACY_NS else ("racy",)
               for folder, stamp in folders.items()}
    data = {"key": _record_key(config), "folders": trusted,
            "sources": [(source.source_path, source.kind, source.path, source.taxonomy) for source in walked.sources],
            "bundle": [(file.relative, file.path, file.folder) for file in walked.bundle_files],
            "static": [(file.relative, file.path, file.folder) for file in walked.static_files]}
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(data, protocol=5))
        os.replace(temporary, record)
    except OSError:
        pass  # only a shortcut: the next build walks again


def _recorded_walk(record: Path, config: Config) -> Walked | None:
    try:
        data = pickle.loads(record.read_bytes())
        if data["key"] != _record_key(config) or not data["folders"] \
                or any(file_stamp(folder) != stamp for folder, stamp in data["folders"].items()):
            return None
        sources = [Source(*values) for values in data["sources"]]
        return Walked(sources, _files(data["bundle"]), _files(data["static"]), [])
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign: walk
        return None


def _record_key(config: Config) -> str:
    # Where a file goes depends on the config (its taxonomies' folders) and on this code.
    return f"{code_version()}|{config.digest}|{config.root}"


def _files(listed: list[tuple[str, str, str]]) -> list[StaticFile]:
    return [StaticFile(relative, path, file_stamp(path), folder) for relative, path, folder in listed]


def discover_content(config: Config, folders: dict[str, tuple | None] | None = None) -> tuple[
        list[Source], list[StaticFile], list[SourceError]]:
    """Every readable content file, sorted by path; the other files of articles written as folders
    (photos, attachments), sorted by path; and the problems found while walking. `folders`: see _walk."""
    content = config.content_dir
    problems: list[SourceError] = []
    if not content.is_dir():
        return [], [], [SourceError("content/", None, None, "no content/ folder",
                                    "create content/articles/ and put Markdown articles there")]
    term_folders = {taxonomy.name: taxonomy.name for taxonomy in config.taxonomies}
    sources: list[Source] = []
    links: list[str] = []
    found = list(_walk(content, problems, links, "content/", is_content_file, folders))
    candidates = [(relative, path) for relative, path in found if is_content_name(relative.rsplit("/", 1)[-1])]
    bundle_files = _bundle_files(found, {relative for relative, _ in candidates}, problems)
    # Without links each file has one path: the realpath of every file (a syscall per path component)
    # is only needed to find files reached twice through links.
    for relative, path in _read_once(candidates, problems) if links else candidates:
        top, _, rest = relative.partition("/")
        if top == "articles" and rest:
            sources.append(Source(relative, "article", path))
        elif top == "pages" and rest:
            sources.append(Source(relative, "page", path))
        elif top in term_folders and rest and "/" not in rest:
            sources.append(Source(relative, "term", path, taxonomy=term_folders[top]))
        else:
            problems.append(SourceError("content/" + relative, None, None,
                                        "file is outside any known content folder, skipped",
                                        "articles go under content/articles/, pages under content/pages/",
                                        "warning"))
    return sorted(sources, key=lambda source: source.source_path), bundle_files, problems


def _bundle_files(found: list[tuple[str, str]], markdown: set[str], problems: list[SourceError]) -> list[StaticFile]:
    """The files of content/articles/ that belong to an article written as a folder: the nearest folder
    above them holding an index.md. Other files are not read (a single-file article has no folder)."""
    from generator.content.media import ATTACHMENT_SUFFIXES, IMAGE_SUFFIXES

    files = []
    for relative, path in found:
        if relative in markdown or not relative.startswith("articles/"):
            continue
        folder = relative.rsplit("/", 1)[0]
        while folder.count("/") >= 1 and folder + "/index.md" not in markdown:
            folder = folder.rsplit("/", 1)[0]
        if folder + "/index.md" not in markdown:
            continue
        if not relative.lower().endswith(IMAGE_SUFFIXES + ATTACHMENT_SUFFIXES):
            problems.append(SourceError("content/" + relative, None, None,
                                        "not published: not a photo or attachment type news-archive publishes",
                                        "SVG and HTML files can run scripts on the site; convert an SVG to PNG",
                                        "warning"))
        files.append(StaticFile(relative, path, file_stamp(path), "content"))
    return sorted(files, key=lambda file: file.relative)


def _read_once(candidates: list[tuple[str, str]], problems: list[SourceError]):
    """A file reached through links is read once, under its own (non-link) path when it has one."""
    by_target: dict[str, list[tuple[str, str]]] = {}
    for relative, path in candidates:
        by_target.setdefault(os.path.realpath(path), []).append((relative, path))
    for paths in by_target.values():
        paths.sort(key=lambda item: (os.path.islink(item[1]), item[0]))
        for relative, _ in paths[1:]:
            problems.append(SourceError("content/" + relative, None, None,
                                        f"same file as content/{paths[0][0]}, read once", "", "warning"))
        yield paths[0]


def discover_static(config: Config, folders: dict[str, tuple | None] | None = None) -> tuple[
        list[StaticFile], list[SourceError]]:
    """Every file of the site's static/ folder (none when it has no such folder), sorted by path; hidden
    files and editor leftovers are skipped, except `.well-known/` (certificates, security.txt)."""
    folder = config.root / STATIC_DIR
    problems: list[SourceError] = []
    if folders is not None:
        folders[str(folder)] = file_stamp(folder)  # none yet: one made later is a change
    if not folder.is_dir():
        return [], problems
    files = [StaticFile(relative, path, file_stamp(path))
             for relative, path in _walk(folder, problems, [], STATIC_DIR + "/", is_static_name, folders)]
    return sorted(files, key=lambda file: file.relative), problems


STATIC_DIR = "static"
_PUBLISHED_HIDDEN = {".well-known"}


def is_static_name(name: str) -> bool:
    return not _EDITOR_LEFTOVER.search(name)


def _walk(root: Path | str, problems: list[SourceError], links: list[str], label: str,
          accept: Callable[[str], bool], folders: dict[str, tuple | None] | None = None):
    """Yield (relative path, absolute path) of the files under `root` whose name `accept`s, safely; note
    symlinks met in `links`, and the stamp of each folder scanned in `folders` (taken before scanning it).
    `label` names the folder in messages ("content/")."""
    root_real = os.path.realpath(root)
    visited_dirs = {root_real}
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        if folders is not None:
            folders[str(directory)] = file_stamp(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(SourceError(label + prefix, None, None, f"cannot read folder: {exc.strerror}"))
            continue
        for entry in entries:
            relative = prefix + entry.name
            if entry.name.startswith(".") and not (label == STATIC_DIR + "/" and entry.name in _PUBLISHED_HIDDEN):
                continue
            if entry.is_symlink():
                links.append(relative)
            kind = _kind(entry, root_real, label + relative, problems)
            if kind == "dir":
                real = os.path.realpath(entry.path)
                if real not in visited_dirs:  # symlink loops and doubles end here
                    visited_dirs.add(real)
                    pending.append((entry.path, relative + "/"))
            elif kind == "file" and accept(entry.name):
                yield relative, entry.path


def _kind(entry: os.DirEntry, root_real: str, shown: str, problems: list[SourceError]) -> str:
    if entry.is_symlink():
        real = os.path.realpath(entry.path)
        if not (real == root_real or real.startswith(root_real + os.sep)):
            if entry.name.endswith(".md") or not shown.startswith("content/"):
                folder = shown.split("/", 1)[0]
                problems.append(SourceError(shown, None, None, f"symlink leads outside {folder}/, skipped",
                                            "", "warning"))
            return "skip"
        if not os.path.exists(real):
            problems.append(SourceError(shown, None, None, "dangling symlink, skipped", "", "warning"))
            return "skip"
    else:  # scandir already knows the type of what is not a link
        return "dir" if entry.is_dir(follow_symlinks=False) else "file" if entry.is_file(follow_symlinks=False) \
            else "skip"
    try:
        mode = os.stat(entry.path).st_mode
    except OSError:
        return "skip"  # vanished or looping link
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "skip"  # FIFOs, sockets, devices: opening them could block forever


def read_source(source: Source) -> str:
    """The file's text: UTF-8 with or without BOM, newlines normalised. Raises SourceError-bearing errors."""
    return decode_source(source, read_source_bytes(source))


def read_source_bytes(source: Source) -> bytes:
    """The file's bytes, within the size limit; raises a ContentError naming the file otherwise."""
    try:
        size = os.stat(source.path).st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(SourceError(source.display_path, None, None,
                                           f"file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes",
                                           "split it or move large data out of content/"))
        with open(source.path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ContentError(SourceError(source.display_path, None, None, f"cannot read file: {exc.strerror}")) from None


def decode_source(source: Source, data: bytes) -> str:
    """UTF-8 with or without BOM -> text with '\\n' newlines; invalid bytes are a located error."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError(SourceError(source.display_path, line, col,
                                       f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
                                       "save the file as UTF-8")) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
