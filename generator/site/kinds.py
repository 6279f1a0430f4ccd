"""The page-kind registry: every kind of output the site has, each declared once.

A `PageKind` says how its outputs are planned (one `Job` per file, with the context its template or
renderer receives and the origin named in messages), what it lists in the sitemap, and which first URL
segments it uses (a taxonomy may not take them). `plan_jobs` and the sitemap walk `PAGE_KINDS`; adding a
kind (a JSON Feed, a corrections log) is one entry here plus its template or renderer.

Contexts hold model objects (article summaries and views, terms), never copies of their fields: the
fingerprint of a page records which articles it shows, and the preview's quick path swaps an edited
article's objects in the contexts showing it. A copied title would stay stale there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from generator.config import Config, Taxonomy
from generator.errors import SourceError
from generator.site.contexts import (
    ArticleDates,
    FeedEntry,
    MonthCount,
    Pagination,
    SiteGlobals,
    SitemapEntry,
    TermCount,
    TermInfo,
    YearCount,
    page_links,
)
from generator.site.model import ArticleSummary, Job, Period, Site, Term
from generator.site.redirects import Redirect
from generator.site.urls import (
    ARCHIVES_SEGMENT,
    FEED_FILE,
    PAGE_SEGMENT,
    SEARCH_SEGMENT,
    archives_url,
    feed_url,
    home_url,
    output_path,
    paginated_url,
    search_url,
    taxonomy_url,
)

if TYPE_CHECKING:
    from generator.output.images import Processed


@dataclass(frozen=True)
class Planning:
    """What every kind plans from."""

    config: Config
    site: Site
    globals: SiteGlobals
    redirects: Sequence[Redirect] = ()
    assets: Mapping[str, bytes] = field(default_factory=dict)  # the theme's files: output path -> bytes

    @property
    def lang(self) -> str:
        """The language of the site's own pages (lists, indexes, search)."""
        return self.config.language.split("-")[0]


Planned = tuple[Job, str] | SourceError  # a job and its origin (named when two outputs collide), or a problem


def _nothing(*_: object) -> tuple:
    return ()


@dataclass(frozen=True)
class PageKind:
    name: str
    plan: Callable[[Planning], Iterable[Planned]]
    sitemap: Callable[[Planning], Iterable[SitemapEntry | ArticleDates]] = _nothing
    segments: tuple[str, ...] = ()  # fixed first URL segments (or file names) its outputs use
    collision_hint: str = "change the slug of one of them"  # when one of its outputs is another's too


def job(config: Config, at_url: str, kind: str, renderer: str, template: str, **context) -> Job:
    return Job(output_path(config, at_url), kind, renderer, template, context)


# --- Articles --------------------------------------------------------------------------------------------


def _plan_articles(planning: Planning) -> Iterator[Planned]:
    for position, article in enumerate(planning.site.articles):
        yield article_job(planning, position), "content/" + article.source_path


def article_job(planning: Planning, position: int) -> Job:
    """The page of the article at `position` in `site.articles` (newest first)."""
    articles = planning.site.articles
    article = articles[position]
    newer = articles[position - 1].summary if position > 0 else None
    older = articles[position + 1].summary if position + 1 < len(articles) else None
    url = article.summary.url
    page = job(planning.config, url, "article", "html", "article.html", site=planning.globals, url=url,
               article=article, newer=newer, older=older, related=planning.site.related.get(url, ()))
    return Job(page.output_path, page.kind, page.renderer, page.template, page.context, article=article)


def _article_entries(planning: Planning) -> Iterator[ArticleDates]:
    # By month (newest first, as articles are): an edit makes one month's entry new, not the whole list.
    return (ArticleDates(month.articles) for month in planning.site.months)


# --- Lists: home, terms, date archives -------------------------------------------------------------------


def _pages(items: Sequence, per_page: int) -> list[Sequence]:
    return [items[start:start + per_page] for start in range(0, len(items), per_page)] or [items[:0]]


