"""The orchestrator: config -> discover -> parse -> assemble -> plan -> render -> write -> search."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config import Config, load_config
from generator.content.discover import discover_sources
from generator.errors import BuildFailed, SourceError
from generator.output.search import SEARCH_DIR, SearchPage, bundle_is_complete
from generator.output.write import MARKER, WriteReport, journal_path, staging_dir
from generator.pool import cyclic_gc_paused
from generator.render.theme import Theme, load_theme, theme_files
from generator.report import Reporter
from generator.site.model import Source
from generator.state import OutputState, code_version, file_stamp, file_stamps, files_digest

if TYPE_CHECKING:
    from generator.output.write import OutputWriter
    from generator.preview.incremental import BuildSession
    from generator.render.render import Renderer
    from generator.site.model import Article, Site, StandalonePage, TermFile
    from generator.state import ParseCache

# The stages after discovery are imported by the functions that run them, not at the top: a build with
# nothing to do, the common case in deploy scripts and editor hooks, must not pay for loading Markdown,
# YAML, Jinja and the model's dataclasses (about 0.15 s, a quarter of a no-op build of 10,000 articles).


@dataclass
class BuildResult:
    config: Config
    site: Site | None  # None when nothing changed since the last build (nothing was assembled)
    pages: int
    write: WriteReport
    warnings: list[SourceError] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # output paths rendered by this build
    search_pages: list[SearchPage] = field(default_factory=list)  # the article pages: what search covers
    parsed: int = 0  # source files parsed by this build
    cached: int = 0  # source files taken from the parse cache
    articles: int = 0
    indexed: list[str] = field(default_factory=list)  # search shards indexed by this build
    quick: bool = False  # the previous build's model was updated in place (see incremental.py)


def build(root: Path, overrides: dict[str, Any] | None = None, reporter: Reporter | None = None,
          search: bool = True, now: datetime | None = None,
          index: Callable[..., None] | None = None, jobs: int = 1,
          session: BuildSession | None = None, changed: set[str] | None = None) -> BuildResult:
    """Build the site at `root` with `jobs` processes. Raises BuildFailed with every problem found.

    A `session` keeps the site model of this build in memory; the next build given the same session and
    the paths that `changed` since (relative to `root`) updates only what those paths touch when they are
    article edits that keep the site's structure (see incremental.py).
    """
    with cyclic_gc_paused():
        return _build(root, overrides, reporter or Reporter(), search, now or datetime.now(UTC), index, jobs,
                      session, changed)


def _build(root: Path, overrides: dict[str, Any] | None, reporter: Reporter, search: bool, now: datetime,
           index: Callable[..., None] | None, jobs: int, session: BuildSession | None,
           changed: set[str] | None) -> BuildResult:
    if session is not None and session.snapshot is not None and changed is not None:
        result = _quick_rebuild(session, root, overrides, reporter, now, changed)
        if result is not None:
            return result
    if session is not None:
        session.snapshot = None  # rebuilt below if this build succeeds
    inputs = read_inputs(root, overrides, reporter)
    # A session needs the model even when nothing changed: its next build starts from it.
    shortcut = None if session is not None else _unchanged_inputs(inputs, now, search and index is not None)
    if shortcut is not None:
        _summarise(reporter, shortcut, {})
        return shortcut
    return _full_build(root, overrides, reporter, search, now, index, jobs, session, inputs)


def _full_build(root: Path, overrides: dict[str, Any] | None, reporter: Reporter, search: bool, now: datetime,
                index: Callable[..., None] | None, jobs: int, session: BuildSession | None,
                inputs: Inputs) -> BuildResult:
    from generator.output.hosting import headers_file, host_files
    from generator.output.search import bundle_is_current, plan_shards
    from generator.output.write import OutputWriter, check_output_dir, recover
    from generator.pool import iter_tasks
    from generator.preview.incremental import Snapshot, inputs_stamp, source_directories
    from generator.render.render import Renderer
    from generator.render.theme import make_environment
    from generator.site.plan import page_urls_of, plan_jobs
    from generator.site.redirects import PERMALINKS, plan_redirects, published_urls
    from generator.state import load_state, save_state

    loaded = load_site(root, overrides, reporter, now, jobs, inputs)
    config, theme, site, problems = loaded.config, loaded.theme, loaded.site, loaded.problems
    output = check_output_dir(config.root / config.output_dir, config.root,
                              [config.content_dir, config.root / "themes"])
    recover(output)  # what a killed build left must be settled before judging which outputs are current
    with reporter.stage("plan"):
        planned, plan_problems = plan_jobs(config, site)
        # A file that failed to parse has not vanished: the guard only speaks on otherwise clean builds.
        failing = any(not problem.is_warning for problem in problems)
        published_before = {} if config.preview or failing else load_state(config, PERMALINKS, problems)
        redirects, redirect_problems = plan_redirects(config, site, published_before, page_urls_of(planned))
        if redirects:
            planned, plan_problems = plan_jobs(config, site, redirects)
        problems += plan_problems + redirect_problems
    _stop_on_errors(problems, config, reporter)
    with reporter.stage("render"):
        asset_files, asset_urls = theme.assets(config.base_path, hashed=not config.preview)
        renderer = Renderer(config, theme, make_environment(theme, config, asset_urls), asset_urls,
                            track_articles=session is not None)
        state = OutputState(config, output, problems)
        salt = f"{code_version()}|{config.digest}"
        writer = OutputWriter(output)  # holds changed pages while few, else streams them to staging
        report_progress = lambda done, total: reporter.progress("render", done, total)  # noqa: E731
        search_digests: dict[str, str] = {}
        if session is None and not state.fingerprints:
            # Every page renders: the workers hash each page as they render it, instead of this process
            # hashing all of them first while they wait (~1.5 s at 10,000 articles).
            fingerprints: dict[str, str] = {}
            unchanged: set[str] = set()
            rendered = iter_tasks(_render_and_hash_chunk, planned, jobs, (renderer, salt), report_progress)
            _write_rendered(_taking_hashes(rendered, fingerprints, search_digests), writer, config, reporter)
        else:
            fingerprints = {job.output_path: renderer.fingerprint(job) for job in planned}
            # An output whose fingerprint is unchanged, and still on disk, is not rendered again.
            folder = str(output)
            unchanged = {path for path, print_ in fingerprints.items()
                         if state.fingerprints.get(path) == print_ and os.path.isfile(os.path.join(folder, path))}
            to_render = [job for job in planned if job.output_path not in unchanged]
            _write_rendered(iter_tasks(_render_chunk, to_render, jobs, renderer, report_progress), writer, config,
                            reporter)
        for path, data in {**asset_files, **host_files(config, redirects)}.items():
            writer.add(path, data)
        if config.deploy.headers:
            writer.add("_headers", headers_file(config, writer.paths | unchanged))
    search_pages = [SearchPage(job.output_path, job.context["article"].summary.date.date(),
                               search_digests.get(job.output_path) or renderer.article_digest(job, salt))
                    for job in planned if job.kind == "article"]
    search_hook = None
    search_stale = False
    if search and config.search.enabled and index is not None:
        live_bundle = output / SEARCH_DIR
        search_stale = not bundle_is_current(live_bundle, plan_shards(search_pages, config.search.shard_size))

        def search_hook(tree: Path, in_place: bool) -> None:
            with reporter.stage("search"):
                indexed = index(config, tree, reporter, search_pages, previous=live_bundle,
                                work_dir=config.root / ".cache", jobs=jobs, in_place=in_place)
                result.indexed = indexed.indexed
    result = BuildResult(config, site, len(planned), WriteReport(), [p for p in problems if p.is_warning],
                         sorted(path for path in fingerprints if path not in unchanged), search_pages,
                         loaded.parsed, loaded.parse_cache.hits, len(site.articles))
    with reporter.stage("write"):
        result.write = writer.finish(keep=unchanged, keep_prefixes=(SEARCH_DIR + "/",), before_swap=search_hook,
                                     force=search_stale, previous=state.outputs)
        next_change = _next_change(loaded.future_dates, now)
        counts = {"articles": len(site.articles), "pages": len(planned)}
        state.save(fingerprints, writer.paths | unchanged,
                   _inputs_digest(config, theme, loaded.sources, search and index is not None, inputs.stamps),
                   next_change, counts)
        loaded.parse_cache.commit(compact_store=session is None)
    if not config.preview:
        save_state(config, PERMALINKS, published_urls(site, published_before, config))
    if session is not None:
        session.snapshot = Snapshot(
            config=config, inputs_stamp=inputs_stamp(config, theme),
            sources={os.path.normpath(source.path): source for source in loaded.sources},
            directories=source_directories(loaded.sources, config.content_dir),
            articles={article.source_path: article for article in loaded.articles}, site=site,
            positions={view.source_path: position for position, view in enumerate(site.articles)},
            planned=planned, job_index={job.output_path: position for position, job in enumerate(planned)},
            fingerprints=fingerprints, outputs=writer.paths | unchanged, renderer=renderer, state=state,
            output=output, search_pages=search_pages, warnings=result.warnings,
            next_change=next_change, salt=salt, counts=counts)
    _summarise(reporter, result, reporter.timings)
    return result


def _quick_rebuild(session: BuildSession, root: Path, overrides: dict[str, Any] | None, reporter: Reporter,
                   now: datetime, changed: set[str]) -> BuildResult | None:
    """Rebuild from the session's snapshot when `changed` are only article edits that keep the site's
    structure; None when a full build is needed. Any failure drops the snapshot."""
    from generator.output.write import OutputWriter
    from generator.preview.incremental import (
        apply_article_edit,
        changed_sources,
        inputs_stamp,
        keeps_its_place,
        search_page,
    )
    from generator.site.model import Article
    from generator.site.urls import output_path

    snapshot = session.snapshot
    with reporter.stage("config"):
        config = load_config(root, overrides)
        if config.digest != snapshot.config.digest or inputs_stamp(config, load_theme(config)) != snapshot.inputs_stamp:
            return None
    if snapshot.next_change and datetime.fromisoformat(snapshot.next_change) <= now:
        return None  # a future-dated article fell due
    if not (snapshot.output / MARKER).is_file():
        return None  # the output folder was removed or replaced: build it again
    sources = changed_sources(snapshot, config.root, changed)
    if not sources:
        return None
    with reporter.stage("parse"):
        results = _parse_chunk(snapshot.config, sources)
    articles = [value for value, _, _ in results]
    problems = [problem for _, found, _ in results for problem in found]
    if any(not problem.is_warning for problem in problems) or not all(isinstance(a, Article) for a in articles):
        return None  # the full build reports the errors
    if not all(keeps_its_place(snapshot, article) for article in articles):
        return None
    edited = {source.display_path for source in sources}
    warnings = [warning for warning in snapshot.warnings if warning.path not in edited] + problems
    _stop_on_errors(warnings, snapshot.config, reporter)
    session.snapshot = None  # until the update below has fully landed (any failure leaves it dropped)
    with reporter.stage("plan"):
        affected = {page for article in articles for page in apply_article_edit(snapshot, article)}
    with reporter.stage("render"):
        to_render = []
        for path in sorted(affected):
            job = snapshot.planned[snapshot.job_index[path]]
            fingerprint = snapshot.renderer.fingerprint(job)
            if fingerprint != snapshot.fingerprints.get(path):
                snapshot.fingerprints[path] = fingerprint
                to_render.append(job)
        writer = OutputWriter(snapshot.output)
        _write_rendered(_render_chunk(snapshot.renderer, to_render), writer, snapshot.config, reporter)
    search_positions = {page.path: position for position, page in enumerate(snapshot.search_pages)}
    for article in articles:
        path = output_path(snapshot.config, snapshot.site.articles[snapshot.positions[article.source_path]].summary.url)
        if path in search_positions:
            snapshot.search_pages[search_positions[path]] = search_page(snapshot, path)
    with reporter.stage("write"):
        report = writer.finish(keep=snapshot.outputs - writer.paths, previous=snapshot.outputs)
        # No inputs digest: the next build in a new process checks everything again.
        snapshot.state.save(snapshot.fingerprints, snapshot.outputs, "", snapshot.next_change, snapshot.counts)
    snapshot.warnings = warnings
    session.snapshot = snapshot
    result = BuildResult(snapshot.config, snapshot.site, len(snapshot.planned), report, warnings,
                         sorted(job.output_path for job in to_render), list(snapshot.search_pages),
                         parsed=len(sources), cached=len(snapshot.sources) - len(sources),
                         articles=len(snapshot.site.articles), quick=True)
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
    sources: list[Source]
    future_dates: list[datetime]  # of articles held back as future-dated: when they are due, the site changes
    articles: list[Article] = field(default_factory=list)  # as parsed, published or not


@dataclass
class Inputs:
    """What a build reads before parsing: the config, the theme chain, the content files."""

    config: Config
    theme: Theme
    sources: list[Source]
    problems: list[SourceError]
    # Each source's stat, taken once before anything is read: the no-op check, the parse cache and the
    # saved inputs digest all use it (a file saved during the build then differs at the next one).
    stamps: dict[str, tuple | None] = field(default_factory=dict)


def read_inputs(root: Path, overrides: dict[str, Any] | None, reporter: Reporter) -> Inputs:
    with reporter.stage("config"):
        config = load_config(root, overrides)
        theme = load_theme(config)
    with reporter.stage("discover"):
        sources, problems = discover_sources(config)
        stamps = file_stamps(source.path for source in sources)
    return Inputs(config, theme, sources, problems, stamps)


def load_site(root: Path, overrides: dict[str, Any] | None, reporter: Reporter,
              now: datetime | None = None, jobs: int = 1, inputs: Inputs | None = None) -> LoadedSite:
    """The first stages, shared by `build` and `check`: config, discover, parse, assemble."""
    from generator.site.assemble import assemble_site
    from generator.state import DerivedCache, ParseCache

    now = now or datetime.now(UTC)
    inputs = inputs or read_inputs(root, overrides, reporter)
    config, theme, sources, problems = inputs.config, inputs.theme, inputs.sources, list(inputs.problems)
    with reporter.stage("parse"):
        cache = ParseCache.open(config, problems)
        articles, pages, term_files, parse_problems = parse_sources(sources, config, cache, jobs, reporter,
                                                                    inputs.stamps)
        problems += parse_problems
    with reporter.stage("assemble"):
        site, assemble_problems = assemble_site(config, articles, pages, term_files, now.astimezone(config.tz),
                                                DerivedCache(config, "related.pickle", problems))
        problems += assemble_problems
    future = [a.date for a in articles if a.date > now.astimezone(config.tz)]
    return LoadedSite(config, theme, site, problems, cache, len(sources) - cache.hits, sources, future, articles)


def parse_sources(sources: list[Source], config: Config, cache: ParseCache | None = None, jobs: int = 1,
                  reporter: Reporter | None = None, stamps: dict[str, tuple | None] | None = None) -> tuple[
        list[Article], list[StandalonePage], list[TermFile], list[SourceError]]:
    """Parse every source (cache misses only, in `jobs` processes), in the sources' order.

    `stamps`: each source's `file_stamp`, when the caller has taken them."""
    from generator.pool import run_tasks

    # Stats taken before parsing: a file saved while it is parsed then differs at the next build.
    stamps = {source.path: (stamps or {}).get(source.path) or file_stamp(source.path) for source in sources} \
        if cache else {}
    results: dict[str, tuple] = {}
    missing = []
    for source in sources:
        cached = cache.get(source.source_path, source.path, stamps[source.path]) if cache else None
        if cached is None:
            missing.append(source)
        else:
            results[source.source_path] = cached
    progress = (lambda done, total: reporter.progress("parse", done, total)) if reporter else None
    for source, (value, problems, digest) in zip(missing, run_tasks(_parse_chunk, missing, jobs, config, progress),
                                                 strict=True):
        results[source.source_path] = (value, problems)
        if cache:
            cache.put(source.source_path, stamps[source.path], digest, (value, problems))
    buckets: dict[str, list] = {"article": [], "page": [], "term": []}
    problems: list[SourceError] = []
    for source in sources:
        value, found = results[source.source_path]
        problems += found
        if value is not None:
            buckets[source.kind].append(value)
    return buckets["article"], buckets["page"], buckets["term"], problems


