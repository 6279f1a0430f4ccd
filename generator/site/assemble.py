"""Parsed articles -> the `Site` model: filtering, order, URLs, taxonomies, periods, related articles.

The whole model is re-assembled on every build: it is cheap, and it can never be patched wrong.

Term merging rule (documented in the README): names that give the same slug ("Taïwan", "Taiwan",
"TAIWAN") are one term. A term file's title, or a name listed in its `aliases`, maps onto that file's
term. Without a term file the display name is the spelling used by most articles; ties go to the
spelling with the most accented letters, then to the alphabetically first.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import pickle
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from generator.config import Config, Taxonomy
from generator.errors import SourceError
from generator.site.model import (
    Article,
    ArticleSummary,
    ArticleView,
    Image,
    Period,
    Profile,
    Site,
    StandalonePage,
    StaticFile,
    Term,
    TermFile,
    TermRef,
    summarize,
    view_of,
)
from generator.site.urls import article_url, month_url, page_url, term_url, year_url
from generator.text import slugify

RELATED_MAX = 5
RELATED_MIN = 3
# Scoring every article against every other is quadratic; popular terms only look at near neighbours.
_RELATED_WINDOW = 50  # candidates per term: the 50 articles on either side in time


@dataclass(frozen=True)
class _Resolver:
    """Maps a term name as written in an article to its canonical slug, for one taxonomy."""

    by_key: dict[str, TermFile]

    def slug_of(self, name: str) -> str:
        key = _cached_slugify(name)
        term_file = self.by_key.get(key)
        return term_file.slug if term_file else key


# Term names repeat across thousands of articles: slugify each spelling once per process.
_cached_slugify = functools.lru_cache(maxsize=1 << 16)(slugify)


class Memo(Protocol):
    """Where a value derived from inputs with a given digest can be kept for the next build."""

    def get(self, digest: str) -> Any | None: ...

    def put(self, digest: str, value: Any) -> None: ...


def assemble_site(config: Config, articles: Iterable[Article], pages: Iterable[StandalonePage],
                  term_files: Iterable[TermFile], now: datetime, related_memo: Memo | None = None,
                  static_files: Iterable[StaticFile] = (),
                  bundle_files: Iterable[StaticFile] = ()) -> tuple[Site, list[SourceError]]:
    """Build the site model; returns it with every problem found (duplicate URLs, ...).

    `related_memo` keeps the related-article choice of the last build: an edit that moves no article and
    changes no topic or person reuses it instead of scoring 10,000 articles again (about a second).
    """
    problems: list[SourceError] = []
    published, drafts, future = _published(config, articles, now)
    published, urls = _article_urls(config, published, problems)
    resolvers = _resolvers(config, term_files, problems)
    names = _display_names(config, published, resolvers, term_files)
    term_refs: dict[tuple[str, str], TermRef] = {}  # one TermRef per term, shared by its articles
    summaries = [_summary(config, article, urls[article.source_path], resolvers, names, now, term_refs)
                 for article in published]
    views = tuple(view_of(article, summary) for article, summary in zip(published, summaries, strict=True))
    pages = [page for page in pages if config.drafts or not page.draft]
    page_urls = {page.source_path: page_url(config, page.slug) for page in pages}
    site = Site(
        articles=views,
        related=_related(config, summaries, related_memo),
        terms=_terms(config, summaries, resolvers, names, term_files),
        years=_periods(config, summaries, by_month=False),
        months=_periods(config, summaries, by_month=True),
        pages=tuple(sorted(pages, key=lambda page: (page.weight, page.title, page.source_path))),
        page_urls=page_urls,
        excluded_future=future,
        excluded_drafts=drafts,
        static_files=tuple(static_files),
        bundle_files=tuple(bundle_files),
        default_image=_default_image(config, problems),
    )
    return site, problems


def _default_image(config: Config, problems: list[SourceError]) -> Image | None:
    """The site's image for sharing articles without one ([images] default), read from static/."""
    from generator.config import CONFIG_FILE
    from generator.content.media import MediaProblem, read_image

    if not config.images.default:
        return None
    relative = config.images.default.lstrip("/")
    try:
        file = read_image(str(config.root / "static" / relative), "static/" + relative, config, (0.5, 0.5))
    except MediaProblem as problem:
        problems.append(SourceError(CONFIG_FILE, None, None, f"[images] default: {problem.message}", problem.hint))
        return None
    shares = tuple(rendition for rendition in file.renditions if rendition.purpose != "srcset")
    folder = config.base_path + relative.rsplit("/", 1)[0] + "/" if "/" in relative else config.base_path
    return Image(config.images.default, file=replace(file, renditions=shares, folder=folder))


