"""The preview HTTP server: static files from one directory, live-reload events, the error overlay.

Only files inside the served directory are ever read: every request path is decoded once, refused if it
holds `..`, `.`, backslashes or NUL, and its real path (symlinks resolved) must stay inside the root.
HTML responses get the live-reload script injected at serve time; the files on disk stay clean.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import mimetypes
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

INTERNAL_PREFIX = "__news-archive/"
LIVE_SCRIPT = Path(__file__).resolve().parent / "static" / "live.js"
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff2": "font/woff2",
    ".pagefind": "application/wasm",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


def content_type(path: Path) -> str:
    if path.name == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def resolve_request_path(root: Path, raw_path: str, mounts: dict[str, Path] | None = None) -> Path | None:
    """The file a request path names inside `root` (or a mounted folder), or None if it may not be served."""
    path = unquote(urlsplit(raw_path).path, errors="strict") if "%" in raw_path else urlsplit(raw_path).path
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    segments = path.split("/")[1:]
    if any(segment in (".", "..") for segment in segments) or any(s == "" for s in segments[:-1]):
        return None  # dot segments, and '//' which some servers treat as the filesystem root
    base = root
    for prefix, folder in (mounts or {}).items():
        if segments and segments[0] == prefix:
            base, segments = folder, segments[1:]
            break
    base_real = os.path.realpath(base)
    candidate = os.path.realpath(os.path.join(base_real, *segments))
    if candidate != base_real and not candidate.startswith(base_real + os.sep):
        return None  # a symlink leading outside the site
    return Path(candidate)


@dataclass
class LiveState:
    """What the live-reload channel tells browsers: rebuilds and current errors."""

    errors: list[dict] = field(default_factory=list)
    build_id: int = 0
    clients: list[queue.Queue] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, event: str, data: dict) -> None:
        with self.lock:
            clients = list(self.clients)
        for client in clients:
            client.put((event, data))

    def subscribe(self) -> queue.Queue:
        client: queue.Queue = queue.Queue()
        with self.lock:
            self.clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue) -> None:
        with self.lock:
            if client in self.clients:
                self.clients.remove(client)

    def close_all(self) -> None:
        self.publish("", {})  # wakes every stream so its thread can end


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, live: bool = True,
                 base_path: str = "/", mounts: dict[str, Path] | None = None,
                 on_error: Callable[[str], None] | None = None):
        self.root = root
        self.live = live
        self.base_path = base_path
        self.mounts = mounts or {}
        self.state = LiveState()
        self.stopping = threading.Event()
        self.on_error = on_error
        self.bound_host = host
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.base_path}"

    def handle_error(self, request, client_address) -> None:
        """A connection failing outside a request (reset, timeout): one line, never a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError) or self.stopping.is_set():
            return
        if self.on_error:
            self.on_error(f"connection from {client_address[0]}: {type(error).__name__}: {error}")

    def stop(self) -> None:
        self.stopping.set()
        self.state.close_all()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "news-archive"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        return  # the preview prints rebuilds, not every request

    def do_HEAD(self) -> None:
        self._guarded(head=True)

    def do_GET(self) -> None:
        self._guarded(head=False)

    def _guarded(self, head: bool) -> None:
        try:
            self._respond(head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # noqa: BLE001 - one failing request must not take the server down
            if self.server.on_error:
                self.server.on_error(f"{self.path}: {type(exc).__name__}: {exc}")
            with contextlib.suppress(OSError):
                self._send_bytes(HTTPStatus.INTERNAL_SERVER_ERROR, b"Internal error\n", "text/plain", head)

    def _host_allowed(self) -> bool:
        """DNS rebinding guard: a loopback server answers only to loopback names."""
        if self.server.bound_host not in LOOPBACK_NAMES:
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        return name.lower() in LOOPBACK_NAMES

    def _respond(self, head: bool) -> None:
        if not self._host_allowed():
            self._send_bytes(HTTPStatus.FORBIDDEN, b"Forbidden host\n", "text/plain", head)
            return
        path = urlsplit(self.path).path
        internal = self.server.base_path + INTERNAL_PREFIX
        if self.server.live and path.startswith(internal):
            self._internal(path[len(internal):], head)
            return
        try:
            target = resolve_request_path(self.server.root, self.path, self.server.mounts)
        except UnicodeDecodeError:
            target = None
        if target is not None and target.is_dir():
            if not path.endswith("/"):
                self._redirect(path + "/")
                return
            target = target / "index.html"
        if target is None or not target.is_file():
            self._not_found(head)
            return
        self._send_file(target, head)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, head: bool) -> None:
        page = self.server.root / "404.html"
        if page.is_file():
            self._send_file(page, head, status=HTTPStatus.NOT_FOUND)
        else:
            self._send_bytes(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)

    def _send_file(self, path: Path, head: bool, status: HTTPStatus = HTTPStatus.OK) -> None:
        stat = path.stat()
        kind = content_type(path)
        inject = self.server.live and kind.startswith("text/html")
        tag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}' + (f'-{self.server.state.build_id}"' if inject else '"')
        if status == HTTPStatus.OK and self._not_modified(tag, stat.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", tag)
            self.end_headers()
            return
        data = path.read_bytes()
        if inject:
            data = self._inject(data)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _not_modified(self, tag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return tag in [value.strip() for value in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _inject(self, data: bytes) -> bytes:
        script = (f'<script src="{self.server.base_path}{INTERNAL_PREFIX}live.js" '
                  f'data-base="{self.server.base_path}" data-build="{self.server.state.build_id}" defer></script>')
        marker = data.rfind(b"</body>")
        position = marker if marker >= 0 else len(data)
        return data[:position] + script.encode() + data[position:]

    def _send_bytes(self, status: HTTPStatus, data: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    # --- Live reload -------------------------------------------------------------------------------------

    def _internal(self, name: str, head: bool) -> None:
        if name == "live.js":
            self._send_bytes(HTTPStatus.OK, LIVE_SCRIPT.read_bytes(), "text/javascript; charset=utf-8", head)
        elif name == "status":
            body = json.dumps({"build": self.server.state.build_id, "errors": self.server.state.errors})
            self._send_bytes(HTTPStatus.OK, body.encode(), "application/json", head)
        elif name == "events" and not head:
            self._events()
        else:
            self._not_found(head)

    def _same_origin(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        return urlsplit(origin).netloc == (self.headers.get("Host") or "")

    def _events(self) -> None:
        """A Server-Sent Events stream: `reload` after each rebuild, `errors` when they change."""
        if not self._same_origin():
            self._send_bytes(HTTPStatus.FORBIDDEN, b"Cross-origin\n", "text/plain", False)
            return
        client = self.server.state.subscribe()
        self.close_connection = True
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            state = self.server.state
            self._event("hello", {"build": state.build_id, "errors": state.errors}, retry=1000)
            while not self.server.stopping.is_set():
                try:
                    event, data = client.get(timeout=15)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                if not event:
                    break
                self._event(event, data)
        except OSError:
            pass
        finally:
            self.server.state.unsubscribe(client)

    def _event(self, event: str, data: dict, retry: int | None = None) -> None:
        text = (f"retry: {retry}\n" if retry else "") + f"event: {event}\ndata: {json.dumps(data)}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()
