"""A static file server on 127.0.0.1 that answers as static hosts do, for measuring what readers of a deployed
site see: files compressed with gzip when the browser accepts it, over HTTP/2 with TLS or over HTTP/1.1.

Static hosts (GitHub Pages, Netlify, Cloudflare Pages, S3 behind a CDN) compress text (HTML, CSS, scripts,
JSON, SVG) and answer over HTTP/2: every request of a page shares one connection. Over HTTP/1.1 Chromium
opens at most six connections per host: a search that needs twenty small files waits for them in waves,
each a round trip of the throttled network. The preview server compresses nothing: it is for writing, not
for measuring. Hypercorn (`pip install -e .[bench]`) serves the files with the preview's content types;
HTTP/2 uses a self-signed certificate made by `openssl` in bench/work/tls/.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote

from generator.preview.serve import content_type

# What static hosts compress; Pagefind's own files (.pagefind, .pf_*) are gzipped already.
COMPRESSED = ("text/", "application/javascript", "application/json", "application/xml", "application/atom+xml",
              "image/svg+xml")


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made once)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.is_file():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "30", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def static_app(root: Path):
    """An ASGI application serving `root` as a static host does (index.html for folders, 404 otherwise)."""
    compressed: dict[Path, bytes] = {}  # a host compresses a file once, not on every request

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = root / unquote(scope["path"]).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        inside = path.resolve().is_relative_to(root.resolve())
        status, body = (200, path.read_bytes()) if inside and path.is_file() else (404, b"Not found\n")
        kind = content_type(path) if status == 200 else "text/plain; charset=utf-8"
        headers = [(b"content-type", kind.encode()), (b"cache-control", b"no-cache"), (b"vary", b"accept-encoding")]
        accepts = dict(scope["headers"]).get(b"accept-encoding", b"")
        if status == 200 and kind.startswith(COMPRESSED) and b"gzip" in accepts:
            if path not in compressed:
                compressed[path] = gzip.compress(body, 6, mtime=0)
            body = compressed[path]
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    return app


class StaticHost:
    """`StaticHost(root, "HTTP/2", tls_folder)` or `StaticHost(root, "HTTP/1.1")`: serving in a thread once
    started; `url`, then `stop()`."""

    def __init__(self, root: Path, protocol: str = "HTTP/1.1", tls_folder: Path | None = None):
        from hypercorn.config import Config

        self.config = Config()
        self.config.accesslog = self.config.errorlog = None
        self.scheme = "http"
        if protocol == "HTTP/2":
            cert, key = certificate(tls_folder or Path("tls"))
            self.config.certfile, self.config.keyfile = str(cert), str(key)
            self.config.alpn_protocols = ["h2", "http/1.1"]
            self.scheme = "https"
        self.app = static_app(root)
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> StaticHost:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the static host did not start")
        return self

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()
        self._loop.run_until_complete(self._serve(serve))

    async def _serve(self, serve) -> None:
        with socket.socket() as probe:  # a free port, then bound by hypercorn
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.config.bind = [f"127.0.0.1:{port}"]
        self.url = f"{self.scheme}://127.0.0.1:{port}/"
        task = asyncio.ensure_future(serve(self.app, self.config, shutdown_trigger=self._stopping.wait))
        await asyncio.sleep(0.5)
        self._ready.set()
        await task

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)