def list_jobs(planning: Planning, kind: str, template: str, first_url: str, items: Sequence[ArticleSummary],
              per_page: int, **context) -> Iterator[Job]:
    """The pages of a paginated list: `first_url`, then <first_url>page/2/, ..."""
    chunks = _pages(items, per_page)
    urls = tuple(paginated_url(first_url, number) for number in range(1, len(chunks) + 1))
    for number, chunk in enumerate(chunks, 1):
        pagination = Pagination(number, len(chunks), urls[number - 2] if number > 1 else None,
                                urls[number] if number < len(chunks) else None, first_url, page_links(number, urls))
        yield job(planning.config, urls[number - 1], kind, "html", template, site=planning.globals,
                  lang=planning.lang, url=urls[number - 1], articles=tuple(chunk), pagination=pagination, **context)


def _plan_home(planning: Planning) -> Iterator[Planned]:
    for page in list_jobs(planning, "index", "index.html", home_url(planning.config), planning.site.summaries,
                          planning.config.paginate_by):
        yield page, "the home page"


def _home_entries(planning: Planning) -> Iterator[SitemapEntry]:
    articles = planning.site.articles
    yield SitemapEntry(home_url(planning.config), articles[0].summary.date if articles else None)


def _plan_taxonomies(planning: Planning) -> Iterator[Planned]:
    for taxonomy in planning.config.taxonomies:
        info = next(t for t in planning.globals.taxonomies if t.name == taxonomy.name)
        counts = tuple(TermCount(term.name, term.url, len(term.articles))
                       for term in planning.site.terms.get(taxonomy.name, ()))
        yield job(planning.config, info.url, "taxonomy", "html", "taxonomy.html", site=planning.globals,
                  lang=planning.lang, url=info.url, title=info.title, taxonomy=info,
                  terms=counts), f"taxonomy {taxonomy.name}"


def _taxonomy_entries(planning: Planning) -> Iterator[SitemapEntry]:
    return (SitemapEntry(taxonomy_url(planning.config, taxonomy), None) for taxonomy in planning.config.taxonomies)


def _plan_terms(planning: Planning) -> Iterator[Planned]:
    for taxonomy in planning.config.taxonomies:
        info = next(t for t in planning.globals.taxonomies if t.name == taxonomy.name)
        for term in planning.site.terms.get(taxonomy.name, ()):
            for page in list_jobs(planning, "term", "term.html", term.url, term.articles, taxonomy.paginate_by,
                                  taxonomy=info, term=term_info(planning.config, taxonomy, term), title=term.name):
                yield page, term_origin(taxonomy, term)


def term_origin(taxonomy: Taxonomy, term: Term) -> str:
    return "content/" + term.source_path if term.source_path else f"{taxonomy.name} term {term.name!r}"


def term_info(config: Config, taxonomy: Taxonomy, term: Term) -> TermInfo:
    has_feed = config.feeds.enabled and taxonomy.feed and bool(term.articles)
    return TermInfo(term.name, term.slug, term.url, term.description, term.body_html, term.homepage,
                    len(term.articles), feed_url(term.url) if has_feed else None, term.profile)


def _term_entries(planning: Planning) -> Iterator[SitemapEntry]:
    for taxonomy in planning.config.taxonomies:
        for term in planning.site.terms.get(taxonomy.name, ()):
            yield SitemapEntry(term.url, term.articles[0].date if term.articles else None)


def _plan_archives(planning: Planning) -> Iterator[Planned]:
    site = planning.site
    months_by_year: dict[int, list[Period]] = {}
    for month in site.months:
        months_by_year.setdefault(month.year, []).append(month)
    years = tuple(
        YearCount(year.year, year.url, len(year.articles),
                  tuple(MonthCount(m.year, m.month or 0, m.url, len(m.articles)) for m in months_by_year[year.year]))
        for year in site.years)
    url = archives_url(planning.config)
    yield job(planning.config, url, "archives", "html", "archives.html", site=planning.globals, lang=planning.lang,
              url=url, title="archives", years=years), "the archive index"


def _plan_periods(planning: Planning) -> Iterator[Planned]:
    for period in (*planning.site.years, *planning.site.months):
        for page in list_jobs(planning, "archive", "archive.html", period.url, period.articles,
                              planning.config.paginate_by, period=Period(period.year, period.month, period.url, ()),
                              title=str(period.year)):
            yield page, f"the archive of {period.year}"


