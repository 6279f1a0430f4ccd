"""Every permalink and output-path rule in one place.

`url` is public and starts with the base path ("/archive/2024/10/slug/"); `output_path` is relative to
the output directory ("2024/10/slug/index.html"). Every URL segment comes from `slugify` or a number, so
no content can produce a path outside the output directory.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, unquote

from generator.config import Config, Taxonomy


def article_url(config: Config, date: datetime, slug: str) -> str:
    """The article's permalink from the site's pattern (default /{year}/{month}/{slug}/)."""
    relative = config.permalink.lstrip("/").format(
        year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}", slug=slug)
    return _join(config, relative)


def term_url(config: Config, taxonomy: Taxonomy, term_slug: str) -> str:
    return _join(config, f"{taxonomy.segment}/{term_slug}/")


def taxonomy_url(config: Config, taxonomy: Taxonomy) -> str:
    return _join(config, f"{taxonomy.segment}/")


def year_url(config: Config, year: int) -> str:
    return _join(config, f"{year:04d}/")


def month_url(config: Config, year: int, month: int) -> str:
    return _join(config, f"{year:04d}/{month:02d}/")


def page_url(config: Config, slug: str) -> str:
    return _join(config, f"{slug}/")


def home_url(config: Config) -> str:
    return config.base_path


# The fixed names of the site's own pages (page kinds declare them as reserved: see site/kinds.py).
ARCHIVES_SEGMENT = "archives"
SEARCH_SEGMENT = "search"
PAGE_SEGMENT = "page"
FEED_FILE = "feed.xml"


def archives_url(config: Config) -> str:
    return _join(config, f"{ARCHIVES_SEGMENT}/")


def search_url(config: Config) -> str:
    return _join(config, f"{SEARCH_SEGMENT}/")


def feed_url(list_url: str) -> str:
    return list_url + FEED_FILE


def paginated_url(first_page_url: str, number: int) -> str:
    """Page 1 is the list's own URL; page N is <url>page/N/."""
    return first_page_url if number == 1 else f"{first_page_url}{PAGE_SEGMENT}/{number}/"


def _join(config: Config, relative: str) -> str:
    return config.base_path + quote(relative, safe="/")


def output_path(config: Config, url: str) -> str:
    """The file that serves `url`: directories get index.html."""
    relative = url[len(config.base_path):] if url.startswith(config.base_path) else url.lstrip("/")
    relative = unquote(relative)
    if not relative or relative.endswith("/"):
        relative += "index.html"
    return relative


def url_of_output(config: Config, path: str) -> str:
    """The URL an output file is served at: `output_path`'s inverse (index.html serves its folder)."""
    relative = path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path
    return config.base_path + quote(relative, safe="/")


_ROOT_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')


def rebase_links(html: str, base_path: str) -> str:
    """Links written from the site's root in a body (`[texte](/2024/10/slug/)`) pointed at the base path, so
    that they keep working when the site is published under a sub-path."""
    return html if base_path == "/" else _ROOT_RELATIVE.sub(lambda match: match.group(1) + base_path, html)


def absolute_url(config: Config, url: str) -> str:
    """An absolute URL for canonical links, feeds and sitemaps."""
    origin = config.base_url[: len(config.base_url) - len(config.base_path)]
    return origin + url
