"""`Site` -> one `Job` per output file, each with an explicit context of plain data.

A template only sees what its job's context holds (plus small site globals), never the whole site: a
page's output is a function of its context, which is what makes fingerprints and incremental builds sound.
What each kind of page plans is declared in site/kinds.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from generator.config import Config
from generator.errors import SourceError
from generator.site.contexts import MenuItem, SiteGlobals, TaxonomyInfo
from generator.site.kinds import PAGE_KINDS, Planning
from generator.site.model import Job, Site
from generator.site.redirects import Redirect
from generator.site.urls import archives_url, feed_url, home_url, search_url, taxonomy_url, url_of_output


def plan_jobs(config: Config, site: Site, redirects: Sequence[Redirect] = (),
              assets: Mapping[str, bytes] | None = None) -> tuple[list[Job], list[SourceError]]:
    """Every output file of the site (`assets`: the theme's files, output path -> bytes); duplicate output
    paths are errors naming both origins."""
    planning = Planning(config, site, site_globals(config, site), redirects, assets or {})
    jobs: list[Job] = []
    origins: dict[str, str] = {}
    problems: list[SourceError] = []
    for kind in PAGE_KINDS:
        for planned in kind.plan(planning):
            if isinstance(planned, SourceError):
                problems.append(planned)
                continue
            job, origin = planned
            taken = next((path for path in job.files if path in origins), None) if job.also else \
                (job.output_path if job.output_path in origins else None)
            if taken is not None:
                problems.append(SourceError(origin, None, None, f"writes {taken}, which {origins[taken]} also writes",
                                            kind.collision_hint))
                continue
            for path in job.files:
                origins[path] = origin
            jobs.append(job)
    return jobs, problems


def site_globals(config: Config, site: Site) -> SiteGlobals:
    taxonomies = tuple(TaxonomyInfo(t.name, t.title, t.singular, taxonomy_url(config, t), t.filter, t.byline)
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
        byline=next((t.name for t in config.taxonomies if t.byline), None),
        recency_boost=config.search.recency_boost,
        default_image=site.default_image,
    )


def page_urls_of(config: Config, jobs: Sequence[Job]) -> set[str]:
    """The URLs of the HTML pages planned: what a redirect may not shadow."""
    return {url_of_output(config, job.output_path) for job in jobs if job.renderer == "html"}
