"""What a reader downloads to search the archive, measured in Debian's Chromium on throttled "Fast 4G".

    python bench/search_bytes.py --sizes 1000,10000 [--first starlink] [--second tribunal]

For each size, the bench corpus (bench/corpus.py, the one `run.py` uses) is built with its search index,
served from 127.0.0.1 and opened in a fresh browser profile with the network throttled like Chrome's
"Fast 4G" preset (CDP `Network.emulateNetworkConditions`: 165 ms latency, 9 Mbit/s down, 1.5 up). Two
scenarios:

- **first query**: open the search page, type a word, press Enter: every request from navigation to the
  first results on screen (the search page itself included);
- **later query**: a second word in the same page: the requests it adds;
- **newest first**: the reader then switches to "plus récents" (the same word, sorted by date);
- **whole archive**: back to relevance, the reader then asks for the whole archive ("Chercher dans
  toutes les archives"): a query first opens only the newest shards, as many as give a page of results,
  and this is what opening every other shard adds.

For each: requests, bytes of the files (raw), bytes as a host sends them (gzip where it compresses: Pagefind's
own files are gzipped already), and time from Enter to results on screen (by the page's clock: from the
form's submission to the frame after the results are in the page). Each site is served as static hosts
serve it (bench/static_host.py: gzip), over HTTP/1.1 (Chromium opens six connections per host, so many
small files arrive in waves) and over HTTP/2 (one connection). Results go to stdout as a Markdown table and
to bench/work/search-bytes.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from run import COMMAND, WORK, site_for  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Chrome DevTools' "Fast 4G" preset (devtools-frontend NetworkManager): 9 Mbit/s and 1.5 Mbit/s at 90 %,
# 60 ms latency x 2.75.
FAST_4G = {"offline": False, "latency": 165, "downloadThroughput": 9_000_000 * 0.9 / 8,
           "uploadThroughput": 1_500_000 * 0.9 / 8}


class Requests:
    """Every response the page and its workers receive, with the file it came from."""

    def __init__(self, site: Path):
        self.site = site
        self.seen: list[str] = []

    def record(self, response) -> None:
        self.seen.append(response.url)

    def since(self, start: int) -> dict:
        urls = self.seen[start:]
        raw = gzipped = 0
        kinds: dict[str, list[float]] = {}
        for url in urls:
            body = self._file_of(url)
            size = min(len(body), len(gzip.compress(body, 6))) if body else 0
            raw += len(body)
            gzipped += size
            kind = kinds.setdefault(_kind(url), [0, 0])
            kind[0] += 1
            kind[1] += round(size / 1024, 1)
        return {"requests": len(urls), "raw_kb": round(raw / 1024, 1), "gzip_kb": round(gzipped / 1024, 1),
                "by_kind": {name: f"{count} x, {size:.0f} KB" for name, (count, size) in sorted(kinds.items())}}

    def _file_of(self, url: str) -> bytes:
        path = self.site / unquote(urlsplit(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        return path.read_bytes() if path.is_file() else b""


def _kind(url: str) -> str:
    """What a request loads: Pagefind's part (wasm, pf_meta, pf_index, pf_filter, pf_fragment) or a page file."""
    path = urlsplit(url).path
    for suffix in (".pf_meta", ".pf_index", ".pf_filter", ".pf_fragment", ".pagefind", ".json", ".js", ".css"):
        if path.endswith(suffix):
            return suffix.lstrip(".")
    return "page"


def results_for(page, query: str, timeout: float = 120_000) -> None:
    page.wait_for_selector(f'#search[data-results-for="{query}"]', state="attached", timeout=timeout)


# Timed by the page's own clock: from the reader's action (the form submitted, a button clicked) to the
# frame after the results are in the page. Playwright's wait for the results, seen from this process, adds
# 0.35-0.45 s of its own on this machine (measured: 1.32 s against 0.97 s in the page for the same query).
CLOCK = """() => {
  window.__acted = null;
  window.__shown = {};
  const act = () => { if (window.__acted === null) window.__acted = performance.now(); };
  document.addEventListener("submit", act, { capture: true });
  document.addEventListener("click", act, { capture: true });
  const root = document.getElementById("search");
  new MutationObserver(() => {
    const query = root.dataset.shownFor;
    if (query) requestAnimationFrame(() => { window.__shown[query] = performance.now(); });
  }).observe(root, { attributes: true, attributeFilter: ["data-shown-for"] });
}"""


