"""Checks on a built site: every internal link and #anchor resolves to a file in the output."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

_LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("form", "action"),
                    ("source", "src"), ("iframe", "src")}


@dataclass(frozen=True)
class BrokenLink:
    page: str  # output path of the page holding the link
    target: str  # the link as written
    reason: str

    def format(self) -> str:
        return f"{self.page}: {self.reason}: {self.target}"


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if (tag, name) in _LINK_ATTRIBUTES:
                self.links.append(value)


def scan_page(path: Path) -> tuple[list[str], set[str]]:
    scan = _PageScan()
    scan.feed(path.read_text(encoding="utf-8", errors="replace"))
    return scan.links, scan.ids


def resolve(output: Path, base_path: str, url_path: str) -> Path | None:
    """The output file serving a site path, as a static host would find it."""
    if not url_path.startswith(base_path):
        return None
    relative = unquote(url_path[len(base_path):])
    candidate = output / relative
    if relative == "" or relative.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def find_broken_links(output: Path, base_url: str) -> list[BrokenLink]:
    """Internal links and anchors of every HTML page that do not resolve."""
    base = urlsplit(base_url)
    base_path = base.path or "/"
    pages = sorted(output.rglob("*.html"))
    scans = {page: scan_page(page) for page in pages}
    broken: list[BrokenLink] = []
    for page, (links, ids) in scans.items():
        relative = page.relative_to(output).as_posix()
        page_url = base_path + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)
        for link in links:
            problem = _check_link(output, base, base_path, page_url, link, ids, scans)
            if problem:
                broken.append(BrokenLink(relative, link, problem))
    return broken


def _check_link(output: Path, base, base_path: str, page_url: str, link: str, ids: set[str],
                scans: dict[Path, tuple[list[str], set[str]]]) -> str | None:
    target = urlsplit(urljoin(page_url, link))
    if target.scheme and (target.scheme, target.netloc) != (base.scheme, base.netloc):
        return None  # another site: only `check --external` looks at those
    if link.startswith("#"):
        return None if unquote(link[1:]) in ids or link == "#" else "missing anchor"
    file = resolve(output, base_path, target.path)
    if file is None:
        if not target.path.startswith(base_path):
            return "link outside the site's base path"
        return "no such page"
    if target.fragment and file.suffix == ".html":
        target_ids = scans[file][1] if file in scans else scan_page(file)[1]
        if unquote(target.fragment) not in target_ids:
            return "missing anchor"
    return None