def _period_entries(planning: Planning) -> Iterator[SitemapEntry]:
    for period in (*planning.site.years, *planning.site.months):
        yield SitemapEntry(period.url, period.articles[0].date)


# --- Standalone pages, feeds, site files -----------------------------------------------------------------


def _plan_pages(planning: Planning) -> Iterator[Planned]:
    for page in planning.site.pages:
        url = planning.site.page_urls[page.source_path]
        yield job(planning.config, url, "page", "html", "page.html", site=planning.globals, lang=page.lang, url=url,
                  title=page.title, page=page), "content/" + page.source_path


def _page_entries(planning: Planning) -> Iterator[SitemapEntry]:
    return (SitemapEntry(url, None) for url in planning.site.page_urls.values())


def _plan_feeds(planning: Planning) -> Iterator[Planned]:
    config, site = planning.config, planning.site
    if not config.feeds.enabled:
        return
    yield feed_job(planning, home_url(config), config.title, site.summaries), "the site feed"
    for taxonomy in config.taxonomies:
        for term in site.terms.get(taxonomy.name, ()):
            if term_info(config, taxonomy, term).feed_url:
                yield feed_job(planning, term.url, f"{term.name} — {config.title}", term.articles), \
                    term_origin(taxonomy, term)


def feed_job(planning: Planning, list_url: str, title: str, summaries: Sequence[ArticleSummary]) -> Job:
    config, views = planning.config, planning.site.articles_by_url
    entries = tuple(FeedEntry(summary, views[summary.url] if config.feeds.full_content else None)
                    for summary in summaries[: config.feeds.limit])
    return job(config, feed_url(list_url), "feed", "atom", "", site=planning.globals, title=title,
               page_url=list_url, url=feed_url(list_url), entries=entries)


def _plan_search(planning: Planning) -> Iterator[Planned]:
    url = search_url(planning.config)
    yield job(planning.config, url, "search", "html", "search.html", site=planning.globals, lang=planning.lang,
              url=url, title="search"), "the search page"


def _plan_not_found(planning: Planning) -> Iterator[Planned]:
    yield Job("404.html", "404", "html", "404.html", {"site": planning.globals, "lang": planning.lang,
                                                      "url": planning.config.base_path + "404.html",
                                                      "title": "404"}), "404"


def _plan_sitemap(planning: Planning) -> Iterator[Planned]:
    entries = tuple(entry for kind in PAGE_KINDS for entry in kind.sitemap(planning))
    yield Job("sitemap.xml", "sitemap", "sitemap", "", {"entries": entries}), "sitemap"


def _plan_robots(planning: Planning) -> Iterator[Planned]:
    yield Job("robots.txt", "robots", "text", "robots.txt", {"site": planning.globals}), "robots.txt"


def _plan_redirects(planning: Planning) -> Iterator[Planned]:
    for redirect in planning.redirects:
        yield job(planning.config, redirect.old_url, "redirect", "html", "redirect.html", site=planning.globals,
                  lang=planning.lang, url=redirect.old_url, title="redirect", target=redirect.new_url), \
            f"the redirect from {redirect.old_url} (content/{redirect.source_path})"


def _plan_assets(planning: Planning) -> Iterator[Planned]:
    for path, data in planning.assets.items():
        yield Job(path, "asset", "bytes", "", {"data": data}), "the theme's static files"


def _plan_host_files(planning: Planning) -> Iterator[Planned]:
    from generator.output.hosting import host_files

    for path, data in host_files(planning.config, list(planning.redirects)).items():
        yield Job(path, "host", "bytes", "", {"data": data}), "the host redirect files ([deploy] redirects)"


def _plan_static(planning: Planning) -> Iterator[Planned]:
    for file in planning.site.static_files:
        top = file.relative.split("/", 1)[0]
        if top in OTHER_SEGMENTS:
            yield SourceError(file.display_path, None, None,
                              f"{top}/ is where news-archive writes its own files (the theme's, the search index)",
                              f"move it out of static/{top}/")
        else:
            yield Job(file.relative, "static", "copy", "", {"file": file}), file.display_path