def _parse_chunk(config: Config, sources: list[Source]) -> list[tuple]:
    """(value, problems, digest of the bytes parsed or None) per source, article bodies moved to the body
    store (runs in workers). The digest is of the very bytes parsed, for the parse cache."""
    import hashlib

    from generator.content.bodies import BODIES_DIR, BodyPack
    from generator.content.discover import read_source_bytes
    from generator.content.parse import parse_article, parse_page, parse_term_file
    from generator.errors import ContentError
    from generator.site.model import Article
    from generator.state import CACHE_DIR

    parsers = {"article": parse_article, "page": parse_page, "term": parse_term_file}
    results = []
    with BodyPack(config.root / CACHE_DIR / BODIES_DIR) as pack:
        for source in sources:
            try:
                data = read_source_bytes(source)
            except ContentError as exc:
                results.append((None, [exc.error], None))
                continue
            value, problems = parsers[source.kind](source, config, data)
            if isinstance(value, Article):
                value = replace(value, body_html=pack.add(value.body_html))
            results.append((value, problems, hashlib.sha256(data).hexdigest()))
    return results


def _render_chunk(renderer: Renderer, jobs: list) -> list[tuple]:
    """(output path, bytes, None) or (output path, None, located error) per job: runs in workers."""
    results = []
    for job in jobs:
        try:
            results.append((job.output_path, renderer.render_job(job).data, None))
        except Exception as exc:  # noqa: BLE001 - every template failure becomes a located error
            results.append((job.output_path, None, renderer.template_error(job, exc)))
    return results


