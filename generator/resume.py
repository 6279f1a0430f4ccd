"""The command line's quick path: article edits applied to the model the last build stored (site/store.py).

When the only files changed since the last build are articles whose edit keeps the site's structure (the
schema's structural fields and photo files: `same_structure`), a build needs none of the archive's other
articles. It parses the edited files, reads back from the store only the pages that showed them (the
edited articles' new summaries and views in place of the old), fingerprints those pages again and renders
those whose fingerprint changed, exactly as a full build would. Anything else (a new, moved or removed
file, a page or term file, the config, the theme, static files, a parse problem or warning of an edited
file, a future-dated article falling due, a store another build left) returns None: the build runs in
full and stores the model for the next one. The differential tests prove both paths give the same site.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from generator.cache import CACHE_DIR, code_version, files_digest
from generator.noop import Inputs, inputs_digest, output_settled
from generator.options import BuildOptions
from generator.output.search_layout import SEARCH_DIR, SearchPage
from generator.output.state import OutputState
from generator.render.theme import theme_files
from generator.report import Reporter
from generator.result import BuildResult

if TYPE_CHECKING:
    from generator.content.values import Source
    from generator.render.render import Renderer
    from generator.site.model import Article, ArticleSummary, ArticleView, Job
    from generator.site.store import StoredFacts, StoredModel


def structure_key(inputs: Inputs, search: bool) -> str:
    """Everything a build reads except the article files' own stamps: while it is unchanged, only the
    edited articles can change the site."""
    config = inputs.config
    files = inputs.static_files + inputs.bundle_files
    listing = hashlib.sha256(pickle.dumps([(source.kind, source.path) for source in inputs.sources])).hexdigest()
    others = [source.path for source in inputs.sources if source.kind != "article"]
    stamps = {**inputs.stamps, **{file.path: file.stamp for file in files}}
    return files_digest(f"{code_version()}|{config.digest}|{search}|{config.root}|{listing}",
                        others + [file.path for file in files] + theme_files(inputs.theme), stamps)


def resume_build(inputs: Inputs, options: BuildOptions, reporter: Reporter, now: datetime) -> BuildResult | None:
    """The build's result when only articles were edited, in place, since the last full or quick build
    of this output folder; None when a full build is needed."""
    config = inputs.config
    output = config.root / config.output_dir
    if options.keep_model or inputs.problems or not output_settled(output):
        return None
    # Imported here: a build with nothing to do stops before (see build.py).
    try:
        from generator.site.store import StoredModel, StoreUnusable, store_path
    except ImportError:  # a Python built without SQLite: the full build, without a stored model
        return None

    state = OutputState(config, output, [])
    try:
        store = StoredModel(store_path(config.root, output))
    except StoreUnusable:
        return None
    try:
        return _resume(inputs, options, reporter, now, state, store)
    except StoreUnusable:
        return None
    finally:
        store.close()


def _resume(inputs: Inputs, options: BuildOptions, reporter: Reporter, now: datetime, state: OutputState,
            store: StoredModel) -> BuildResult | None:
    from generator.build import search_hook, stop_on_errors, write_rendered
    from generator.content.bodies import BODIES_DIR, all_stored
    from generator.output.write import OutputWriter, WriteReport
    from generator.render.render import render_chunk

    config = inputs.config
    output = config.root / config.output_dir
    facts = _current_facts(inputs, options, now, state, store)
    edited = _edited_articles(inputs, facts) if facts is not None else None
    parsed = _parse_in_place(inputs, edited, store, facts, reporter) if edited else None
    if parsed is None:
        return None
    with reporter.stage("plan"):
        articles = [article for article, *_ in parsed]
        views = [_new_view(store, facts, article) for article in articles]
        redated = [view.summary.url for view in views if _dates_changed(store.summary(view.summary.url), view.summary)]
        store.edit(views)
        jobs = store.pages_showing([view.summary.url for view in views], redated)
    if not all_stored(config.root / CACHE_DIR / BODIES_DIR, (view.body_html for view in store.views.values())):
        return None  # a build for another output folder compacted the body store since this model was stored
    stop_on_errors(list(facts.warnings), config, reporter)
    with reporter.stage("render"):
        renderer, salt = _renderer(inputs, facts)
        fingerprints = dict(state.fingerprints)
        to_render = [job for job in jobs if _refingerprint(renderer, job, fingerprints)]
        writer = OutputWriter(output)
        write_rendered(render_chunk(renderer, to_render), writer, config, reporter)
    digests, search_pages = _search_pages(facts, jobs, renderer, salt)
    result = BuildResult(config, None, facts.counts.get("pages", 0), WriteReport(), list(facts.warnings),
                         sorted(job.output_path for job in to_render), search_pages, parsed=len(edited),
                         cached=len(inputs.sources) - len(edited), articles=facts.counts.get("articles", 0),
                         quick=True, excluded=facts.excluded)
    index, stale = search_hook(config, output, search_pages, options, reporter, result)
    with reporter.stage("write"):
        result.write = writer.finish(keep=state.outputs - writer.paths, keep_prefixes=(SEARCH_DIR + "/",),
                                     before_swap=index, force=stale, previous=state.outputs)
        token = state.save(fingerprints, state.outputs, inputs_digest(inputs, options.search), facts.next_change,
                           facts.counts)
        _keep_parsed(inputs, edited, parsed)
        pages = {job.article.summary.url: fingerprints[job.output_path] for job in jobs if job.article is not None}
        rows = [(view, article, pages.get(view.summary.url, "")) for view, article in zip(views, articles, strict=True)]
        stamps = {source.path: inputs.stamps.get(source.path) for source in edited}
        _update_store(store, token, replace(facts, edited_stamps={**facts.edited_stamps, **stamps},
                                            edited_digests=digests), rows, to_render)
    return result


def _current_facts(inputs: Inputs, options: BuildOptions, now: datetime, state: OutputState,
                   store: StoredModel) -> StoredFacts | None:
    """The stored facts, when the store holds the last build of this folder and nothing but article files
    changed since; None otherwise."""
    from generator.site.store import StoredFacts

    if state.token is None or store.token != state.token or state.outputs is None or not state.fingerprints:
        return None  # another build wrote this folder since the model was stored, or a build was killed
    if store.fact("key") != structure_key(inputs, options.search):
        return None
    facts = StoredFacts(**{name: store.fact(name) for name in StoredFacts.__dataclass_fields__})
    if facts.next_change and datetime.fromisoformat(facts.next_change) <= now:
        return None  # a future-dated article fell due
    if inputs.config.strict and facts.warnings:
        return None
    return facts


def _edited_articles(inputs: Inputs, facts: StoredFacts) -> list[Source] | None:
    """The article files changed since the stored build, when the quick path may apply them."""
    edited = [source for source in inputs.sources
              if source.kind == "article" and inputs.stamps.get(source.path) != facts.stamp(source.path)]
    if not edited or any(source.source_path not in facts.urls for source in edited):
        return None  # nothing to do here, or a draft or future-dated article: its place is the full build's
    names = {source.display_path for source in edited}
    if any(warning.path in names for warning in facts.warnings):
        return None  # its warnings may come from assembling: only the full build tells whether they still hold
    return edited


def _parse_in_place(inputs: Inputs, edited: list[Source], store: StoredModel, facts: StoredFacts,
                    reporter: Reporter) -> list[tuple] | None:
    """parse_chunk's results for the edited files, when each parsed cleanly and keeps its place; the full
    build takes the results otherwise (inputs.parsed)."""
    from generator.build import parse_chunk
    from generator.content.schema import structure_of

    with reporter.stage("parse"):
        parsed = parse_chunk(inputs.config, edited)
        inputs.parsed.update(zip((source.path for source in edited), parsed, strict=True))
    if any(problems or value is None for value, problems, *_ in parsed):
        return None  # the full build reports them, with the rest of the site's
    if any(store.structure(facts.urls[article.source_path]) != structure_of(article) for article, *_ in parsed):
        return None  # its place in the site changes: assembling decides where it goes
    return parsed


def _search_pages(facts: StoredFacts, jobs: list[Job], renderer: Renderer,
                  salt: str) -> tuple[dict[str, str], list[SearchPage]]:
    """The search digests quick builds changed since the stored build (the pages read back included), and
    the search pages with them; nothing in a build without search."""
    if not facts.search_pages:
        return {}, []
    digests = {**facts.edited_digests,
               **{job.output_path: renderer.article_digest(job, salt) for job in jobs if job.article is not None}}
    return digests, [SearchPage(page.path, page.date, digests[page.path]) if page.path in digests else page
                     for page in facts.search_pages]


def _keep_parsed(inputs: Inputs, edited: list[Source], parsed: list[tuple]) -> None:
    """The parse results in the parse cache, only in the parts holding these files."""
    from generator.content.parse_cache import CacheParts

    cache = CacheParts(inputs.config, [source.source_path for source in edited])
    for source, (value, problems, digest, depends) in zip(edited, parsed, strict=True):
        cache.put(source.source_path, inputs.stamps.get(source.path), digest, (value, problems), depends)
    cache.commit()


def _update_store(store: StoredModel, token: str, facts: StoredFacts, articles: list[tuple], jobs: list[Job]) -> None:
    import sqlite3

    from generator.site.store import remove_store, update_store

    try:
        update_store(store.path, token, facts, articles, jobs)
    except (sqlite3.Error, OSError, KeyError):
        remove_store(store.path)  # only a cache: the next build is a full one


def _new_view(store: StoredModel, facts: StoredFacts, article: Article) -> ArticleView:
    """The edited article as its pages show it: the new values, with its place (URL, future flag, term
    links) as assembling gave it, since the edit keeps them."""
    from generator.site.model import summarize, view_of

    old = store.summary(facts.urls[article.source_path])
    return view_of(article, summarize(article, old.url, old.future, old.terms))


def _dates_changed(old: ArticleSummary, new: ArticleSummary) -> bool:
    """Whether the sitemap, which lists only each article's URL and dates, shows the edit."""
    from generator.site.store import Dated

    return any(getattr(old, name) != getattr(new, name) for name in Dated._fields)


def _renderer(inputs: Inputs, facts: StoredFacts) -> tuple[Renderer, str]:
    """A renderer as the full build made it: the same asset URLs and template closures (the theme is
    unchanged, or the structure key would differ), and the salt of search digests."""
    from generator.build import render_salt
    from generator.render.render import Renderer
    from generator.render.theme import make_environment

    config, theme = inputs.config, inputs.theme
    renderer = Renderer(config, theme, make_environment(theme, config, facts.asset_urls), facts.asset_urls)
    renderer.closures.update(facts.closures)
    return renderer, render_salt(config)


def _refingerprint(renderer: Renderer, job: Job, fingerprints: dict[str, str]) -> bool:
    """Take the job's fingerprint again into `fingerprints`; whether it changed (the page must render)."""
    fingerprint = renderer.fingerprint(job, track=False)
    if fingerprint == fingerprints.get(job.output_path):
        return False
    fingerprints[job.output_path] = fingerprint
    return True