def _published(config: Config, articles: Iterable[Article], now: datetime) -> tuple[list[Article], int, int]:
    kept, drafts, future = [], 0, 0
    for article in articles:
        if article.draft and not config.drafts:
            drafts += 1
        elif article.date > now and not config.future:
            future += 1
        else:
            kept.append(article)
    return kept, drafts, future


def _article_urls(config: Config, articles: list[Article],
                  problems: list[SourceError]) -> tuple[list[Article], dict[str, str]]:
    """Each article's URL; of two articles with one URL, the second is reported and left out."""
    kept: list[Article] = []
    urls: dict[str, str] = {}
    owner: dict[str, str] = {}
    for article in sorted(articles, key=lambda a: a.source_path):
        url = article_url(config, article.date, article.slug)
        if url in owner:
            problems.append(SourceError(
                "content/" + article.source_path, None, None,
                f"same URL {url} as content/{owner[url]}",
                "give one of them a different 'slug' in its front matter"))
            continue
        owner[url] = article.source_path
        urls[article.source_path] = url
        kept.append(article)
    kept.sort(key=lambda article: (-article.date.timestamp(), article.source_path))
    return kept, urls


def _resolvers(config: Config, term_files: Iterable[TermFile], problems: list[SourceError]) -> dict[str, _Resolver]:
    by_taxonomy: dict[str, dict[str, TermFile]] = {t.name: {} for t in config.taxonomies}
    for term_file in sorted(term_files, key=lambda t: t.source_path):
        table = by_taxonomy.setdefault(term_file.taxonomy, {})
        for key in {term_file.slug, slugify(term_file.title), *(slugify(a) for a in term_file.aliases)} - {""}:
            other = table.get(key)
            if other is not None and other.source_path != term_file.source_path:
                problems.append(SourceError(
                    "content/" + term_file.source_path, None, None,
                    f"name or alias '{key}' is also claimed by content/{other.source_path}",
                    "remove it from one of the two files"))
                continue
            table[key] = term_file
    return {name: _Resolver(table) for name, table in by_taxonomy.items()}


def _display_names(config: Config, articles: list[Article], resolvers: dict[str, _Resolver],
                   term_files: Iterable[TermFile]) -> dict[tuple[str, str], str]:
    spellings: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for article in articles:
        for taxonomy in config.taxonomies:
            resolver = resolvers[taxonomy.name]
            for name in article.terms.get(taxonomy.name, ()):
                spellings[(taxonomy.name, resolver.slug_of(name))][name] += 1
    names = {key: min(counter, key=lambda n: (-counter[n], -sum(ord(c) > 127 for c in n), n))
             for key, counter in spellings.items()}
    for term_file in term_files:
        names[(term_file.taxonomy, term_file.slug)] = term_file.title
    return names


