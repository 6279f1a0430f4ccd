"""File events -> debounced change sets. `classify` is pure and table-tested; the rest is plumbing.

Editors save through a temporary file and a rename, and a `git checkout` touches hundreds of files: the
debouncer waits for a short quiet period (bounded by a maximum wait) and hands over one change set.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from generator.config import CONFIG_FILE
from generator.content.discover import STATIC_DIR, is_content_file, is_content_name, is_static_name

# "closed" follows every "modified" of a write: counting it too would trail a storm with a second rebuild.
_IGNORED_EVENTS = {"opened", "closed", "closed_no_write"}
_THEME_LEFTOVER_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".bak")


def classify(relative: str, is_directory: bool = False) -> str | None:
    """What a changed path (relative to the site root) means: 'config', 'content', 'theme', 'static', or
    None."""
    parts = PurePosixPath(relative).parts
    if parts and parts[0] == STATIC_DIR and len(parts) > 1:
        published = all(not part.startswith(".") or part in (".well-known",) for part in parts[1:])
        return "static" if published and (is_directory or is_static_name(parts[-1])) else None
    if not parts or any(part.startswith(".") for part in parts):
        return None
    name = parts[-1]
    if relative == CONFIG_FILE:
        return "config"
    if parts[0] == "content" and len(parts) > 1:
        # Markdown, or a photo or attachment of an article written as a folder.
        if is_directory or is_content_name(name) or (parts[1] == "articles" and is_content_file(name)):
            return "content"
        return None
    if parts[0] == "themes" and len(parts) > 1:
        if name.startswith("#") or name == "4913" or name.endswith(_THEME_LEFTOVER_SUFFIXES):
            return None
        return "theme"
    return None


@dataclass
class ChangeSet:
    paths: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)


class Debouncer:
    """Calls `action(changes)` once events have been quiet for `delay` seconds (at most `max_wait` late)."""

    def __init__(self, action: Callable[[ChangeSet], None], delay: float = 0.08, max_wait: float = 2.0):
        self.action = action
        self.delay = delay
        self.max_wait = max_wait
        self.lock = threading.Lock()
        self.pending = ChangeSet()
        self.timer: threading.Timer | None = None
        self.first_event = 0.0

    def add(self, path: str, kind: str) -> None:
        with self.lock:
            now = time.monotonic()
            if not self.pending.paths:
                self.first_event = now
            self.pending.paths.add(path)
            self.pending.kinds.add(kind)
            if self.timer is not None:
                self.timer.cancel()
            wait = min(self.delay, max(0.0, self.first_event + self.max_wait - now))
            self.timer = threading.Timer(wait, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            changes, self.pending = self.pending, ChangeSet()
            self.timer = None
        if changes.paths:
            self.action(changes)

    def cancel(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, debouncer: Debouncer, on_error: Callable[[str], None]):
        self.root = root
        self.debouncer = debouncer
        self.on_error = on_error

    def on_any_event(self, event: FileSystemEvent) -> None:
        # An exception here would kill watchdog's thread: report it and keep watching.
        try:
            if event.event_type in _IGNORED_EVENTS:
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if not path:
                    continue
                relative = os.path.relpath(os.fsdecode(path), self.root).replace(os.sep, "/")
                kind = classify(relative, event.is_directory)
                if kind:
                    self.debouncer.add(relative, kind)
        except Exception as exc:  # noqa: BLE001
            self.on_error(f"watcher: {type(exc).__name__}: {exc}")


class Watcher:
    """Watches content/, themes/, static/ and site.toml; restarts a dead observer; polls when inotify runs out."""

    def __init__(self, root: Path, on_change: Callable[[ChangeSet], None], on_message: Callable[[str], None],
                 delay: float = 0.08):
        self.root = root
        self.debouncer = Debouncer(on_change, delay)
        self.on_message = on_message
        self.handler = _Handler(root, self.debouncer, on_message)
        self.observer = None
        self.polling = False

    def start(self) -> None:
        try:
            self.observer = self._schedule(PollingObserver() if self.polling else Observer())
            self.observer.start()
        except OSError as exc:
            if self.polling or exc.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            self.on_message("inotify watch limit reached: falling back to polling (raise "
                            "fs.inotify.max_user_watches to avoid it)")
            self.polling = True
            self.start()

    def _schedule(self, observer):
        for folder in ("content", "themes", STATIC_DIR):
            if (self.root / folder).is_dir():
                observer.schedule(self.handler, str(self.root / folder), recursive=True)
        observer.schedule(self.handler, str(self.root), recursive=False)
        return observer

    def ensure_alive(self) -> None:
        if self.observer is not None and not self.observer.is_alive():
            self.on_message("file watcher stopped unexpectedly: restarting it")
            self.start()

    def stop(self) -> None:
        self.debouncer.cancel()
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
