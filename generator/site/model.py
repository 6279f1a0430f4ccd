"""The site model: frozen dataclasses that flow from parse to render.

Templates receive these (or summaries of them) as plain data; nothing here can reach the rest of the site.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field, make_dataclass, replace
from functools import cached_property
from typing import Any

from generator.content.schema import ARTICLE_SCHEMA, LIST_FIELDS, PAGE_FIELDS
from generator.content.values import (  # noqa: F401 - the model's values
    Citation,
    Heading,
    Image,
    Profile,
    Source,
    StaticFile,
)


def _frozen_class(name: str, doc: str, attributes: list[tuple]) -> type:
    """A frozen dataclass made from (name, type[, field]) triples, picklable as this module's `name`."""
    cls = make_dataclass(name, attributes, frozen=True)
    cls.__module__ = __name__
    cls.__qualname__ = name
    cls.__doc__ = doc
    return cls


# Its attributes are the schema's fields (content/schema.py) between the few below.
Article = _frozen_class("Article", "A parsed article: what `parse_article` returns and the parse cache stores.", [
    ("source_path", str),
    *((article_field.name, article_field.type) for article_field in ARTICLE_SCHEMA),
    ("source_line", int, field(default=1)),  # first line of the body, for error messages
    # Digests of the fields a summary copies (summary_key) and of those only the article's own page shows
    # (view_key), taken once when parsing: fingerprints hash these instead of the fields (see render).
    ("summary_key", str, field(default="")),
    ("view_key", str, field(default="")),
])


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
    profile: Profile = Profile()


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


def _type_of(name: str) -> Any:
    return next(article_field.type for article_field in ARTICLE_SCHEMA if article_field.name == name)


# --- What templates see -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermRef:
    """A link to a term page."""

    name: str
    url: str
    slug: str
    profile: Profile = Profile()  # for structured data: an author's profiles, an agency


# --- Articles as pages show them: made from the schema ----------------------------------------------

# What assembling sets in a summary (terms: resolved into links), and in a view, besides the schema's fields.
ASSEMBLED_SUMMARY_FIELDS = ("url", "future", "terms")
ASSEMBLED_VIEW_FIELDS = ("source_path", "summary")

ArticleSummary = _frozen_class(
    "ArticleSummary",
    "An article as a list entry: the schema's LISTS fields (enough for cards, feeds and related links, no body), "
    "its URL, whether it is future-dated, and its terms as links.",
    [*((name, dict[str, tuple["TermRef", ...]] if name == "terms" else _type_of(name)) for name in LIST_FIELDS),
     ("url", str), ("future", bool),
     ("summary_key", str, field(default=""))])  # the article's (see Article): stands for the fields it copies

ArticleView = _frozen_class(
    "ArticleView",
    "An article as its own page shows it: its summary and the schema's PAGE fields.",
    [("summary", ArticleSummary), ("source_path", str), *((name, _type_of(name)) for name in PAGE_FIELDS),
     ("view_key", str, field(default=""))])  # the article's (see Article): stands for the fields it copies


def summarize(article: Article, url: str, future: bool, terms: dict[str, tuple[TermRef, ...]]) -> ArticleSummary:
    """The article as lists show it; assembling gives its URL, future flag and resolved terms."""
    values = {name: getattr(article, name) for name in LIST_FIELDS}
    values["terms"] = terms
    return ArticleSummary(**values, url=url, future=future, summary_key=article.summary_key)


def view_of(article: Article, summary: ArticleSummary) -> ArticleView:
    """The article as its own page shows it."""
    return ArticleView(summary=summary, source_path=article.source_path, view_key=article.view_key,
                       **{name: getattr(article, name) for name in PAGE_FIELDS})


def with_keys(article: Article) -> Article:
    """The article with its summary and view keys: digests of the fields a summary copies and of those only
    its own page shows (the body by its digest). Pickles of plain values and frozen dataclasses: equal
    fields, equal keys."""
    listed = tuple(getattr(article, name) for name in LIST_FIELDS)
    body_digest = hashlib.sha256(article.body_html.encode("utf-8")).hexdigest()
    page = tuple(body_digest if name == "body_html" else getattr(article, name) for name in PAGE_FIELDS)
    return replace(article, summary_key=_digest(listed), view_key=_digest(page))


def _digest(value: object) -> str:
    return hashlib.sha256(pickle.dumps(value, protocol=5)).hexdigest()


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
    profile: Profile = Profile()

    @property
    def ref(self) -> TermRef:
        return TermRef(self.name, self.url, self.slug, self.profile)


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
    static_files: tuple[StaticFile, ...] = ()  # the site's static/ folder, published as it is
    bundle_files: tuple[StaticFile, ...] = ()  # the files of articles written as folders
    default_image: Image | None = None  # for sharing articles without an image of their own

    @cached_property
    def summaries(self) -> tuple[ArticleSummary, ...]:
        return tuple(article.summary for article in self.articles)

    @cached_property
    def articles_by_url(self) -> dict[str, ArticleView]:
        return {article.summary.url: article for article in self.articles}


@dataclass(frozen=True)
class Job:
    """One output file to produce: how (renderer, template) and from what (context). A photo's renditions
    are one job: its files are `output_path` and `also`."""

    output_path: str  # relative to the output directory, '/' separators
    kind: str  # page kind: "article", "index", "term", ...
    renderer: str  # "html", "atom", "sitemap", "text": a key of render.RENDERERS
    template: str
    context: dict[str, Any]  # what the template or renderer receives
    article: ArticleView | None = None  # the article the page presents: what its search entry covers
    also: tuple[str, ...] = ()  # the other files the job writes

    @property
    def files(self) -> tuple[str, ...]:
        return (self.output_path, *self.also)