def _summary(config: Config, article: Article, url: str, resolvers: dict[str, _Resolver],
             names: dict[tuple[str, str], str], now: datetime,
             term_refs: dict[tuple[str, str], TermRef]) -> ArticleSummary:
    terms = {}
    for taxonomy in config.taxonomies:
        resolver = resolvers[taxonomy.name]
        slugs = dict.fromkeys(resolver.slug_of(name) for name in article.terms.get(taxonomy.name, ()))
        refs = []
        for slug in slugs:
            key = (taxonomy.name, slug)
            if key not in term_refs:
                term_file = resolver.by_key.get(slug)
                term_refs[key] = TermRef(names[key], term_url(config, taxonomy, slug), slug,
                                         term_file.profile if term_file else Profile())
            refs.append(term_refs[key])
        terms[taxonomy.name] = tuple(refs)
    return summarize(article, url, article.date > now, terms)


def _terms(config: Config, summaries: list[ArticleSummary], resolvers: dict[str, _Resolver],
           names: dict[tuple[str, str], str], term_files: Iterable[TermFile]) -> dict[str, tuple[Term, ...]]:
    files = {(t.taxonomy, t.slug): t for t in term_files}
    result = {}
    for taxonomy in config.taxonomies:
        articles_by_slug: dict[str, list[ArticleSummary]] = defaultdict(list)
        for summary in summaries:
            for ref in summary.terms[taxonomy.name]:
                articles_by_slug[ref.slug].append(summary)
        slugs = set(articles_by_slug) | {slug for (name, slug) in files if name == taxonomy.name}
        terms = [_term(config, taxonomy, slug, names.get((taxonomy.name, slug), slug),
                       files.get((taxonomy.name, slug)), articles_by_slug.get(slug, []))
                 for slug in slugs]
        result[taxonomy.name] = tuple(sorted(terms, key=lambda term: (slugify(term.name), term.slug)))
    return result


def _term(config: Config, taxonomy: Taxonomy, slug: str, name: str, term_file: TermFile | None,
          articles: list[ArticleSummary]) -> Term:
    return Term(
        taxonomy=taxonomy.name,
        name=name,
        slug=slug,
        url=term_url(config, taxonomy, slug),
        description=term_file.description if term_file else "",
        body_html=term_file.body_html if term_file else "",
        homepage=term_file.homepage if term_file else "",
        articles=tuple(articles),
        source_path=term_file.source_path if term_file else "",
        profile=term_file.profile if term_file else Profile(),
    )


def _periods(config: Config, summaries: list[ArticleSummary], by_month: bool) -> tuple[Period, ...]:
    grouped: dict[tuple[int, int | None], list[ArticleSummary]] = defaultdict(list)
    for summary in summaries:
        key = (summary.date.year, summary.date.month if by_month else None)
        grouped[key].append(summary)
    periods = []
    for (year, month), articles in sorted(grouped.items(), key=lambda item: (item[0][0], item[0][1] or 0),
                                          reverse=True):
        url = month_url(config, year, month) if month else year_url(config, year)
        periods.append(Period(year, month, url, tuple(articles)))
    return tuple(periods)


def _related(config: Config, summaries: list[ArticleSummary],
             memo: Memo | None) -> dict[str, tuple[ArticleSummary, ...]]:
    """Up to five articles sharing the most topics and people (ties: the most recent), at least three."""
    taxonomies = [t.name for t in config.taxonomies if t.field != "sources"]
    terms_by_position = [tuple((name, ref.slug) for name in taxonomies for ref in summary.terms[name])
                         for summary in summaries]
    # The choice depends only on each position's terms: that is all the digest covers.
    digest = hashlib.sha256(pickle.dumps((RELATED_MAX, RELATED_MIN, _RELATED_WINDOW, terms_by_position),
                                         protocol=5)).hexdigest() if memo is not None else ""
    chosen = memo.get(digest) if memo is not None else None
    if not (isinstance(chosen, list) and len(chosen) == len(summaries)):
        chosen = related_positions(terms_by_position)
        if memo is not None:
            memo.put(digest, chosen)
    return {summary.url: tuple(summaries[other] for other in best)
            for summary, best in zip(summaries, chosen, strict=True)}


