"""The orchestrator: config -> discover -> parse -> assemble -> plan -> render -> write -> search.

`build()` reads as the list of stages; each helper below runs one of them. The stages after discovery are
imported by the functions that run them, not at the top: a build with nothing to do, the common case in
deploy scripts and editor hooks, must not pay for loading Markdown, YAML, Jinja and the model's
dataclasses (about 0.15 s, a quarter of a no-op build of 10,000 articles).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cache import CACHE_DIR, code_version, file_stamp, file_stamps
from generator.config import Config, load_config, require_base_url, taxonomy_conflicts
from generator.content.discover import walk_site
from generator.content.values import Source
from generator.errors import BuildFailed, SourceError
from generator.noop import Inputs, inputs_digest, next_change, unchanged_result
from generator.options import BuildMemory, BuildOptions
from generator.output.search_layout import SEARCH_DIR, SearchPage
from generator.output.write import WriteReport
from generator.pool import cyclic_gc_paused
from generator.render.theme import load_theme
from generator.report import Reporter
from generator.result import BuildResult, BuiltSite
from generator.resume import resume_build

if TYPE_CHECKING:
    from generator.content.parse_cache import ParseCache
    from generator.output.state import OutputState
    from generator.output.write import OutputWriter
    from generator.render.render import Renderer
    from generator.render.theme import Theme
    from generator.site.model import Article, Job, Site, StandalonePage, TermFile
    from generator.site.redirects import Redirect


def build(root: Path, options: BuildOptions | None = None, *, reporter: Reporter | None = None) -> BuildResult:
    """Build the site at `root`. Raises BuildFailed with every problem found."""
    options = options or BuildOptions()
    reporter = reporter or Reporter()
    now = options.now or datetime.now(UTC)
    with cyclic_gc_paused():
        inputs = read_inputs(root, options, reporter)
        # A process keeping the model needs it even when nothing changed: its next build starts from it.
        unchanged = None if options.keep_model else unchanged_result(inputs, now, options.search, options.jobs)
        if unchanged is not None:
            return summarise(reporter, unchanged)
        resumed = resume_build(inputs, options, reporter, now)
        if resumed is not None:
            return summarise(reporter, resumed)
        loaded = load_site(inputs, reporter, now, options.jobs, options.memory)
        output = prepare_output(loaded.config)
        photos = start_site_images(loaded, options, reporter)
        try:
            plan = plan_site(loaded, reporter)
            stop_on_errors(loaded.problems, loaded.config, reporter)
            rendered = render_site(loaded, plan, output, options, reporter)
        except BuildFailed as failed:
            raise BuildFailed([*failed.errors, *photos()]) from None  # every problem of the build at once
        finish_site_images(photos, rendered.writer, loaded, reporter)
        # The preview indexes in the background, from what its builds tell it; a build without search needs none.
        searched = options.keep_model or (options.search and loaded.config.search.enabled)
        search_pages = search_pages_of(plan.jobs, rendered.renderer, rendered.search_digests, rendered.salt) \
            if searched else []
        result = write_site(loaded, plan, rendered, search_pages, output, options, reporter)
        save_published(loaded.config, loaded.site, plan)
        if options.keep_model:
            result.model = built_site(loaded, plan, rendered, output)
        else:
            with reporter.stage("store"):
                store_model(loaded, plan, rendered, result, output, options)
        return summarise(reporter, result)


# --- Read and load: config, discover, parse, assemble ----------------------------------------------------


def read_inputs(root: Path, options: BuildOptions, reporter: Reporter) -> Inputs:
    """What a build reads before parsing: the config, the theme chain, the content files and their stats."""
    with reporter.stage("config"):
        config = load_config(root, dict(options.overrides))
        require_base_url(config)
        theme = load_theme(config)
    with reporter.stage("discover"):
        walked = walk_site(config)
        stamps = file_stamps(source.path for source in walked.sources)
    return Inputs(config, theme, walked.sources, walked.problems, stamps, walked.static_files, walked.bundle_files)


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
    articles: list[Article]  # as parsed, published or not
    inputs: Inputs
    now: datetime  # the build's clock, in the site's time zone
    memory: BuildMemory | None = None


def load_site(inputs: Inputs, reporter: Reporter, now: datetime | None = None, jobs: int = 1,
              memory: BuildMemory | None = None) -> LoadedSite:
    """The stages shared by `build` and `check`: parse (cache misses only, in `jobs` processes), assemble."""
    from generator.cache import DerivedCache
    from generator.content.parse_cache import ParseCache
    from generator.site.assemble import assemble_site

    now = (now or datetime.now(UTC)).astimezone(inputs.config.tz)
    config, problems = inputs.config, list(inputs.problems) + taxonomy_conflicts(inputs.config)
    with reporter.stage("parse"):
        cache = ParseCache.open(config, problems, memory)
        articles, pages, term_files, parse_problems = parse_sources(inputs.sources, config, cache, jobs, reporter,
                                                                    inputs.stamps, inputs.parsed)
        problems += parse_problems
    with reporter.stage("assemble"):
        site, assemble_problems = assemble_site(config, articles, pages, term_files, now,
                                                DerivedCache(config, "related.pickle", problems, memory),
                                                inputs.static_files, inputs.bundle_files)
        problems += assemble_problems
    future = [article.date for article in articles if article.date > now]
    return LoadedSite(config, inputs.theme, site, problems, cache, len(inputs.sources) - cache.hits, inputs.sources,
                      future, articles, inputs, now, memory)


def parse_sources(sources: list[Source], config: Config, cache: ParseCache | None = None, jobs: int = 1,
                  reporter: Reporter | None = None, stamps: dict[str, tuple | None] | None = None,
                  parsed: dict[str, tuple] | None = None) -> tuple[
        list[Article], list[StandalonePage], list[TermFile], list[SourceError]]:
    """Parse every source (cache misses only, in `jobs` processes), in the sources' order.

    `stamps`: each source's `file_stamp`, when the caller has taken them; `parsed`: parse_chunk's result
    for sources already parsed by this build (source path -> result)."""
    from generator.pool import run_tasks

    # Stats taken before parsing: a file saved while it is parsed then differs at the next build.
    stamps = {source.path: (stamps or {}).get(source.path) or file_stamp(source.path) for source in sources} \
        if cache else {}
    results: dict[str, tuple] = {}
    missing = []
    parsed = parsed or {}
    for source in sources:
        cached = cache.get(source.source_path, source.path, stamps[source.path]) \
            if cache and source.path not in parsed else None
        if cached is None:
            missing.append(source)
        else:
            results[source.source_path] = cached
    progress = (lambda done, total: reporter.progress("parse", done, total)) if reporter else None
    to_parse = [source for source in missing if source.path not in parsed]
    done = dict(zip((source.path for source in to_parse), run_tasks(parse_chunk, to_parse, jobs, config, progress),
                    strict=True))
    for source in missing:
        value, problems, digest, depends = parsed.get(source.path) or done[source.path]
        results[source.source_path] = (value, problems)
        if cache:
            cache.put(source.source_path, stamps[source.path], digest, (value, problems), depends)
    buckets: dict[str, list] = {"article": [], "page": [], "term": []}
    problems: list[SourceError] = []
    for source in sources:
        value, found = results[source.source_path]
        problems += found
        if value is not None:
            buckets[source.kind].append(value)
    return buckets["article"], buckets["page"], buckets["term"], problems


def parse_chunk(config: Config, sources: list[Source]) -> list[tuple]:
    """(value, problems, digest of the bytes parsed or None, other files read with their stats) per source,
    article bodies moved to the body store (runs in workers). The digest is of the very bytes parsed, for
    the parse cache."""
    import hashlib
    from dataclasses import replace

    from generator.cache import CACHE_DIR
    from generator.content.bodies import BODIES_DIR, BodyPack
    from generator.content.discover import read_source_bytes
    from generator.content.parse import parse_article, parse_page, parse_term_file
    from generator.errors import ContentError
    from generator.site.model import Article

    parsers = {"article": parse_article, "page": parse_page, "term": parse_term_file}
    results = []
    with BodyPack(config.root / CACHE_DIR / BODIES_DIR) as pack:
        for source in sources:
            try:
                data = read_source_bytes(source)
            except ContentError as exc:
                results.append((None, [exc.error], None, ()))
                continue
            depends: list[tuple[str, tuple | None]] = []
            if source.kind == "article":
                value, problems = parse_article(source, config, data, depends)
            else:
                value, problems = parsers[source.kind](source, config, data)
            if isinstance(value, Article):
                value = replace(value, body_html=pack.add(value.body_html))
            results.append((value, problems, hashlib.sha256(data).hexdigest(), tuple(depends)))
    return results


# --- Plan ------------------------------------------------------------------------------------------------


def prepare_output(config: Config) -> Path:
    """The output folder, checked to be ours, with whatever a killed build left settled."""
    from generator.output.write import check_output_dir, recover

    output = check_output_dir(config.root / config.output_dir, config.root,
                              [config.content_dir, config.root / "themes"])
    recover(output)  # what a killed build left must be settled before judging which outputs are current
    return output


@dataclass(frozen=True)
class SitePlan:
    jobs: list[Job]
    redirects: list[Redirect]
    published_before: dict[str, str]  # URL -> source path, as the permalink record has them
    asset_urls: dict[str, str]  # the theme's files: name -> URL, for templates' asset()


def plan_site(loaded: LoadedSite, reporter: Reporter) -> SitePlan:
    """Every output of the site, redirects for URLs published earlier included; problems go to `loaded`."""
    from generator.cache import load_state
    from generator.site.plan import page_urls_of, plan_jobs
    from generator.site.redirects import PERMALINKS, plan_redirects

    config, site, problems = loaded.config, loaded.site, loaded.problems
    with reporter.stage("plan"):
        asset_files, asset_urls = loaded.theme.assets(config.base_path, hashed=not config.preview)
        planned, plan_problems = plan_jobs(config, site, (), asset_files)
        # A file that failed to parse has not vanished: the guard only speaks on otherwise clean builds.
        failing = any(not problem.is_warning for problem in problems)
        published_before = {} if config.preview or failing else load_state(config, PERMALINKS, problems)
        redirects, redirect_problems = plan_redirects(config, site, published_before, page_urls_of(config, planned))
        if redirects:
            planned, plan_problems = plan_jobs(config, site, redirects, asset_files)
        problems += plan_problems + redirect_problems
    return SitePlan(planned, redirects, published_before, asset_urls)


# --- Images ----------------------------------------------------------------------------------------------


def start_site_images(loaded: LoadedSite, options: BuildOptions, reporter: Reporter) -> Callable[[], list]:
    """Start making the renditions of new or changed photos, in a process of its own while pages render
    (pages need only their sizes, known since parsing, and outputs link to them once written); returns
    what waits for the problems."""
    from generator.output.images import make_images, missing_images
    from generator.pool import BackgroundDied, in_background

    config, jobs = loaded.config, options.jobs
    if any(not problem.is_warning or config.strict for problem in loaded.problems):
        return list  # the build stops before writing anything: its photos can wait for the next one
    todo = missing_images(config, loaded.site)
    if not todo:
        return list
    reporter.detail(f"  {len(todo)} photo(s) to process")
    if jobs <= 1:
        return lambda: make_images(config, todo, jobs)
    _import_pillow()  # here, not in the child: a lock another thread holds at the fork would stay held there
    waiting = in_background(lambda arguments: make_images(*arguments), (config, todo, jobs))

    def problems() -> list:
        try:
            return waiting()
        except BackgroundDied as died:  # out of memory, or a decoder crashed: name what it was making
            return [SourceError(origin, None, None, f"{file.display_path}: cannot be processed: the process "
                                f"making the photos ended ({died.reason})",
                                "build again with -j 1 to find the photo; a photo that crashes the decoder "
                                "should be exported again as JPEG or PNG") for origin, file in todo]

    return problems


def _import_pillow() -> None:
    import concurrent.futures  # noqa: F401

    from PIL import Image, ImageCms, ImageOps  # noqa: F401


def finish_site_images(photos: Callable[[], list], writer: OutputWriter, loaded: LoadedSite,
                       reporter: Reporter) -> None:
    """Wait for the photos started by start_site_images; stop on their problems, writing nothing."""
    with reporter.stage("images"):
        problems = photos()
    if problems:
        writer.abandon()
    stop_on_errors(problems, loaded.config, reporter)


# --- Render ----------------------------------------------------------------------------------------------


@dataclass
class RenderedSite:
    renderer: Renderer
    writer: OutputWriter  # holds what changed, for the write stage
    fingerprints: dict[str, str]
    unchanged: set[str]  # jobs whose fingerprint is the last build's, their files still on disk: not rendered
    kept: set[str]  # the files of those jobs
    state: OutputState
    salt: str  # the config and code versions
    search_digests: dict[str, str]  # taken by the workers of a first build


def render_site(loaded: LoadedSite, plan: SitePlan, output: Path, options: BuildOptions,
                reporter: Reporter) -> RenderedSite:
    """Render every output whose fingerprint changed; the others are kept as they are on disk."""
    import os

    from generator.output.hosting import headers_file
    from generator.output.state import OutputState
    from generator.output.write import OutputWriter
    from generator.pool import iter_tasks
    from generator.render.render import Renderer, render_and_hash_chunk, render_chunk
    from generator.render.theme import make_environment

    config, theme = loaded.config, loaded.theme
    with reporter.stage("render"):
        renderer = Renderer(config, theme, make_environment(theme, config, plan.asset_urls, loaded.memory),
                            plan.asset_urls, track_articles=options.keep_model)
        load_closures(renderer, loaded, plan)
        state = OutputState(config, output, loaded.problems)
        salt = render_salt(config)
        writer = OutputWriter(output)  # holds changed pages while few, else streams them to staging
        progress = lambda done, total: reporter.progress("render", done, total)  # noqa: E731
        fingerprints: dict[str, str] = {}
        search_digests: dict[str, str] = {}
        unchanged: set[str] = set()
        if not options.keep_model and not state.fingerprints:
            # Every page renders: the workers hash each page as they render it, instead of this process
            # hashing all of them first while they wait (~1.5 s at 10,000 articles).
            results = iter_tasks(render_and_hash_chunk, spread(plan.jobs), options.jobs, (renderer, salt), progress)
            write_rendered(_taking_hashes(results, fingerprints, search_digests), writer, config, reporter)
        else:
            fingerprints = fingerprint_jobs(renderer, plan.jobs, salt if options.search else None, options.jobs,
                                            search_digests)
            folder = str(output)
            unchanged = {job.output_path for job in plan.jobs
                         if state.fingerprints.get(job.output_path) == fingerprints[job.output_path]
                         and all(os.path.isfile(os.path.join(folder, path)) for path in job.files)}
            to_render = spread([job for job in plan.jobs if job.output_path not in unchanged])
            write_rendered(iter_tasks(render_chunk, to_render, options.jobs, renderer, progress), writer, config,
                           reporter)
        kept = unchanged | {path for job in plan.jobs if job.also and job.output_path in unchanged for path in job.also}
        if config.deploy.headers:
            writer.add("_headers", headers_file(config, writer.paths | kept))
    return RenderedSite(renderer, writer, fingerprints, unchanged, kept, state, salt, search_digests)


def render_salt(config: Config) -> str:
    """What search digests hash besides a page: the code and config versions (see Renderer.article_digest)."""
    return f"{code_version()}|{config.digest}"


def load_closures(renderer: Renderer, loaded: LoadedSite, plan: SitePlan) -> None:
    """Give the renderer the closure digest of every template the jobs use, computed here (before the
    workers fork: each would otherwise parse the whole theme) and kept in .cache/ while no template changes."""
    from generator.cache import DerivedCache
    from generator.render.theme import templates_stamp

    names = sorted({job.template for job in plan.jobs if job.template})
    cache = DerivedCache(loaded.config, "template-closures.pickle", loaded.problems, loaded.memory)
    digest = hashlib.sha256(repr((templates_stamp(loaded.theme), names)).encode()).hexdigest()
    closures = cache.get(digest)
    if closures is None:
        closures = {name: renderer.closure(name) for name in names}
        cache.put(digest, closures)
    renderer.closures.update(closures)


def fingerprint_jobs(renderer: Renderer, jobs: list[Job], salt: str | None, workers: int,
                     search_digests: dict[str, str]) -> dict[str, str]:
    """Output path -> fingerprint of every job; the search digests of article pages go to `search_digests`.

    The workers are forked with the model in memory and send back only hashes: hashing is most of an
    incremental build's work. A renderer tracking which pages show which article (the preview) hashes here.
    """
    from generator.pool import run_tasks
    from generator.render.render import hash_chunk

    if renderer.pages_showing is not None:
        return {job.output_path: renderer.fingerprint(job) for job in jobs}
    fingerprints = {}
    for job, (fingerprint, search_digest) in zip(jobs, run_tasks(hash_chunk, jobs, workers, (renderer, salt)),
                                                 strict=True):
        fingerprints[job.output_path] = fingerprint
        if search_digest is not None:
            search_digests[job.output_path] = search_digest
    return fingerprints


def spread(jobs: list[Job]) -> list[Job]:
    """The jobs with each kind spread evenly over the list. Workers hand results back a chunk at a time and
    in order: a chunk of feeds (each with twenty full bodies, a hundred times a page) would hold tens of
    megabytes in flight at once, in the worker and here."""
    seen: dict[str, int] = {}
    ranks = []
    for job in jobs:
        ranks.append(seen.get(job.kind, 0))
        seen[job.kind] = ranks[-1] + 1
    order = sorted(range(len(jobs)), key=lambda index: (ranks[index] + 0.5) / seen[jobs[index].kind])
    return [jobs[index] for index in order]


def _taking_hashes(results: Iterable[tuple], fingerprints: dict[str, str],
                   search_digests: dict[str, str]) -> Iterator[tuple]:
    """render_and_hash_chunk's results as render_chunk's, the hashes kept in the two dictionaries."""
    for path, data, error, fingerprint, search_digest in results:
        fingerprints[path] = fingerprint
        if search_digest is not None:
            search_digests[path] = search_digest
        yield path, data, error


def write_rendered(results: Iterable[tuple], writer: OutputWriter, config: Config, reporter: Reporter) -> None:
    """Hand rendered pages to the writer; on any template error, drop them all and fail with every error,
    each once with the number of pages it broke and one of them."""
    broken: dict[SourceError, list[str]] = {}
    for path, data, error in results:
        if error is None:
            writer.add(path, data)
        else:
            broken.setdefault(error, []).append(path)
    if broken:
        writer.abandon()
    stop_on_errors([_with_pages(error, sorted(paths)) for error, paths in broken.items()], config, reporter)


def _with_pages(error: SourceError, paths: list[str]) -> SourceError:
    pages = f"rendering {paths[0]}" if len(paths) == 1 else f"in {len(paths)} pages, e.g. {paths[0]}"
    return SourceError(error.path, error.line, error.col, f"{error.message} ({pages})", error.hint, error.severity)


def search_pages_of(jobs: list[Job], renderer: Renderer, digests: dict[str, str], salt: str) -> list[SearchPage]:
    """The pages search covers (those presenting an article), each with the digest of what it indexes."""
    return [SearchPage(job.output_path, job.article.summary.date.date(),
                       digests.get(job.output_path) or renderer.article_digest(job, salt))
            for job in jobs if job.article is not None]


# --- Write, index, remember ------------------------------------------------------------------------------


def write_site(loaded: LoadedSite, plan: SitePlan, rendered: RenderedSite, search_pages: list[SearchPage],
               output: Path, options: BuildOptions, reporter: Reporter) -> BuildResult:
    """Put the changed outputs live (search index included, before the swap) and save the build state."""
    from generator.output.images import prune_images

    config = loaded.config
    site = loaded.site
    result = BuildResult(config, site, len(plan.jobs), WriteReport(),
                         [p for p in loaded.problems if p.is_warning],
                         sorted(path for path in rendered.fingerprints if path not in rendered.unchanged),
                         search_pages, loaded.parsed, loaded.parse_cache.hits, len(site.articles))
    index, stale = search_hook(config, output, search_pages, options, reporter, result)
    with reporter.stage("write"):
        result.write = rendered.writer.finish(keep=rendered.kept, keep_prefixes=(SEARCH_DIR + "/",),
                                              before_swap=index, force=stale, previous=rendered.state.outputs)
        rendered.state.save(rendered.fingerprints, rendered.writer.paths | rendered.kept,
                            inputs_digest(loaded.inputs, options.search),
                            next_change(loaded.future_dates, loaded.now), _counts(loaded, plan))
        loaded.parse_cache.commit(compact_store=not options.keep_model)
        prune_images(config, site)
    return result


def search_hook(config: Config, output: Path, search_pages: list[SearchPage], options: BuildOptions,
                 reporter: Reporter, result: BuildResult):
    """What the writer runs on the new tree before it goes live (Pagefind), and whether the live index is
    stale even if no page changed; (None, False) without search."""
    from generator.output.search import index_search, is_current, plan_index

    if not (options.search and config.search.enabled):
        return None, False
    live_bundle = output / SEARCH_DIR
    # Planned once: whether to index, then (in the writer, before anything else changes) what to index.
    work_dir = config.root / CACHE_DIR
    planned = plan_index(config, search_pages, live_bundle, work_dir)
    stale = not is_current(live_bundle, planned)

    def index(tree: Path, in_place: bool) -> None:
        with reporter.stage("search"):
            report = index_search(config, tree, reporter, search_pages, previous=live_bundle,
                                  work_dir=work_dir, jobs=options.jobs, in_place=in_place,
                                  planned=planned)
            result.indexed = report.indexed

    return index, stale


def save_published(config: Config, site: Site, plan: SitePlan) -> None:
    """Record the URLs this build published: later builds redirect them when they move."""
    from generator.cache import save_state
    from generator.site.redirects import PERMALINKS, published_urls

    if not config.preview:
        save_state(config, PERMALINKS, published_urls(site, plan.published_before, config))


def store_model(loaded: LoadedSite, plan: SitePlan, rendered: RenderedSite, result: BuildResult, output: Path,
                options: BuildOptions) -> None:
    """Keep the model for the next command-line build's quick path (resume.py): only the pages whose
    fingerprint changed are stored again, when the store holds the previous build."""
    try:
        import sqlite3
    except ImportError:  # a Python built without SQLite: every build is a full one
        return
    from generator.resume import structure_key
    from generator.site.store import StoredFacts, StoredModel, StoreUnusable, remove_store, store_path, write_store

    config, site, state = loaded.config, loaded.site, rendered.state
    path = store_path(config.root, output)
    try:
        stored = StoredModel(path)
        current = state.token is not None and stored.token == state.token
        stored.close()
    except StoreUnusable:
        current = False
    changed = {page for page, fingerprint in rendered.fingerprints.items()
               if state.fingerprints.get(page) != fingerprint} if current else None
    facts = StoredFacts(
        key=structure_key(loaded.inputs, options.search),
        stamps={source.path: loaded.inputs.stamps.get(source.path) for source in loaded.sources
                if source.kind == "article"},
        urls={view.source_path: view.summary.url for view in site.articles},
        warnings=tuple(result.warnings), search_pages=tuple(result.search_pages),
        closures=dict(rendered.renderer.closures), asset_urls=dict(plan.asset_urls),
        next_change=next_change(loaded.future_dates, loaded.now), counts=_counts(loaded, plan),
        excluded=(site.excluded_future, site.excluded_drafts))
    try:
        parsed = {article.source_path: article for article in loaded.articles}
        pages = {job.article.summary.url: job.output_path for job in plan.jobs if job.article is not None}
        write_store(path, state.saved, facts, plan.jobs, changed,
                    ((view, parsed[view.source_path], rendered.fingerprints[pages[view.summary.url]])
                     for view in site.articles), loaded.parse_cache.moved)
    except (sqlite3.Error, OSError, KeyError):
        remove_store(path)  # only a cache: the next build is a full one


def built_site(loaded: LoadedSite, plan: SitePlan, rendered: RenderedSite, output: Path) -> BuiltSite:
    return BuiltSite(
        config=loaded.config, theme=loaded.theme, sources=loaded.sources, articles=loaded.articles,
        site=loaded.site, planned=plan.jobs, fingerprints=rendered.fingerprints,
        outputs=rendered.writer.paths | rendered.kept, renderer=rendered.renderer, state=rendered.state,
        output=output,
        next_change=next_change(loaded.future_dates, loaded.now), salt=rendered.salt,
        counts=_counts(loaded, plan))


def _counts(loaded: LoadedSite, plan: SitePlan) -> dict[str, int]:
    """What the no-op check reports without loading anything; warnings count because a --strict build
    after this one must not take the no-op shortcut past them."""
    warnings = sum(problem.is_warning for problem in loaded.problems)
    return {"articles": len(loaded.site.articles), "pages": len(plan.jobs), "warnings": warnings}


# --- Report ----------------------------------------------------------------------------------------------


def stop_on_errors(problems: list[SourceError], config: Config, reporter: Reporter) -> None:
    errors = [p for p in problems if not p.is_warning or config.strict]
    if errors:
        raise BuildFailed([p.as_error() for p in errors] + [p for p in problems if p.is_warning and not config.strict])
    for problem in sorted(problems, key=SourceError.sort_key):
        reporter.problem(problem)


def summarise(reporter: Reporter, result: BuildResult) -> BuildResult:
    report, site, timings = result.write, result.site, reporter.timings
    reporter.info(f"{result.articles} articles, {result.pages} pages: {result.parsed} parsed "
                  f"({result.cached} cached), {len(result.rendered)} rendered "
                  f"({result.pages - len(result.rendered)} unchanged), {len(report.written)} written, "
                  f"{len(report.pruned)} removed")
    future, drafts = (site.excluded_future, site.excluded_drafts) if site else result.excluded
    if future:
        reporter.info(f"{future} future-dated article(s) not published (use --future to include)")
    if drafts:
        reporter.info(f"{drafts} draft(s) not published (use --drafts to include)")
    if site is None and not result.quick:
        reporter.info("nothing changed since the last build")
    if timings:
        reporter.detail("  " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items())
                        + f"; total {sum(timings.values()) * 1000:.0f} ms")
    return result
