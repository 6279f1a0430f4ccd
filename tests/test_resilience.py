"""Resilience: builds killed at random points recover; the preview server holds under load while editing."""

from __future__ import annotations

import hashlib
import http.client
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import article

from generator.output.write import journal_path, recover
from generator.preview.preview import Preview
from generator.report import RecordingReporter

KILLS = 20


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path, output: str = "output") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "-q", "--no-search", "--output", output,
                             "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def variant(body: str) -> str:
    return article(title="Article 0", date="2010-01-01", topics="[Sujet 0, Starlink]", body=body)


def test_a_build_killed_at_random_points_leaves_a_whole_site_and_the_next_build_recovers(site):
    for number in range(1, 120):
        site.write({f"content/articles/a{number:03d}.md": article(
            title=f"Article {number}", date=f"20{10 + number % 14}-{number % 12 + 1:02d}-01",
            topics=f"[Sujet {number % 7}, Starlink]", body="Un paragraphe.\n\n" * 20)})
    bodies = ["Version originale.", "Version éditée, plus longue.\n\n## Un intertitre\n\nEt du texte."]
    expected = []
    for number, body in enumerate(bodies):  # clean builds of each version, to compare against
        site.write({"content/articles/a000.md": variant(body)})
        clean = build(site.root, f"clean{number}")
        assert clean.wait(120) == 0, clean.stderr.read()
        expected.append(tree(site.root / f"clean{number}"))
    started = time.perf_counter()
    assert build(site.root).wait(120) == 0
    duration = time.perf_counter() - started
    rng = random.Random(20261123)
    for attempt in range(KILLS):
        site.write({"content/articles/a000.md": variant(bodies[(attempt + 1) % 2])})
        process = build(site.root)
        time.sleep(rng.uniform(0, duration * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        # Whatever the moment, the output is one whole site, the previous one or the new one; or a small
        # update was cut short during its renames, and its committed journal finishes it.
        if journal_path(site.output).exists():
            recover(site.output)
            assert tree(site.output) in expected, f"kill {attempt}: the journal did not restore a whole site"
        else:
            assert tree(site.output) in expected, f"kill {attempt}: a half-written site"
    recovery = build(site.root)
    assert recovery.wait(120) == 0, recovery.stderr.read()
    assert tree(site.output) == expected[(KILLS) % 2]
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".output")] == []


@pytest.fixture
def loaded_preview(site):
    for number in range(20):
        site.write({f"content/articles/a{number:02d}.md": article(title=f"Article {number}",
                                                                 date=f"2024-{number % 12 + 1:02d}-01")})
    site.write({"secret.txt": "do not serve"})
    session = Preview(site.root, port=0, reporter=RecordingReporter(), search=False, watch_delay=0.05)
    session.start()
    yield session
    session.stop()


VALID = ["/", "/2024/01/article-0/", "/topics/", "/feed.xml", "/sitemap.xml", "/archives/", "/2024/"]
MISSING = ["/nope/", "/2024/13/x/", "/static/missing.css"]
TRAVERSAL = ["/../secret.txt", "/%2e%2e/secret.txt", "/%252e%252e/secret.txt", "/..%2fsecret.txt",
             "/..\\secret.txt", "//secret.txt", "/%00", "/static/../../secret.txt", "/%2e%2e%2f%2e%2e%2fsecret.txt"]


def test_the_preview_server_holds_a_bounded_load_while_files_change(loaded_preview, site):
    seconds, connections = 30, 50
    host, port = loaded_preview.server.server_address[:2]
    counts = {"valid_ok": 0, "valid_errors": 0, "missing_404": 0, "traversal_refused": 0, "traversal_leaks": 0,
              "other": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    rng = random.Random(7)

    def client(seed: int) -> None:
        local = random.Random(seed)
        while time.monotonic() < deadline:
            kind = local.choice(["valid", "valid", "valid", "missing", "traversal"])
            path = local.choice({"valid": VALID, "missing": MISSING, "traversal": TRAVERSAL}[kind])
            try:
                connection = http.client.HTTPConnection(host, port, timeout=10)
                connection.putrequest("GET", path, skip_accept_encoding=True)
                connection.endheaders()
                response = connection.getresponse()
                body = response.read()
                connection.close()
                status = response.status
            except OSError:
                status, body = None, b""
            with lock:
                if kind == "valid":
                    counts["valid_ok" if status == 200 else "valid_errors"] += 1
                elif kind == "missing":
                    counts["missing_404" if status == 404 else "other"] += 1
                elif b"do not serve" in body:
                    counts["traversal_leaks"] += 1
                else:
                    counts["traversal_refused"] += 1

    def editor() -> None:
        number = 0
        while time.monotonic() < deadline:
            site.write({"content/articles/a00.md": article(title="Article 0", date="2024-01-01",
                                                           body=f"Révision {number}.")})
            number += 1
            time.sleep(rng.uniform(0.2, 1.0))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    threads.append(threading.Thread(target=editor))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    requests = sum(counts.values())
    print(f"load: {requests} requests in {seconds} s over {connections} connections ({requests / seconds:.0f}/s), "
          f"{counts}, {len(loaded_preview.rebuilds)} rebuilds")
    assert counts["valid_errors"] == 0 and counts["traversal_leaks"] == 0 and counts["other"] == 0
    assert counts["valid_ok"] > 100 and counts["traversal_refused"] > 10
    assert len(loaded_preview.rebuilds) > 5
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/")
    assert connection.getresponse().status == 200
