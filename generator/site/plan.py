"""`Site` -> one `Job` per output file, each with an explicit context of plain data.

A template only sees what its job's context holds (plus small site globals), never the whole site: a
page's output is a function of its context, which is what makes fingerprints and incremental builds sound.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from generator.config import Config, Taxonomy
from generator.content.bodies import StoredHtml
from generator.errors import SourceError
from generator.site.model import ArticleSummary, ArticleView, Job, Period, Site, Term
from generator.site.redirects import Redirect
from generator.site.urls import (
    archives_url,
    feed_url,
    home_url,
    output_path,
    paginated_url,
    search_url,
    taxonomy_url,
)


@dataclass(frozen=True)
class TaxonomyInfo:
    name: str
    title: str
    singular: str
    url: str
    filter: str  # the search filter key


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
    urls: tuple[str, ...]  # every page's URL
    links: tuple[PageLink, ...] = ()  # the bar to show: first, last, and the pages around this one


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


def plan_jobs(config: Config, site: Site, redirects: Sequence[Redirect] = ()) -> tuple[list[Job], list[SourceError]]:
    """Every output file of the site; duplicate output paths are errors naming both origins."""
    globals_ = site_globals(config, site)
    jobs: list[Job] = []
    origins: dict[str, str] = {}
    problems: list[SourceError] = []
    for job, origin in (*_all_jobs(config, site, globals_), *_redirect_jobs(config, globals_, redirects)):
        if job.output_path in origins:
            problems.append(SourceError(origin, None, None,
                                        f"writes {job.output_path}, which {origins[job.output_path]} also writes",
                                        "change the slug of one of them"))
            continue
        origins[job.output_path] = origin
        jobs.append(job)
    return jobs, problems


def site_globals(config: Config, site: Site) -> SiteGlobals:
    taxonomies = tuple(TaxonomyInfo(t.name, t.title, t.singular, taxonomy_url(config, t), t.filter)
                       for t in config.taxonomies)
    menu = tuple(MenuItem(page.title, site.page_urls[page.source_path]) for page in site.pages if page.menu)
    return SiteGlobals(
        title=config.title,
        description=config.description,
        author=config.author,
        language=config.language,
        base_url=config.base_url,
        base_path=config.base_path,
        home_url=home_url(config),
        archives_url=archives_url(config),
        search_url=search_url(config),
        feed_url=feed_url(home_url(config)) if config.feeds.enabled else None,
        taxonomies=taxonomies,
        menu=menu,
        search_enabled=config.search.enabled,
    )


def _job(config: Config, at_url: str, kind: str, renderer: str, template: str, **context) -> Job:
    return Job(output_path(config, at_url), kind, renderer, template, context)


def _all_jobs(config: Config, site: Site, globals_: SiteGlobals) -> Iterator[tuple[Job, str]]:
    yield from _article_jobs(config, site, globals_)
    yield from ((job, "the home page") for job in _list_jobs(
        config, globals_, "index", "index.html", home_url(config), site.summaries, config.paginate_by))
    for taxonomy in config.taxonomies:
        yield from _taxonomy_jobs(config, site, globals_, taxonomy)
    yield from _archive_jobs(config, site, globals_)
    for page in site.pages:
        url = site.page_urls[page.source_path]
        yield _job(config, url, "page", "html", "page.html", site=globals_, lang=page.lang, url=url,
                   title=page.title, page=page), "content/" + page.source_path
    yield from _feed_jobs(config, site, globals_)
    lang = config.language.split("-")[0]
    yield _job(config, search_url(config), "search", "html", "search.html", site=globals_, lang=lang,
               url=search_url(config), title="search"), "the search page"
    yield Job("404.html", "404", "html", "404.html",
              {"site": globals_, "lang": lang, "url": config.base_path + "404.html", "title": "404"}), "404"
    yield sitemap_job(config, site), "sitemap"
    yield Job("robots.txt", "robots", "text", "robots.txt", {"site": globals_}), "robots.txt"


def _redirect_jobs(config: Config, globals_: SiteGlobals,
                   redirects: Sequence[Redirect]) -> Iterator[tuple[Job, str]]:
    lang = config.language.split("-")[0]
    for redirect in redirects:
        yield _job(config, redirect.old_url, "redirect", "html", "redirect.html", site=globals_, lang=lang,
                   url=redirect.old_url, title="redirect", target=redirect.new_url), \
            f"the redirect from {redirect.old_url} (content/{redirect.source_path})"


def page_urls_of(jobs: Sequence[Job]) -> set[str]:
    """The URLs of the HTML pages planned: what a redirect may not shadow."""
    return {job.context["url"] for job in jobs if job.renderer == "html" and "url" in job.context}


def _article_jobs(config: Config, site: Site, globals_: SiteGlobals) -> Iterator[tuple[Job, str]]:
    for position, article in enumerate(site.articles):
        yield article_job(config, site, globals_, position), "content/" + article.source_path


def article_job(config: Config, site: Site, globals_: SiteGlobals, position: int) -> Job:
    """The page of the article at `position` in `site.articles` (newest first)."""
    articles = site.articles
    article = articles[position]
    newer = articles[position - 1].summary if position > 0 else None
    older = articles[position + 1].summary if position + 1 < len(articles) else None
    return _job(config, article.summary.url, "article", "html", "article.html",
                site=globals_, lang=article.summary.lang, url=article.summary.url, title=article.summary.title,
                article=article, newer=newer, older=older, related=site.related.get(article.summary.url, ()))


def _pages(items: Sequence, per_page: int) -> list[Sequence]:
    return [items[start:start + per_page] for start in range(0, len(items), per_page)] or [items[:0]]


def _list_jobs(config: Config, globals_: SiteGlobals, kind: str, template: str, first_url: str,
               items: Sequence[ArticleSummary], per_page: int, **context) -> Iterator[Job]:
    chunks = _pages(items, per_page)
    urls = tuple(paginated_url(first_url, number) for number in range(1, len(chunks) + 1))
    for number, chunk in enumerate(chunks, 1):
        pagination = Pagination(number, len(chunks), urls[number - 2] if number > 1 else None,
                                urls[number] if number < len(chunks) else None, first_url, urls,
                                page_links(number, urls))
        yield _job(config, urls[number - 1], kind, "html", template, site=globals_,
                   lang=config.language.split("-")[0], url=urls[number - 1], articles=tuple(chunk),
                   pagination=pagination, **context)


def _taxonomy_jobs(config: Config, site: Site, globals_: SiteGlobals,
                   taxonomy: Taxonomy) -> Iterator[tuple[Job, str]]:
    info = next(t for t in globals_.taxonomies if t.name == taxonomy.name)
    terms = site.terms.get(taxonomy.name, ())
    counts = tuple(TermCount(term.name, term.url, len(term.articles)) for term in terms)
    yield _job(config, info.url, "taxonomy", "html", "taxonomy.html", site=globals_,
               lang=config.language.split("-")[0], url=info.url, title=info.title, taxonomy=info,
               terms=counts), f"taxonomy {taxonomy.name}"
    for term in terms:
        origin = "content/" + term.source_path if term.source_path else f"{taxonomy.name} term {term.name!r}"
        term_info = _term_info(config, taxonomy, term)
        for job in _list_jobs(config, globals_, "term", "term.html", term.url, term.articles,
                              taxonomy.paginate_by, taxonomy=info, term=term_info, title=term.name):
            yield job, origin
        if term_info.feed_url:
            yield _feed_job(config, site, globals_, term.url, f"{term.name} — {config.title}",
                            term.articles), origin


def _term_info(config: Config, taxonomy: Taxonomy, term: Term) -> TermInfo:
    has_feed = config.feeds.enabled and taxonomy.feed and bool(term.articles)
    return TermInfo(term.name, term.slug, term.url, term.description, term.body_html, term.homepage,
                    len(term.articles), feed_url(term.url) if has_feed else None)


def _archive_jobs(config: Config, site: Site, globals_: SiteGlobals) -> Iterator[tuple[Job, str]]:
    months_by_year: dict[int, list[Period]] = {}
    for month in site.months:
        months_by_year.setdefault(month.year, []).append(month)
    years = tuple(
        YearCount(year.year, year.url, len(year.articles),
                  tuple(MonthCount(m.year, m.month or 0, m.url, len(m.articles)) for m in months_by_year[year.year]))
        for year in site.years)
    url = archives_url(config)
    yield _job(config, url, "archives", "html", "archives.html", site=globals_,
               lang=config.language.split("-")[0], url=url, title="archives", years=years), "the archive index"
    for period in (*site.years, *site.months):
        for job in _list_jobs(config, globals_, "archive", "archive.html", period.url, period.articles,
                              config.paginate_by, period=Period(period.year, period.month, period.url, ()),
                              title=str(period.year)):
            yield job, f"the archive of {period.year}"


def _feed_jobs(config: Config, site: Site, globals_: SiteGlobals) -> Iterator[tuple[Job, str]]:
    if config.feeds.enabled:
        yield _feed_job(config, site, globals_, home_url(config), config.title,
                        site.summaries), "the site feed"


def _feed_job(config: Config, site: Site, globals_: SiteGlobals, list_url: str, title: str,
              summaries: Sequence[ArticleSummary]) -> Job:
    views = site.articles_by_url
    entries = tuple(FeedEntry(summary, views[summary.url] if config.feeds.full_content else None)
                    for summary in summaries[: config.feeds.limit])
    return _job(config, feed_url(list_url), "feed", "atom", "", site=globals_, title=title,
                page_url=list_url, url=feed_url(list_url), entries=entries)


def sitemap_job(config: Config, site: Site) -> Job:
    return Job("sitemap.xml", "sitemap", "sitemap", "", {"entries": _sitemap_entries(config, site)})


def _sitemap_entries(config: Config, site: Site) -> tuple[SitemapEntry, ...]:
    entries = [SitemapEntry(home_url(config), site.articles[0].summary.date if site.articles else None)]
    entries += [SitemapEntry(a.summary.url, a.summary.updated or a.summary.date) for a in site.articles]
    for taxonomy in config.taxonomies:
        entries.append(SitemapEntry(taxonomy_url(config, taxonomy), None))
        entries += [SitemapEntry(term.url, term.articles[0].date if term.articles else None)
                    for term in site.terms.get(taxonomy.name, ())]
    entries.append(SitemapEntry(archives_url(config), None))
    entries += [SitemapEntry(period.url, period.articles[0].date) for period in (*site.years, *site.months)]
    entries += [SitemapEntry(url, None) for url in site.page_urls.values()]
    return tuple(entries)
