"""`news-archive check`: is a built site safe to deploy?

Internal links and anchors resolve; canonical and absolute links use the configured base URL; feeds and
sitemaps are well-formed and list only published articles; no draft or future article is in the output;
every published article is in the search index. `--external` also checks outbound links, politely.
"""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from generator.errors import SourceError
from generator.report import Reporter

_LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("form", "action"),
                    ("source", "src"), ("iframe", "src")}

_OUTBOUND_TAGS = {"a", "img", "iframe", "source", "video", "audio", "embed"}


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
        self.canonical: str | None = None
        self.indexed = False  # carries data-pagefind-body: an article page
        self.body_links: list[str] = []  # links inside the article's own content
        self._body_tag: str | None = None
        self._body_depth = 0

    def handle_endtag(self, tag: str) -> None:
        if tag == self._body_tag:
            if self._body_depth:
                self._body_depth -= 1
            else:
                self._body_tag = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href")
        if "data-pagefind-body" in values and self._body_tag is None:
            self.indexed = True
            self._body_tag = tag
        elif tag == self._body_tag:
            self._body_depth += 1
        if self._body_tag and tag in _OUTBOUND_TAGS:
            self.body_links += [value for name, value in attrs if name in ("href", "src") and value]
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if (tag, name) in _LINK_ATTRIBUTES:
                self.links.append(value)


def scan_page(path: Path) -> _PageScan:
    scan = _PageScan()
    scan.feed(path.read_text(encoding="utf-8", errors="replace"))
    return scan


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
    scans = scan_site(output)
    broken: list[BrokenLink] = []
    for page, scan in scans.items():
        relative = page.relative_to(output).as_posix()
        page_url = base_path + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)
        for link in scan.links:
            problem = _check_link(output, base, base_path, page_url, link, scan.ids, scans)
            if problem:
                broken.append(BrokenLink(relative, link, problem))
    return broken


def scan_site(output: Path) -> dict[Path, _PageScan]:
    return {page: scan_page(page) for page in sorted(output.rglob("*.html"))}


def _check_link(output: Path, base, base_path: str, page_url: str, link: str, ids: set[str],
                scans: dict[Path, _PageScan]) -> str | None:
    target = urlsplit(urljoin(page_url, link))
    if target.scheme in ("http", "https") and target.netloc == base.netloc and target.scheme != base.scheme:
        return f"absolute link with {target.scheme}: although the site is served over {base.scheme}:"
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
        target_ids = scans[file].ids if file in scans else scan_page(file).ids
        if unquote(target.fragment) not in target_ids:
            return "missing anchor"
    return None


# --- The whole check ----------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def url_of_page(base_path: str, relative: str) -> str:
    return base_path + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


def check_site(output: Path, base_url: str, published: dict[str, str], unpublished: dict[str, str],
               search: bool) -> list[SourceError]:
    """Every problem of the built site in `output`.

    `published` maps the URL of every article that must be online to its source file; `unpublished`
    those of drafts and future-dated articles, which must not be.
    """
    if not output.is_dir():
        return [SourceError(str(output), None, None, "no built site here", "run news-archive build first")]
    built_for = _built_for(output)
    if built_for and built_for != base_url:
        # Every link would be reported as broken: say the one thing that is wrong instead.
        return [SourceError(output.name, None, None, f"built for {built_for}, checking against {base_url}",
                            f"pass --base-url {built_for}, or rebuild with --base-url {base_url}")]
    base_path = urlsplit(base_url).path or "/"
    problems: list[SourceError] = []
    scans = scan_site(output)
    for broken in find_broken_links(output, base_url):
        problems.append(SourceError(_shown(output, broken.page), None, None, f"{broken.reason}: {broken.target}"))
    articles_online: set[str] = set()
    for page, scan in scans.items():
        relative = page.relative_to(output).as_posix()
        if scan.canonical and not scan.canonical.startswith(base_url):
            problems.append(SourceError(_shown(output, relative), None, None,
                                        f"canonical URL {scan.canonical} is not under {base_url}",
                                        "the site was built for another host or sub-path: rebuild with the right "
                                        "--base-url"))
        if scan.indexed:
            articles_online.add(url_of_page(base_path, relative))
    for url in sorted(articles_online & set(unpublished)):
        problems.append(SourceError(_shown(output, url), None, None,
                                    f"draft or future-dated article is online: {url} (content/{unpublished[url]})",
                                    "rebuild without --drafts / --future"))
    for url in sorted(set(published) - articles_online):
        problems.append(SourceError(f"content/{published[url]}", None, None,
                                    f"published article missing from the output: {url}", "rebuild the site"))
    problems += _check_feeds(output, base_url, base_path, published)
    if search:
        problems += _check_index(output, base_path, published)
    return problems


