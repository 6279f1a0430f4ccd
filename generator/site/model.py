"""The site model: frozen dataclasses that flow from parse to render.

Templates receive these (or summaries of them) as plain data; nothing here can reach the rest of the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from generator.content.bodies import StoredHtml


@dataclass(frozen=True)
class Source:
    """One input file under content/."""

    source_path: str  # relative to content/, with '/' separators
    kind: str  # "article", "page" or "term"
    # Absolute path on disk, a string: a build makes one Source per file (10,000 Path objects cost ~0.15 s
    # on every build, a third of a no-op one).
    path: str
    taxonomy: str = ""  # for term files: the taxonomy name

    @property
    def display_path(self) -> str:
        """The path a user can open from the site's root, used in every message."""
        return "content/" + self.source_path


@dataclass(frozen=True)
class Image:
    src: str
    alt: str = ""
    caption: str = ""


@dataclass(frozen=True)
class Citation:
    """A cited source: a name, and optionally the cited document's link, title and date."""

    name: str
    url: str = ""
    title: str = ""
    date: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Article:
    """A parsed article: what `parse_article` returns and the parse cache stores."""

    source_path: str
    title: str
    date: datetime  # aware, in the site time zone
    updated: datetime | None
    lang: str
    summary: str
    slug: str
    terms: dict[str, tuple[str, ...]]  # taxonomy name -> term names as written
    citations: tuple[Citation, ...]
    draft: bool
    image: Image | None
    aliases: tuple[str, ...]
    body_html: str | StoredHtml  # a handle on the body store once parsed by a build
    toc: tuple[Heading, ...]
    word_count: int
    source_line: int = 1  # first line of the body, for error messages
    # Digests of the fields a summary copies (summary_key) and of those only the article's own page shows
    # (view_key), taken once when parsing: fingerprints hash these instead of the fields (see render).
    summary_key: str = ""
    view_key: str = ""


@dataclass(frozen=True)
class TermFile:
    """Optional metadata for a term, from content/<taxonomy>/<slug>.md."""

    source_path: str
    taxonomy: str
    slug: str
    title: str
    description: str
    aliases: tuple[str, ...]
    homepage: str
    body_html: str


@dataclass(frozen=True)
class StandalonePage:
    """A page outside the article flow, from content/pages/*.md ("À propos")."""

    source_path: str
    title: str
    slug: str
    lang: str
    summary: str
    body_html: str
    menu: bool
    weight: int
    draft: bool = False


# --- What templates see -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermRef:
    """A link to a term page."""

    name: str
    url: str
    slug: str


@dataclass(frozen=True)
class ArticleSummary:
    """An article as a list entry: enough for cards, feeds and related links, without the body."""

    title: str
    url: str
    date: datetime
    updated: datetime | None
    lang: str
    summary: str
    image: Image | None
    draft: bool
    future: bool
    reading_minutes: int
    terms: dict[str, tuple[TermRef, ...]]
    summary_key: str = ""  # the article's (see Article): stands for the fields copied from it


@dataclass(frozen=True)
class ArticleView:
    """An article as its own page shows it."""

    summary: ArticleSummary
    source_path: str
    body_html: str | StoredHtml
    toc: tuple[Heading, ...]
    word_count: int
    citations: tuple[Citation, ...]
    aliases: tuple[str, ...]
    view_key: str = ""  # the article's (see Article): stands for the fields above but the summary


@dataclass(frozen=True)
class Term:
    """One term of a taxonomy with its articles, newest first."""

    taxonomy: str
    name: str
    slug: str
    url: str
    description: str
    body_html: str
    homepage: str
    articles: tuple[ArticleSummary, ...]
    source_path: str = ""

    @property
    def ref(self) -> TermRef:
        return TermRef(self.name, self.url, self.slug)


@dataclass(frozen=True)
class Period:
    """A year or a month of the date archive."""

    year: int
    month: int | None
    url: str
    articles: tuple[ArticleSummary, ...]


@dataclass(frozen=True)
class Site:
    """The whole assembled model: the input to planning."""

    articles: tuple[ArticleView, ...]  # newest first
    related: dict[str, tuple[ArticleSummary, ...]]  # article url -> related articles
    terms: dict[str, tuple[Term, ...]]  # taxonomy name -> terms sorted by name
    years: tuple[Period, ...]  # newest first
    months: tuple[Period, ...]  # newest first
    pages: tuple[StandalonePage, ...]
    page_urls: dict[str, str] = field(default_factory=dict)  # page source_path -> url
    excluded_future: int = 0
    excluded_drafts: int = 0

    @cached_property
    def summaries(self) -> tuple[ArticleSummary, ...]:
        return tuple(article.summary for article in self.articles)

    @cached_property
    def articles_by_url(self) -> dict[str, ArticleView]:
        return {article.summary.url: article for article in self.articles}


@dataclass(frozen=True)
class Job:
    """One output file to produce: how (renderer, template) and from what (context)."""

    output_path: str  # relative to the output directory, '/' separators
    kind: str  # page kind: "article", "index", "term", ...
    renderer: str  # "html", "atom", "sitemap", "text"
    template: str
    context: dict[str, Any]