def related_positions(terms_by_position: list[tuple[tuple[str, str], ...]]) -> list[tuple[int, ...]]:
    """For each position (newest first), the positions of its related articles, best first: the most
    shared terms, ties to the lower position (the more recent article)."""
    positions_by_term: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, terms in enumerate(terms_by_position):
        for term in terms:
            positions_by_term[term].append(position)
    chosen = []
    for position, terms in enumerate(terms_by_position):
        candidates: list[int] = []
        for term in terms:
            candidates += _near(positions_by_term[term], position)
        candidates.sort()
        # A window lists each position once, so a position sharing k terms appears k times in a row.
        # Only those (a few among hundreds) need counting; the others all count one.
        shared: dict[int, int] = {}
        previous = -1
        for candidate in candidates:
            if candidate == previous:
                shared[candidate] = shared.get(candidate, 1) + 1
            previous = candidate
        shared.pop(position, None)
        # Counted in ascending position order, so the stable sort keeps the more recent first among equals.
        best = sorted(shared, key=lambda other: -shared[other])[:RELATED_MAX]
        for candidate in candidates if len(best) < RELATED_MAX else ():
            if candidate != position and candidate not in shared and candidate not in best:
                best.append(candidate)
                if len(best) == RELATED_MAX:
                    break
        if len(best) < RELATED_MIN:
            best += [other for other in _nearest(position, len(terms_by_position)) if other not in best][
                : RELATED_MIN - len(best)]
        chosen.append(tuple(best))
    return chosen


def _near(positions: list[int], position: int) -> list[int]:
    if len(positions) <= 2 * _RELATED_WINDOW:
        return positions
    index = bisect.bisect_left(positions, position)
    return positions[max(0, index - _RELATED_WINDOW): index + _RELATED_WINDOW]


def _nearest(position: int, count: int) -> list[int]:
    """Other articles ordered by distance in time, for filling a short related list."""
    order = []
    for distance in range(1, count):
        for other in (position - distance, position + distance):
            if 0 <= other < count:
                order.append(other)
        if len(order) >= RELATED_MAX:
            break
    return order


def replace_article(site: Site, position: int, view: ArticleView, related_of: Iterable[str] | None = None) -> Site:
    """The model with the article at `position` shown with new values (`view`), for an edit that keeps the
    article's place in the site (the same URL, date, terms and draft state: see the schema's structural
    fields), so that every list holding it keeps its order. Only the containers holding it are new.

    `related_of`: the URLs of the articles whose related list may hold it, when the caller knows them
    (else every list is looked at)."""
    target = id(site.articles[position].summary)
    summary = view.summary

    def swapped(items: tuple[ArticleSummary, ...]) -> tuple[ArticleSummary, ...]:
        ids = list(map(id, items))  # by identity, in C: lists of a popular term hold thousands
        if target not in ids:
            return items
        at = ids.index(target)
        return (*items[:at], summary, *items[at + 1:])

    # Its place is unchanged: it is in the lists of its own terms, year and month only.
    slugs = {(name, ref.slug) for name, refs in summary.terms.items() for ref in refs}
    terms = {name: tuple(replace(term, articles=swapped(term.articles)) if (name, term.slug) in slugs else term
                         for term in values) for name, values in site.terms.items()}
    date = summary.date

    def periods(values: tuple[Period, ...]) -> tuple[Period, ...]:
        return tuple(replace(period, articles=swapped(period.articles))
                     if period.year == date.year and period.month in (None, date.month) else period
                     for period in values)

    return replace(
        site,
        articles=(*site.articles[:position], view, *site.articles[position + 1:]),
        related=_swapped_related(site.related, swapped, related_of),
        terms=terms,
        years=periods(site.years),
        months=periods(site.months),
    )


def _swapped_related(related: dict[str, tuple[ArticleSummary, ...]], swapped, urls: Iterable[str] | None):
    if urls is None:
        return {url: swapped(items) for url, items in related.items()}
    changed = {url: swapped(related[url]) for url in urls if url in related}
    return {**related, **changed}