def _built_for(output: Path) -> str | None:
    """The base URL the site in `output` was built for: its home page's canonical URL."""
    home = output / "index.html"
    return scan_page(home).canonical if home.is_file() else None


def _shown(output: Path, relative_or_url: str) -> str:
    return f"{output.name}/{relative_or_url.lstrip('/')}"


def _check_feeds(output: Path, base_url: str, base_path: str, published: dict[str, str]) -> list[SourceError]:
    problems = []
    for path in sorted(output.rglob("*.xml")):
        relative = path.relative_to(output).as_posix()
        if relative.startswith("pagefind/"):
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            line, col = exc.position
            problems.append(SourceError(_shown(output, relative), line, col + 1, f"not well-formed XML: {exc}"))
            continue
        if root.tag == f"{ATOM}feed":
            links = [link.get("href", "") for entry in root.iter(f"{ATOM}entry") for link in entry.iter(f"{ATOM}link")
                     if link.get("rel", "alternate") == "alternate"]
            for link in links:
                if not link.startswith(base_url):
                    problems.append(SourceError(_shown(output, relative), None, None,
                                                f"feed entry {link} is not under {base_url}"))
                elif base_path + link[len(base_url):] not in published:
                    problems.append(SourceError(_shown(output, relative), None, None,
                                                f"feed lists {link}, which is not a published article"))
        elif root.tag == f"{SITEMAP}urlset":
            for loc in root.iter(f"{SITEMAP}loc"):
                url = loc.text or ""
                if not url.startswith(base_url):
                    problems.append(SourceError(_shown(output, relative), None, None,
                                                f"sitemap lists {url}, not under {base_url}"))
                elif resolve(output, base_path, base_path + url[len(base_url):]) is None:
                    problems.append(SourceError(_shown(output, relative), None, None,
                                                f"sitemap lists {url}, which is not in the output"))
    return problems


def indexed_urls(output: Path) -> set[str]:
    """The URLs of the pages in every shard of the search bundle (a fragment is gzipped 'pagefind_dcd' + JSON)."""
    urls = set()
    for fragment in (output / "pagefind").glob("*/fragment/*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        data = data[len(b"pagefind_dcd"):] if data.startswith(b"pagefind_dcd") else data
        urls.add(json.loads(data)["url"])
    return urls


def _check_index(output: Path, base_path: str, published: dict[str, str]) -> list[SourceError]:
    if not (output / "pagefind" / "shards.json").is_file():
        return [SourceError(_shown(output, "pagefind/"), None, None, "no search index",
                            "build without --no-search")] if published else []
    try:
        indexed = indexed_urls(output)
    except (OSError, ValueError, KeyError) as exc:
        return [SourceError(_shown(output, "pagefind/"), None, None, f"unreadable search index: {exc}")]
    return [SourceError(f"content/{published[url]}", None, None, f"article missing from the search index: {url}",
                        "rebuild the site with search")
            for url in sorted(published) if "/" + url[len(base_path):] not in indexed]


def run_check(root: Path, overrides: dict, external: bool) -> tuple[list[SourceError], int]:
    """Load the content (to know what must and must not be online), then check the built site."""
    from generator.build import load_site, read_inputs
    from generator.external import check_links, outbound_links
    from generator.options import BuildOptions

    reporter = Reporter(verbosity=0)
    options = BuildOptions(overrides={**overrides, "drafts": True, "future": True})
    loaded = load_site(read_inputs(root, options, reporter), reporter)
    config, site = loaded.config, loaded.site
    errors = [p for p in loaded.problems if not p.is_warning]
    if errors:
        return errors, 0
    published = {a.summary.url: a.source_path for a in site.articles if not (a.summary.draft or a.summary.future)}
    unpublished = {a.summary.url: a.source_path for a in site.articles if a.summary.draft or a.summary.future}
    output = (config.root / config.output_dir).resolve()
    problems = check_site(output, config.base_url, published, unpublished, config.search.enabled)
    checked = 0
    if external and output.is_dir():
        links = outbound_links(scan_site(output), output, config.base_url)
        results = check_links(config, sorted(links))
        checked = len(results)
        for url, result in sorted(results.items()):
            if result.dead:
                for page in sorted(links[url]):
                    problems.append(SourceError(_shown(output, page), None, None,
                                                f"dead external link ({result.describe()}): {url}", "",
                                                "error" if config.strict else "warning"))
    return problems, checked

