"""The preview: real HTTP on 127.0.0.1, live-reload events, the error overlay, and a real browser."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import article, config_with

from generator.preview.preview import Preview
from generator.preview.watch import classify
from generator.report import RecordingReporter

ARTICLE_A = "/2024/10/premier/"


@pytest.fixture
def preview(site):
    site.write({
        "site.toml": config_with('theme = "maison"'),
        "themes/maison/theme.toml": 'extends = "default"\n',
        "themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Égaré{% endblock %}\n',
        "content/articles/a.md": article(title="Premier", topics="[Starlink]",
                                         body="Le premier paragraphe.\n\nLe second paragraphe."),
        "content/articles/b.md": article(title="Second", date="2024-09-01"),
        "content/pages/about.md": "---\ntitle: À propos\n---\nTexte.\n",
    })
    session = Preview(site.root, port=0, reporter=RecordingReporter(), search=False, watch_delay=0.2)
    session.start()
    session.site = site
    yield session
    session.stop()


def get(preview, path: str, method: str = "GET", headers: dict | None = None):
    host, port = preview.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def raw_get(preview, raw_path: str) -> tuple[int, bytes]:
    """Send the request line exactly as given: no client-side normalisation."""
    host, port = preview.server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {raw_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


class Events:
    """A Server-Sent Events client."""

    def __init__(self, preview):
        host, port = preview.server.server_address[:2]
        self.connection = http.client.HTTPConnection(host, port, timeout=15)
        self.connection.request("GET", "/__news-archive/events")
        self.response = self.connection.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self, name: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        event, data = None, None
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and event:
                if event == name:
                    return data
                event, data = None, None
        raise TimeoutError(f"no {name} event")

    def close(self):
        self.connection.close()


@pytest.fixture
def events(preview):
    stream = Events(preview)
    stream.next("hello")
    yield stream
    stream.close()


# --- Serving ---------------------------------------------------------------------------------------------------

def test_pages_are_served_with_the_live_script_injected_in_html_only(preview):
    response, body = get(preview, "/")
    assert response.status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b'<script src="/__news-archive/live.js"' in body
    on_disk = (preview.site_dir / "index.html").read_bytes()
    assert b"live.js" not in on_disk and int(response.getheader("Content-Length")) == len(body)
    for path, kind in [("/static/style.css", "text/css; charset=utf-8"), ("/feed.xml", "application/atom+xml"),
                       ("/sitemap.xml", "application/xml; charset=utf-8"), ("/robots.txt", "text/plain")]:
        response, body = get(preview, path)
        assert response.status == 200 and response.getheader("Content-Type").startswith(kind), path
        assert b"live.js" not in body


def test_wasm_is_served_as_wasm(preview):
    (preview.site_dir / "static/x.wasm").write_bytes(b"\0asm")
    assert get(preview, "/static/x.wasm")[0].getheader("Content-Type") == "application/wasm"


def test_unknown_pages_get_the_themes_404_page_with_status_404(preview):
    response, body = get(preview, "/2020/01/nothing/")
    assert response.status == 404 and "Égaré" in body.decode()


def test_head_and_conditional_get(preview):
    response, body = get(preview, ARTICLE_A, "HEAD")
    assert response.status == 200 and body == b"" and int(response.getheader("Content-Length")) > 0
    tag = response.getheader("ETag")
    assert get(preview, ARTICLE_A, headers={"If-None-Match": tag})[0].status == 304
    modified = get(preview, "/static/style.css")[0].getheader("Last-Modified")
    assert get(preview, "/static/style.css", headers={"If-Modified-Since": modified})[0].status == 304


def test_a_folder_without_its_slash_is_redirected(preview):
    response, _ = get(preview, ARTICLE_A.rstrip("/"))
    assert response.status == 301 and response.getheader("Location") == ARTICLE_A


@pytest.mark.parametrize("raw_path", [
    "/../site.toml", "/../../etc/passwd", "/%2e%2e/site.toml", "/%2E%2E/%2e%2e/site.toml", "/%252e%252e/site.toml",
    "/..%2fsite.toml", "/%2e%2e%2fsite.toml", "/..\\site.toml", "/..%5csite.toml", "//etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/site.toml", "/%00", "/index.html%00.css", "/static/../../site.toml",
    "/./index.html", "/%c0%ae%c0%ae/site.toml", "/escape/site.toml",
])
def test_paths_leaving_the_site_are_refused(preview, raw_path):
    (preview.site_dir / "escape").symlink_to(preview.site.root, target_is_directory=True)
    status, body = raw_get(preview, raw_path)
    assert status in (400, 404)
    assert b"Test archive" not in body or b"title =" not in body
    assert b"base_url" not in body and b"root:" not in body


def test_a_foreign_host_header_is_refused(preview):
    assert get(preview, "/", headers={"Host": "evil.example:80"})[0].status == 403
    assert get(preview, "/", headers={"Host": "localhost"})[0].status == 200


def test_a_connection_reset_mid_request_prints_nothing(preview, capsys):
    host, port = preview.server.server_address[:2]
    for _ in range(20):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert get(preview, "/")[0].status == 200
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_a_request_that_fails_gets_500_and_the_server_lives_on(preview, monkeypatch):
    from generator.preview import serve

    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(serve, "content_type", broken)
    assert get(preview, "/")[0].status == 500
    monkeypatch.undo()
    assert get(preview, "/")[0].status == 200


def test_the_reload_channel_refuses_other_origins(preview):
    response, _ = get(preview, "/__news-archive/events", headers={"Origin": "http://evil.example"})
    assert response.status == 403


# --- Rebuilds and events ----------------------------------------------------------------------------------------

def rebuilds_after(preview, count: int):
    return preview.wait_for_rebuild(count + 1)


def test_editing_an_article_reloads_its_page_and_the_lists_showing_it(preview, events):
    before = len(preview.rebuilds)
    preview.site.write({"content/articles/a.md": article(title="Premier", topics="[Starlink]",
                                                         body="Le premier paragraphe.\n\nUn autre texte.")})
    data = events.next("reload")
    assert ARTICLE_A in data["changed"]
    assert "/" not in data["changed"]  # the home page shows the summary, which did not change
    assert "Un autre texte." in get(preview, ARTICLE_A)[1].decode()
    assert len(preview.rebuilds) == before + 1


def test_creating_deleting_and_renaming_articles(preview, events):
    site = preview.site
    site.write({"content/articles/c.md": article(title="Troisième", date="2024-10-26")})
    created = events.next("reload")
    assert "/2024/10/troisieme/" in created["changed"] and "/" in created["changed"]

    os.rename(site.root / "content/articles/c.md", site.root / "content/articles/d.md")
    site.write({"content/articles/d.md": article(title="Quatrième", date="2024-10-26")})
    renamed = events.next("reload")
    assert "/2024/10/troisieme/" in renamed["removed"] and "/2024/10/quatrieme/" in renamed["changed"]

    site.remove("content/articles/d.md")
    deleted = events.next("reload")
    assert "/2024/10/quatrieme/" in deleted["removed"]
    response, body = get(preview, "/2024/10/quatrieme/")
    assert response.status == 404 and "Égaré" in body.decode()


def test_a_template_edit_reports_the_pages_using_it(preview, events):
    preview.site.write({"themes/maison/templates/404.html":
                        '{% extends "base.html" %}{% block main %}Perdu{% endblock %}\n'})
    data = events.next("reload")
    assert data["changed"] == ["/404.html"]


def test_a_stylesheet_edit_is_swapped_without_reloading_pages(preview, events):
    preview.site.write({"themes/maison/static/style.css": "body { color: red; }\n"})
    data = events.next("reload")
    assert data["stylesheets"] == ["/static/style.css"] and data["changed"] == []


def test_an_error_shows_the_overlay_keeps_the_last_good_site_and_clears_when_fixed(preview, events):
    good = get(preview, ARTICLE_A)[1]
    preview.site.write({"content/articles/a.md": "---\ntitle: Premier\ndate: 2024-10-32\n---\nCassé.\n"})
    data = events.next("errors")
    (error,) = data["errors"]
    assert error["message"].startswith("content/articles/a.md:3:7: invalid date '2024-10-32'")
    assert "3 | date: 2024-10-32" in error["excerpt"]
    assert get(preview, ARTICLE_A)[1] == good
    status = json.loads(get(preview, "/__news-archive/status")[1])
    assert status["errors"] == data["errors"]
    preview.site.write({"content/articles/a.md": article(title="Premier", body="Réparé.")})
    fixed = events.next("reload")
    assert fixed["errors"] == [] and ARTICLE_A in fixed["changed"]
    assert json.loads(get(preview, "/__news-archive/status")[1])["errors"] == []


def test_an_event_storm_causes_one_rebuild(preview, events):
    before = len(preview.rebuilds)
    for number in range(200):
        (preview.site.root / f"content/articles/storm-{number:03d}.md").write_text(
            article(title=f"Orage {number}", date="2023-05-05"), encoding="utf-8")
    data = events.next("reload")
    assert "/2023/05/orage-199/" in data["changed"]
    time.sleep(1.0)
    assert len(preview.rebuilds) == before + 1


@pytest.mark.parametrize("path, is_directory, kind", [
    ("site.toml", False, "config"), ("content/articles/a.md", False, "content"),
    ("content/articles/2024", True, "content"), ("content/articles/.a.md.swp", False, None),
    ("content/articles/a.md~", False, None), ("content/articles/4913", False, None),
    ("content/articles/#a.md#", False, None), ("content/images/photo.jpg", False, None),
    ("themes/x/templates/a.html", False, "theme"), ("themes/x/templates/a.html~", False, None),
    ("output/index.html", False, None), (".cache/preview/site/x.html", False, None), (".git/index", False, None),
    ("README.md", False, None),
])
def test_classify_changed_paths(path, is_directory, kind):
    assert classify(path, is_directory) == kind


# --- The command ------------------------------------------------------------------------------------------------

def test_serve_stops_cleanly_on_ctrl_c_and_reports_a_taken_port(site):
    site.write({"content/articles/a.md": article()})
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--no-search", "--root", str(site.root)]
    # A test run started in the background inherits SIGINT ignored, and so would the preview: give it
    # the default disposition, as in a terminal.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    line = ""
    while "Preview at" not in line:
        line = process.stdout.readline()
        assert line or process.poll() is None, process.stderr.read()
    port = int(line.split(":")[2].split("/")[0])
    assert urlopen_status(port) == 200
    taken = subprocess.run([sys.executable, "-m", "generator", "serve", "--port", str(port), "--root", str(site.root)],
                           capture_output=True, text=True, timeout=30)
    assert taken.returncode == 2 and f"port {port} on 127.0.0.1 is already in use" in taken.stderr
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in stderr and "stopping" in stdout
    with pytest.raises(OSError):
        urlopen_status(port)
    assert not (site.root / "output").exists()


def urlopen_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/")
    status = connection.getresponse().status
    connection.close()
    return status


def test_drafts_and_future_articles_are_previewed_and_marked(site):
    site.write({"content/articles/a.md": article(title="Brouillon", draft="true"),
                "content/articles/b.md": article(title="Demain", date="2099-01-01")})
    session = Preview(site.root, port=0, reporter=RecordingReporter(), search=False)
    session.start()
    try:
        home = get(session, "/")[1].decode()
        assert "Brouillon" in home and "Demain" in home and "badge-draft" in home and "badge-future" in home
    finally:
        session.stop()


def test_search_works_in_the_preview_and_follows_edits(site, browser):
    site.write({"content/articles/a.md": article(title="Premier", body="Un texte sur les satellites.")})
    session = Preview(site.root, port=0, reporter=RecordingReporter(), search=True, watch_delay=0.1)
    session.start()
    try:
        assert session.indexed.wait(30)
        entry = json.loads(get(session, "/pagefind/2024/pagefind-entry.json")[1])
        assert entry["languages"]["fr"]["page_count"] == 1
        assert get(session, "/pagefind/2024/pagefind.js")[0].getheader("Content-Type").startswith("text/javascript")
        session.indexed.clear()
        site.write({"content/articles/b.md": article(title="Second", date="2024-10-26", body="Une fusée.")})
        session.wait_for_rebuild(2)
        assert session.indexed.wait(30)
        # The new article went to the small recent shard; the base shard was not indexed again.
        shards = json.loads(get(session, "/pagefind/shards.json")[1])["shards"]
        assert [(s["key"], s["languages"]) for s in shards] == [("recent", {"fr": 1}), ("2024", {"fr": 1})]
        page = browser.new_page()
        page.goto(session.url + "search/?q=fusee")
        page.wait_for_selector(".search-result")
        assert page.eval_on_selector_all(".search-result a", "n => n.map(a => a.textContent)") == ["Second"]
        page.close()
    finally:
        session.stop()


# --- In a browser -----------------------------------------------------------------------------------------------

def test_the_browser_shows_an_edit_without_navigating_and_other_tabs_stay(preview, browser):
    context = browser.new_context()
    article_tab, other_tab = context.new_page(), context.new_page()
    article_tab.goto(preview.url.rstrip("/") + ARTICLE_A)
    other_tab.goto(preview.url.rstrip("/") + "/about/")
    for tab in (article_tab, other_tab):
        tab.wait_for_function("window.__connected = true")
        tab.evaluate("window.__marker = 'still here'")
    time.sleep(0.3)  # let the EventSource connect
    started = time.monotonic()
    preview.site.write({"content/articles/a.md": article(title="Premier", topics="[Starlink]",
                                                         body="Le premier paragraphe.\n\nTexte tout neuf.")})
    article_tab.wait_for_selector("text=Texte tout neuf.", timeout=10000)
    latency = time.monotonic() - started
    assert other_tab.evaluate("window.__marker") == "still here"
    print(f"save-to-reload latency: {latency * 1000:.0f} ms")
    context.close()


@pytest.fixture(autouse=True)
def _no_stray_threads():
    import threading

    before = {thread.ident for thread in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon]
        if not extra:
            return
        time.sleep(0.1)
    pytest.fail(f"threads left running: {extra}")
