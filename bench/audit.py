"""Audit reader-facing pages: the Nu HTML checker and Lighthouse, on a built site served from 127.0.0.1.

    python bench/audit.py [--site output] [--pages /,/search/,/search/?q=starlink] [--article]

Tools come from npm into bench/work/tools (`vnu-jar` for the Nu checker, which needs Java, and
`lighthouse@12.2.3`, the last release for Node 20); Lighthouse drives Debian's Chromium. The site is
served as static hosts serve it, compressed (bench/static_host.py, HTTP/1.1). A page with a query string
is also checked after its script ran: the DOM with the search results, serialised by Chromium, goes
through the Nu checker too. Not a test: Lighthouse's performance score depends on the
machine's load. Results: stdout and bench/work/audit.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from static_host import StaticHost  # noqa: E402

TOOLS = BENCH / "work" / "tools"
PACKAGES = ["lighthouse@12.2.3", "vnu-jar@26.9.27"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def install_tools() -> None:
    if not (TOOLS / "node_modules/.bin/lighthouse").exists() or not _vnu().exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "-E", *PACKAGES],
                       check=True, stdout=subprocess.DEVNULL)


def _vnu() -> Path:
    return TOOLS / "node_modules/vnu-jar/build/dist/vnu.jar"


def nu_check(documents: dict[str, str]) -> dict[str, list[str]]:
    """Name -> the Nu checker's errors and warnings for each HTML document."""
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for number, (name, html) in enumerate(documents.items()):
            paths[name] = Path(folder) / f"page-{number}.html"
            paths[name].write_text(html, encoding="utf-8")
        result = subprocess.run(["java", "-jar", str(_vnu()), "--format", "json", "--exit-zero-always",
                                 *map(str, paths.values())], capture_output=True, text=True)
        messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    found: dict[str, list[str]] = {name: [] for name in documents}
    for message in messages:
        name = next(n for n, p in paths.items() if message.get("url", "").endswith(p.name))
        found[name].append(f"{message['type']}: {message['message']} ({message.get('extract', '').strip()[:80]})")
    return found


def rendered_dom(url: str) -> str:
    """The page as its script left it (search results on screen)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#search[data-results-for]", state="attached", timeout=60_000)
        html = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
        browser.close()
    return html


def lighthouse(url: str, form_factor: str) -> dict[str, float]:
    flags = ["--output=json", "--quiet", "--chrome-flags=--headless --no-sandbox --disable-gpu",
             f"--only-categories={','.join(CATEGORIES)}"]
    if form_factor == "desktop":
        flags.append("--preset=desktop")
    result = subprocess.run([str(TOOLS / "node_modules/.bin/lighthouse"), url, *flags], capture_output=True,
                            text=True, env={"CHROME_PATH": "/usr/bin/chromium", "PATH": "/usr/bin:/bin"})
    report = json.loads(result.stdout)
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failing = [f"{audit['id']}: {audit['title']}" for audit in report["audits"].values()
               if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") in
               ("binary", "numeric", "metricSavings")]
    return {**scores, "failing": failing[:12]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", default="output", help="the built site to serve")
    parser.add_argument("--pages", default="/,/search/,/search/?q=starlink", help="comma-separated paths")
    args = parser.parse_args()
    install_tools()
    site = Path(args.site).resolve()
    server = StaticHost(site).start()  # gzip, as static hosts answer
    base = server.url.rstrip("/")
    report = {}
    try:
        documents = {}
        for path in args.pages.split(","):
            file = site / path.split("?")[0].lstrip("/")
            documents[path] = (file / "index.html" if file.is_dir() else file).read_text(encoding="utf-8")
            if "?" in path:
                documents[f"{path} (after its script)"] = rendered_dom(base + path)
        for name, messages in nu_check(documents).items():
            report.setdefault(name, {})["nu"] = messages
        for path in args.pages.split(","):
            for form_factor in ("mobile", "desktop"):
                report[path][f"lighthouse {form_factor}"] = lighthouse(base + path, form_factor)
    finally:
        server.stop()
    (BENCH / "work" / "audit.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for name, found in report.items():
        print(f"## {name}")
        print(f"Nu checker: {len(found['nu'])} messages" + "".join(f"\n  - {m}" for m in found["nu"]))
        for key, scores in found.items():
            if key.startswith("lighthouse"):
                print(f"{key}: " + ", ".join(f"{c} {scores[c]}" for c in CATEGORIES)
                      + "".join(f"\n  - {f}" for f in scores["failing"]))


if __name__ == "__main__":
    main()
