"""The orchestrator: config -> discover -> parse -> assemble -> plan -> render -> write -> search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .assemble import assemble_site
from .config import Config, load_config
from .discover import discover_sources
from .errors import BuildFailed, SourceError
from .hosting import headers_file, host_files
from .model import Article, Site, Source, StandalonePage, TermFile
from .parse import parse_article, parse_page, parse_term_file
from .plan import page_urls_of, plan_jobs
from .redirects import PERMALINKS, plan_redirects, published_urls
from .render import Renderer
from .report import Reporter
from .state import OutputState, ParseCache, load_state, save_state
from .theme import Theme, load_theme, make_environment
from .write import WriteReport, check_output_dir, write_outputs


@dataclass
class BuildResult:
    config: Config
    site: Site
    pages: int
    write: WriteReport
    warnings: list[SourceError] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # output paths rendered by this build
    article_pages: list[str] = field(default_factory=list)  # output paths: what the search index covers
    parsed: int = 0  # source files parsed by this build
    cached: int = 0  # source files taken from the parse cache


def build(root: Path, overrides: dict[str, Any] | None = None, reporter: Reporter | None = None,
          search: bool = True, now: datetime | None = None,
          index: Callable[..., None] | None = None) -> BuildResult:
    """Build the site at `root`. Raises BuildFailed with every problem when anything is wrong."""
    reporter = reporter or Reporter()
    loaded = load_site(root, overrides, reporter, now)
    config, theme, site, problems = loaded.config, loaded.theme, loaded.site, loaded.problems
    output = check_output_dir(config.root / config.output_dir, config.root,
                              [config.content_dir, config.root / "themes"])
    with reporter.stage("plan"):
        jobs, plan_problems = plan_jobs(config, site)
        # A file that failed to parse has not vanished: the guard only speaks on otherwise clean builds.
        failing = any(not problem.is_warning for problem in problems)
        published_before = {} if config.preview or failing else load_state(config, PERMALINKS, problems)
        redirects, redirect_problems = plan_redirects(config, site, published_before, page_urls_of(jobs))
        if redirects:
            jobs, plan_problems = plan_jobs(config, site, redirects)
        problems += plan_problems + redirect_problems
    _stop_on_errors(problems, config, reporter)
    with reporter.stage("render"):
        asset_files, asset_urls = theme.assets(config.base_path, hashed=not config.preview)
        renderer = Renderer(config, theme, make_environment(theme, config, asset_urls), asset_urls)
        state = OutputState(config, output, problems)
        fingerprints = {job.output_path: renderer.fingerprint(job) for job in jobs}
        # An output whose fingerprint is unchanged, and still on disk, is not rendered again.
        unchanged = {path for path, print_ in fingerprints.items()
                     if state.fingerprints.get(path) == print_ and (output / path).is_file()}
        files: dict[str, bytes] = {}
        render_problems = []
        for job in jobs:
            if job.output_path in unchanged:
                continue
            try:
                files[job.output_path] = renderer.render_job(job).data
            except Exception as exc:  # noqa: BLE001 - every template failure becomes a located error
                render_problems.append(renderer.template_error(job, exc))
        _stop_on_errors(render_problems, config, reporter)
        files.update(asset_files)
        files.update(host_files(config, redirects))
        if config.deploy.headers:
            files["_headers"] = headers_file(config, files)
    search_hook = None
    if search and config.search.enabled and index is not None:
        article_pages = [job.output_path for job in jobs if job.kind == "article"]

        def search_hook(staging: Path, _report: WriteReport) -> None:
            with reporter.stage("search"):
                index(config, staging, reporter, article_pages, work_dir=config.root / ".cache")
    with reporter.stage("write"):
        report = write_outputs(output, files, keep=unchanged, keep_prefixes=("pagefind/",),
                               before_swap=search_hook,
                               force=search_hook is not None and not (output / "pagefind").is_dir())
        state.save(fingerprints)
        loaded.parse_cache.commit()
    if not config.preview:
        save_state(config, PERMALINKS, published_urls(site, published_before, config))
    rendered = sorted(path for path in fingerprints if path not in unchanged)
    result = BuildResult(config, site, len(jobs), report, [p for p in problems if p.is_warning], rendered,
                         [job.output_path for job in jobs if job.kind == "article"], loaded.parsed,
                         loaded.parse_cache.hits)
    _summarise(reporter, result, reporter.timings)
    return result


@dataclass
class LoadedSite:
    config: Config
    theme: Theme
    site: Site
    problems: list[SourceError]
    parse_cache: ParseCache
    parsed: int


def load_site(root: Path, overrides: dict[str, Any] | None, reporter: Reporter,
              now: datetime | None = None) -> LoadedSite:
    """The first stages, shared by `build` and `check`: config, discover, parse, assemble."""
    now = now or datetime.now(UTC)
    with reporter.stage("config"):
        config = load_config(root, overrides)
        theme = load_theme(config)
    with reporter.stage("discover"):
        sources, problems = discover_sources(config)
    with reporter.stage("parse"):
        cache = ParseCache.open(config, problems)
        articles, pages, term_files, parse_problems = parse_sources(sources, config, cache)
        problems += parse_problems
    with reporter.stage("assemble"):
        site, assemble_problems = assemble_site(config, articles, pages, term_files, now.astimezone(config.tz))
        problems += assemble_problems
    return LoadedSite(config, theme, site, problems, cache, len(sources) - cache.hits)


def parse_sources(sources: list[Source], config: Config, cache: ParseCache | None = None) -> tuple[
        list[Article], list[StandalonePage], list[TermFile], list[SourceError]]:
    """Parse every source, through the parse cache when given."""
    articles, pages, term_files, problems = [], [], [], []
    parsers = {"article": (parse_article, articles), "page": (parse_page, pages),
               "term": (parse_term_file, term_files)}
    for source in sources:
        parse, bucket = parsers[source.kind]
        result = cache.get(source.source_path, source.path) if cache else None
        if result is None:
            result = parse(source, config)
            if cache:
                cache.put(source.source_path, source.path, result)
        value, found = result
        problems += found
        if value is not None:
            bucket.append(value)
    return articles, pages, term_files, problems


def _stop_on_errors(problems: list[SourceError], config: Config, reporter: Reporter) -> None:
    errors = [p for p in problems if not p.is_warning or config.strict]
    if errors:
        raise BuildFailed([p.as_error() for p in errors] + [p for p in problems if p.is_warning and not config.strict])
    for problem in sorted(problems, key=SourceError.sort_key):
        reporter.problem(problem)


def _summarise(reporter: Reporter, result: BuildResult, timings: dict[str, float]) -> None:
    report, site = result.write, result.site
    reporter.info(f"{len(site.articles)} articles, {result.pages} pages: {result.parsed} parsed "
                  f"({result.cached} cached), {len(result.rendered)} rendered "
                  f"({result.pages - len(result.rendered)} unchanged), {len(report.written)} written, "
                  f"{len(report.pruned)} removed")
    if site.excluded_future:
        reporter.info(f"{site.excluded_future} future-dated article(s) not published (use --future to include)")
    if site.excluded_drafts:
        reporter.info(f"{site.excluded_drafts} draft(s) not published (use --drafts to include)")
    reporter.detail("  " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items())
                    + f"; total {sum(timings.values()) * 1000:.0f} ms")
