"""What templates receive besides the model: site globals, pagination, counts, feed and sitemap entries.

Plain frozen values, made by the page kinds (site/kinds.py) when they plan their outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from generator.content.bodies import StoredHtml
from generator.content.values import Image, Profile
from generator.site.model import ArticleSummary, ArticleView


@dataclass(frozen=True)
class TaxonomyInfo:
    name: str
    title: str
    singular: str
    url: str
    filter: str  # the search filter key
    byline: bool = False  # its terms are the articles' authors


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str


@dataclass(frozen=True)
class SiteGlobals:
    """The few site-wide values every template may use."""

    title: str
    description: str
    author: str
    language: str
    base_url: str
    base_path: str
    home_url: str
    archives_url: str
    search_url: str
    feed_url: str | None
    taxonomies: tuple[TaxonomyInfo, ...]
    menu: tuple[MenuItem, ...]
    search_enabled: bool
    byline: str | None = None  # the name of the taxonomy whose terms sign the articles
    recency_boost: float = 0.0  # how much the search page favours newer articles
    default_image: Image | None = None  # shared for articles without an image of their own ([images] default)


class PageLink(NamedTuple):
    """One entry of a pagination bar: a numbered page, or a gap (number 0) where pages are left out.

    A named tuple, not a dataclass: list pages make tens of thousands of them per build."""

    number: int
    url: str
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    number: int
    total: int
    previous_url: str | None
    next_url: str | None
    first_url: str
    # The bar to show: first, last, and the pages around this one. Not every page's URL: each page would
    # hold them all, and a list of 5,000 pages would make its pages' contexts grow with their square.
    links: tuple[PageLink, ...] = ()


# Pages shown on either side of the current one in a pagination bar; the first and last are always shown.
PAGINATION_WINDOW = 2


def page_links(number: int, urls: Sequence[str]) -> tuple[PageLink, ...]:
    """The first and last pages, the pages around `number`, and one gap for each run left out (a gap of
    a single page shows that page instead)."""
    total = len(urls)
    shown = {1, total} | set(range(max(1, number - PAGINATION_WINDOW), min(total, number + PAGINATION_WINDOW) + 1))
    links: list[PageLink] = []
    previous = 0
    for page in sorted(shown):
        if page - previous == 2:
            links.append(PageLink(page - 1, urls[page - 2]))
        elif page - previous > 2:
            links.append(PageLink(0, ""))
        links.append(PageLink(page, urls[page - 1], page == number))
        previous = page
    return tuple(links)


@dataclass(frozen=True)
class TermInfo:
    """A term as its page shows it: everything but its article list."""

    name: str
    slug: str
    url: str
    description: str
    body_html: str
    homepage: str
    count: int
    feed_url: str | None
    profile: Profile = Profile()


@dataclass(frozen=True)
class TermCount:
    name: str
    url: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    url: str
    count: int


@dataclass(frozen=True)
class YearCount:
    year: int
    url: str
    count: int
    months: tuple[MonthCount, ...]


@dataclass(frozen=True)
class FeedEntry:
    summary: ArticleSummary
    article: ArticleView | None  # the article itself when feeds carry full content

    @property
    def body_html(self) -> str | StoredHtml:
        return self.article.body_html if self.article else ""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None


@dataclass(frozen=True)
class ArticleDates:
    """The articles in the sitemap: their summaries, of which the sitemap shows the URL and last change.

    It holds the summaries rather than copies of their dates, so that the sitemap is among the pages
    showing each article (what the preview's quick path updates); fingerprints hash only what it shows."""

    articles: tuple[ArticleSummary, ...]


# Context values that hold no article: the preview's quick path does not look into them for the objects it
# swaps (a speed-up only; a type left out is merely looked into).
HOLD_NO_ARTICLE = (TaxonomyInfo, MenuItem, SiteGlobals, PageLink, Pagination, TermInfo, TermCount, MonthCount,
                   YearCount, SitemapEntry)