def _render_and_hash_chunk(shared: tuple[Renderer, str], jobs: list) -> list[tuple]:
    """_render_chunk's results, each with the job's fingerprint and, for an article page, its search
    digest (runs in workers)."""
    renderer, salt = shared
    return [(*result, renderer.fingerprint(job), renderer.article_digest(job, salt) if job.kind == "article" else None)
            for job, result in zip(jobs, _render_chunk(renderer, jobs), strict=True)]


def _taking_hashes(results: Iterable[tuple], fingerprints: dict[str, str],
                   search_digests: dict[str, str]) -> Iterator[tuple]:
    """_render_and_hash_chunk's results as _render_chunk's, the hashes kept in the two dictionaries."""
    for path, data, error, fingerprint, search_digest in results:
        fingerprints[path] = fingerprint
        if search_digest is not None:
            search_digests[path] = search_digest
        yield path, data, error


def _write_rendered(results: Iterable[tuple], writer: OutputWriter, config: Config, reporter: Reporter) -> None:
    """Hand rendered pages to the writer; on any template error, drop them all and fail with every error."""
    problems = []
    for path, data, error in results:
        if error is None:
            writer.add(path, data)
        else:
            problems.append(error)
    if problems:
        writer.abandon()
    _stop_on_errors(problems, config, reporter)


