"""Save-to-reload latency of `news-archive serve`, measured in Debian's Chromium.

    python bench/preview_latency.py [SITE_DIR] [--runs 7] [--edit body|title]

Copies the site (the repository's sample site by default), starts the preview on 127.0.0.1, opens one
article, then repeatedly appends a sentence to its file (`--edit title`: gives it a new title, which
every list, feed and neighbour showing it must follow; the article needs an explicit slug, as the
bench corpus has) and measures the time from the file write to the
new text being visible in the page. Prints the median and the range.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.preview.preview import Preview  # noqa: E402
from generator.report import RecordingReporter  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def measure(site: Path, runs: int, edit: str = "body") -> list[float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / "site"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".cache"))
        started = time.perf_counter()
        preview = Preview(copy, port=0, reporter=RecordingReporter(), search=False)
        preview.start()
        print(f"initial preview build: {time.perf_counter() - started:.1f} s")
        try:
            article = max(preview.site_dir.glob("*/*/*/index.html"), key=lambda p: p.stat().st_size)
            url = preview.url + article.parent.relative_to(preview.site_dir).as_posix() + "/"
            source = _source_of(copy, preview, url)
            if edit == "title" and "\nslug:" not in source.read_text(encoding="utf-8"):
                raise SystemExit(f"--edit title needs an article with an explicit slug (a new title would move "
                                 f"it to a new URL): {source} has none")
            latencies = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                page = browser.new_page()
                page.goto(url)
                time.sleep(0.5)  # the live-reload channel connects
                for run in range(runs):
                    marker = f"Phrase de mesure numéro {run}."
                    text = source.read_text(encoding="utf-8")
                    if edit == "title":
                        head, _, rest = text.partition("\ntitle:")
                        text = f'{head}\ntitle: "{marker}"\n{rest.split(chr(10), 1)[1]}'
                    else:
                        text += f"\n\n{marker}\n"
                    written = time.perf_counter()
                    source.write_text(text, encoding="utf-8")
                    page.wait_for_selector(f"text={marker}", timeout=30000)
                    latencies.append(time.perf_counter() - written)
                    time.sleep(0.3)
                browser.close()
            return latencies
        finally:
            preview.stop()


def _source_of(site: Path, preview: Preview, url: str) -> Path:
    """The content file of the article served at `url`."""
    path = url[len(preview.url) - 1:]
    html = (preview.site_dir / path.strip("/") / "index.html").read_text(encoding="utf-8")
    title = html.split('data-pagefind-meta="title">', 1)[1].split("<", 1)[0]
    for candidate in (site / "content/articles").rglob("*.md"):
        if title.split("&")[0][:30] in candidate.read_text(encoding="utf-8"):
            return candidate
    raise SystemExit(f"no source file found for {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path, default=ROOT, help="site folder (default: the sample site)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--edit", choices=["body", "title"], default="body")
    args = parser.parse_args()
    latencies = measure(args.site.resolve(), args.runs, args.edit)
    print(f"save-to-reload: median {statistics.median(latencies) * 1000:.0f} ms, "
          f"min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms over {len(latencies)} saves")


if __name__ == "__main__":
    main()