def timed(page, requests: Requests, start: int, query: str, action) -> dict:
    """What `action` (pressing Enter, clicking a button) costs until the results for `query` are shown:
    the requests since `start`, their bytes, the seconds (by the page's clock; also as Playwright sees it)."""
    page.evaluate("(query) => { window.__acted = null; delete window.__shown[query]; }", query)
    pressed = time.perf_counter()
    action()
    results_for(page, query)
    seen = time.perf_counter() - pressed
    page.wait_for_function("(query) => window.__shown[query] !== undefined", arg=query)
    acted, shown = page.evaluate("(query) => [window.__acted, window.__shown[query]]", query)
    page.wait_for_timeout(300)  # stragglers (a result's data) belong to this step
    return {**requests.since(start), "seconds": round((shown - acted) / 1000, 2),
            "seconds_seen_by_playwright": round(seen, 2), "query": query,
            "results": page.locator("#search-status").inner_text()}


def measure_site(output: Path, first: str, second: str, protocol: str = "HTTP/1.1") -> dict:
    from playwright.sync_api import sync_playwright
    from static_host import StaticHost

    server = StaticHost(output, protocol, WORK / "tls").start()
    url, stop = server.url, server.stop
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=[*FLAGS, "--ignore-certificate-errors"])
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            requests = Requests(output)
            context.on("response", requests.record)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
            cdp.send("Network.emulateNetworkConditions", FAST_4G)
            opened = time.perf_counter()
            page.goto(url + "search/")
            page.wait_for_selector("#search[data-ready]", state="attached", timeout=120_000)
            ready = time.perf_counter() - opened
            page.evaluate(CLOCK)
            report = {}
            for name, query in (("first query", first), ("later query", second)):
                page.fill("#search-input", query)
                start = len(requests.seen) if name == "later query" else 0
                report[name] = timed(page, requests, start, query, lambda: page.press("#search-input", "Enter"))
            report["newest first"] = timed(page, requests, len(requests.seen), second,
                                           lambda: page.check('input[name="sort"][value="date"]'))
            page.check('input[name="sort"][value="relevance"]')  # back, for the whole archive as before
            results_for(page, second)
            if page.locator("#search-wider").is_visible():
                report["whole archive"] = timed(page, requests, len(requests.seen), second,
                                                lambda: page.click("#search-wider"))
            report["first query"]["page_ready_s"] = round(ready, 2)
            protocols = page.evaluate("performance.getEntriesByType('resource').map((e) => e.nextHopProtocol)")
            report["first query"]["protocols"] = sorted(set(protocols))
            browser.close()
    finally:
        stop()
    return report


def build(root: Path) -> None:
    subprocess.run([*COMMAND, "build", "-q"], cwd=root, check=True)


def table(results: dict) -> str:
    lines = ["| articles | server | scenario | requests | raw | gzip | time to results (Fast 4G) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for size, by_protocol in results.items():
        for protocol, report in by_protocol.items():
            for name, row in report.items():
                lines.append(f"| {size:,} | {protocol} | {name} (`{row['query']}`) | {row['requests']} | "
                             f"{row['raw_kb']:,.0f} KB | {row['gzip_kb']:,.0f} KB | {row['seconds']:.2f} s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--first", default="starlink", help="the first query")
    parser.add_argument("--second", default="tribunal", help="the later query")
    parser.add_argument("--no-build", action="store_true", help="measure the output as it is")
    parser.add_argument("--protocols", default="HTTP/1.1,HTTP/2",
                        help="protocols to measure over (bench/static_host.py: `pip install -e .[bench]`)")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results: dict = {}
    for size in (int(size) for size in args.sizes.split(",")):
        root = site_for(size)
        if not args.no_build:
            build(root)
        for protocol in args.protocols.split(","):
            results.setdefault(size, {})[protocol] = measure_site(root / "output", args.first, args.second,
                                                                  protocol)
            print(json.dumps({size: {protocol: results[size][protocol]}}, ensure_ascii=False), flush=True)
    (WORK / "search-bytes.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))


if __name__ == "__main__":
    main()