def _stop_on_errors(problems: list[SourceError], config: Config, reporter: Reporter) -> None:
    errors = [p for p in problems if not p.is_warning or config.strict]
    if errors:
        raise BuildFailed([p.as_error() for p in errors] + [p for p in problems if p.is_warning and not config.strict])
    for problem in sorted(problems, key=SourceError.sort_key):
        reporter.problem(problem)


def _inputs_digest(config: Config, theme: Theme, sources: list[Source], search: bool,
                   stamps: dict[str, tuple | None]) -> str:
    """Everything a build reads, by file stat: equal digests (and no embargo due) mean equal outputs."""
    paths = [source.path for source in sources] + theme_files(theme)
    return files_digest(f"{code_version()}|{config.digest}|{search}|{config.root}", paths, stamps)


def _next_change(future_dates: list[datetime], now: datetime) -> str | None:
    """When time alone changes the site: the next future-dated article falls due (published, or unbadged)."""
    upcoming = [date for date in future_dates if date > now]
    return min(upcoming).isoformat() if upcoming else None


def _unchanged_inputs(inputs: Inputs, now: datetime, search: bool) -> BuildResult | None:
    """The previous result when nothing a build reads has changed since it; None means build."""
    config, theme, sources = inputs.config, inputs.theme, inputs.sources
    if inputs.problems:
        return None  # warnings must be shown again
    output = config.root / config.output_dir
    leftovers = (staging_dir(output), output.parent / f".{output.name}.old", journal_path(output))
    if not (output / MARKER).is_file() or any(path.exists() for path in leftovers):
        return None  # a first build, or a killed one to recover from
    state = OutputState(config, output, [])
    if not state.inputs or state.inputs != _inputs_digest(config, theme, sources, search, inputs.stamps):
        return None
    if state.next_change and datetime.fromisoformat(state.next_change) <= now:
        return None
    folder = str(output)
    if not all(os.path.isfile(os.path.join(folder, path)) for path in state.outputs or ()):
        return None  # someone removed output files: put them back
    if search and config.search.enabled and state.counts.get("articles") \
            and not bundle_is_complete(output / SEARCH_DIR):
        return None  # someone removed search shards
    counts = state.counts
    return BuildResult(config, None, counts.get("pages", 0), WriteReport(unchanged=len(state.outputs or ())),
                       cached=len(sources), articles=counts.get("articles", 0))


def _summarise(reporter: Reporter, result: BuildResult, timings: dict[str, float]) -> None:
    report, site = result.write, result.site
    reporter.info(f"{result.articles} articles, {result.pages} pages: {result.parsed} parsed "
                  f"({result.cached} cached), {len(result.rendered)} rendered "
                  f"({result.pages - len(result.rendered)} unchanged), {len(report.written)} written, "
                  f"{len(report.pruned)} removed")
    if site and site.excluded_future:
        reporter.info(f"{site.excluded_future} future-dated article(s) not published (use --future to include)")
    if site and site.excluded_drafts:
        reporter.info(f"{site.excluded_drafts} draft(s) not published (use --drafts to include)")
    if site is None:
        reporter.info("nothing changed since the last build")
    if timings:
        reporter.detail("  " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items())
                        + f"; total {sum(timings.values()) * 1000:.0f} ms")
