"""A static file server over HTTP/2 and TLS on 127.0.0.1, for measuring what readers of a deployed site see.

Static hosts (GitHub Pages, Netlify, Cloudflare Pages, S3 behind a CDN) answer over HTTP/2: every request
of a page shares one connection. The preview server speaks HTTP/1.1, on which Chromium opens at most six
connections per host: a search that needs twenty small files waits for them in waves, each a round trip of
the throttled network. Hypercorn (`pip install -e .[bench]`) serves the same files, with the preview's
content types, over HTTP/2 with a self-signed certificate made by `openssl` in bench/work/tls/.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from pathlib import Path
from urllib.parse import unquote

from generator.preview.serve import content_type


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
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = root / unquote(scope["path"]).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        inside = path.resolve().is_relative_to(root.resolve())
        status, body = (200, path.read_bytes()) if inside and path.is_file() else (404, b"Not found\n")
        kind = content_type(path) if status == 200 else "text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-cache")]})
        await send({"type": "http.response.body", "body": body})
    return app


class Http2Server:
    """`Http2Server(root, tls_folder)`: serving in a thread once started; `url`, then `stop()`."""

    def __init__(self, root: Path, tls_folder: Path):
        from hypercorn.config import Config

        cert, key = certificate(tls_folder)
        self.config = Config()
        self.config.bind = ["127.0.0.1:0"]
        self.config.certfile, self.config.keyfile = str(cert), str(key)
        self.config.alpn_protocols = ["h2", "http/1.1"]
        self.config.accesslog = self.config.errorlog = None
        self.app = static_app(root)
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Http2Server:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the HTTP/2 server did not start")
        return self

    def _run(self) -> None:
        from hypercorn.asyncio import serve

        self._loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()
        self._loop.run_until_complete(self._serve(serve))

    async def _serve(self, serve) -> None:
        import socket

        with socket.socket() as probe:  # a free port, then bound by hypercorn
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.config.bind = [f"127.0.0.1:{port}"]
        self.url = f"https://127.0.0.1:{port}/"
        task = asyncio.ensure_future(serve(self.app, self.config, shutdown_trigger=self._stopping.wait))
        await asyncio.sleep(0.5)
        self._ready.set()
        await task

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)