def _plan_images(planning: Planning) -> Iterator[Planned]:
    """One job per photo an article shows, writing its renditions under the article's URL (the site's
    default image beside its file of static/): hard links to the processing cache (output/images.py).
    A photo of 16 renditions is one job, not 16: planning and fingerprinting cost per job."""
    from generator.output.images import images_of, processed

    config = planning.config
    for article in planning.site.articles:
        planned: set[str] = set()
        for image in images_of(article):
            files = []
            for rendition, place in zip(image.file.renditions, processed(config, image.file), strict=True):
                path = output_path(config, article.summary.url + rendition.name)
                if path not in planned:  # a photo shown twice, or as lead image and in the body
                    planned.add(path)
                    files.append((path, place))
            if files:
                yield _linked(files), "content/" + article.source_path
    default = planning.site.default_image
    if default is not None:
        yield _linked([(output_path(config, default.file.folder + rendition.name), place) for rendition, place
                       in zip(default.file.renditions, processed(config, default.file), strict=True)]), \
            "[images] default in site.toml"


def _linked(files: list[tuple[str, Processed]]) -> Job:
    return Job(files[0][0], "image", "link", "", {"files": tuple(files)}, also=tuple(path for path, _ in files[1:]))


def _plan_attachments(planning: Planning) -> Iterator[Planned]:
    """The documents, sound and video of articles written as folders, as they are, under the article's URL.
    Photos are published through their renditions only: the originals carry their metadata."""
    from generator.content.media import ATTACHMENT_SUFFIXES, is_bundle_index

    urls = {article.source_path[: -len("/index.md")]: article.summary.url for article in planning.site.articles
            if is_bundle_index(article.source_path)}
    for file in planning.site.bundle_files:
        if not file.relative.lower().endswith(ATTACHMENT_SUFFIXES):
            continue
        folder = file.relative.rsplit("/", 1)[0]
        while folder not in urls and "/" in folder:  # the nearest article folder holding it, as discovery found
            folder = folder.rsplit("/", 1)[0]
        if folder in urls:  # else its article is a draft or future-dated, unpublished
            yield Job(output_path(planning.config, urls[folder] + file.relative[len(folder) + 1:]), "attachment",
                      "copy", "", {"file": file}), file.display_path


PAGE_KINDS: tuple[PageKind, ...] = (
    PageKind("article", _plan_articles, _article_entries),
    PageKind("index", _plan_home, _home_entries, (PAGE_SEGMENT,)),
    PageKind("taxonomy", _plan_taxonomies, _taxonomy_entries),
    PageKind("term", _plan_terms, _term_entries),
    PageKind("archives", _plan_archives, lambda planning: (SitemapEntry(archives_url(planning.config), None),),
             (ARCHIVES_SEGMENT,)),
    PageKind("archive", _plan_periods, _period_entries),
    PageKind("page", _plan_pages, _page_entries),
    PageKind("feed", _plan_feeds, segments=(FEED_FILE,)),
    PageKind("search", _plan_search, segments=(SEARCH_SEGMENT,)),
    PageKind("404", _plan_not_found),
    PageKind("sitemap", _plan_sitemap, segments=("sitemap.xml",)),
    PageKind("robots", _plan_robots, segments=("robots.txt",)),
    PageKind("redirect", _plan_redirects),
    PageKind("asset", _plan_assets),
    PageKind("host", _plan_host_files),
    PageKind("static", _plan_static, collision_hint="rename or remove the file from static/"),
    PageKind("image", _plan_images, collision_hint="rename one of the photos"),
    PageKind("attachment", _plan_attachments, collision_hint="rename the file"),
)

# Besides pages, the output holds the theme's files and the search index.
OTHER_SEGMENTS = ("assets", "static", "pagefind")


def reserved_segments() -> set[str]:
    """First URL segments that pages or site files use: a taxonomy's segment may not be one of them."""
    return {segment for kind in PAGE_KINDS for segment in kind.segments} | set(OTHER_SEGMENTS)
