"""The preview's quick path: rebuilds proportional to the edit, from the last build's model.

A full build re-assembles, re-plans and re-fingerprints the whole site: at 10,000 articles that alone takes
seconds. Most saves in a preview change an article's text and none of its structural fields (the schema's
`structural`: URL, date, terms, draft state, aliases): every page then keeps its place and its list of
articles, and only the values shown for that article change. The quick path makes the article's new
summary and view (the same functions as assembling), a new model holding them (`replace_article`), and new
jobs for the pages that showed the old ones (which the renderer recorded while fingerprinting them),
with the new objects swapped into their contexts; nothing is changed in place. Anything else (a new,
moved or deleted file, a structural change, a page or term file, a template, the config, a parse error, a
future-dated article falling due) returns None: the session then runs the full build.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build import parse_chunk, stop_on_errors, summarise, write_rendered
from generator.cache import CACHE_DIR
from generator.config import load_config
from generator.content.bodies import BODIES_DIR, all_stored
from generator.content.schema import same_structure
from generator.content.values import Source
from generator.options import BuildOptions
from generator.output.search_layout import SearchPage
from generator.output.write import MARKER, OutputWriter
from generator.render.render import render_chunk
from generator.render.theme import load_theme
from generator.report import Reporter
from generator.result import BuildResult
from generator.site.assemble import replace_article
from generator.site.contexts import HOLD_NO_ARTICLE
from generator.site.model import Article, ArticleSummary, ArticleView, Job, summarize, view_of
from generator.site.urls import output_path

if TYPE_CHECKING:
    from generator.preview.session import Snapshot


def quick_rebuild(snapshot: Snapshot, root: Path, options: BuildOptions, reporter: Reporter,
                  changed: set[str]) -> tuple[Snapshot, BuildResult] | None:
    """The new snapshot and the build's result when `changed` are only article edits that keep the site's
    structure; None when a full build is needed."""
    from generator.preview.session import inputs_stamp

    built = snapshot.built
    with reporter.stage("config"):
        config = load_config(root, dict(options.overrides))
        if config.digest != built.config.digest or inputs_stamp(config, load_theme(config)) != snapshot.inputs_stamp:
            return None
    now = options.now or datetime.now(UTC)
    if built.next_change and datetime.fromisoformat(built.next_change) <= now:
        return None  # a future-dated article fell due
    if not (built.output / MARKER).is_file():
        return None  # the output folder was removed or replaced: build it again
    if not bodies_still_stored(built):
        return None  # a command-line build compacted the body store this model reads from
    sources = changed_sources(snapshot, config.root, changed)
    if not sources:
        return None
    with reporter.stage("parse"):
        results = parse_chunk(built.config, sources)
    articles = [value for value, *_ in results]
    problems = [problem for _, found, *_ in results for problem in found]
    if any(not problem.is_warning for problem in problems) or not all(isinstance(a, Article) for a in articles):
        return None  # the full build reports the errors
    if not all(keeps_its_place(snapshot, article) for article in articles):
        return None
    edited = {source.display_path for source in sources}
    warnings = [warning for warning in snapshot.warnings if warning.path not in edited] + problems
    stop_on_errors(warnings, built.config, reporter)
    with reporter.stage("plan"):
        updated, affected = _apply_edits(snapshot, articles)
    with reporter.stage("render"):
        fingerprints, to_render = _fingerprint(updated, affected)
        writer = OutputWriter(built.output)
        write_rendered(render_chunk(built.renderer, to_render), writer, built.config, reporter)
    with reporter.stage("write"):
        report = writer.finish(keep=built.outputs - writer.paths, previous=built.outputs)
        # No inputs digest: the next build in a new process checks everything again.
        built.state.save(fingerprints, built.outputs, "", built.next_change, built.counts)
    snapshot = updated.with_changes(built=replace(updated.built, fingerprints=fingerprints),
                                    search_pages=_search_pages(updated, articles), warnings=tuple(warnings))
    result = BuildResult(built.config, snapshot.built.site, len(built.planned), report, warnings,
                         sorted(job.output_path for job in to_render), list(snapshot.search_pages),
                         parsed=len(sources), cached=len(snapshot.sources) - len(sources),
                         articles=len(built.site.articles), quick=True)
    return snapshot, summarise(reporter, result)


def bodies_still_stored(built) -> bool:
    """Whether every article body the kept model reads is still in the body store: `news-archive build` in
    the same folder may have compacted it (the full build then reads the parse cache again)."""
    return all_stored(built.config.root / CACHE_DIR / BODIES_DIR,
                      {article.body_html for article in (*built.articles, *built.site.articles)})


def changed_sources(snapshot: Snapshot, root: Path, changed_paths: set[str]) -> list[Source] | None:
    """The known, still existing article files among `changed_paths` (relative to the site root), or None
    when any changed path is something else: then only a full build can tell what it means."""
    sources = []
    for relative in sorted(changed_paths):
        path = os.path.normpath(root / relative)
        if path in snapshot.directories and os.path.isdir(path):
            continue  # a folder's own "modified" event: each file changed in it has its own event
        source = snapshot.sources.get(path)
        if source is None or source.kind != "article" or not os.path.isfile(source.path):
            return None
        sources.append(source)
    return sources


def keeps_its_place(snapshot: Snapshot, article: Article) -> bool:
    """Whether the edited `article` is a published article of the snapshot with the same structural fields
    (see content/schema.py): only then can the quick path update the site."""
    old = snapshot.articles.get(article.source_path)
    return old is not None and article.source_path in snapshot.positions and same_structure(old, article)


def _apply_edits(snapshot: Snapshot, articles: list[Article]) -> tuple[Snapshot, set[str]]:
    """A snapshot whose model and jobs show the edited articles, and the output paths of the pages that
    show them (to fingerprint again)."""
    built = snapshot.built
    site, renderer = built.site, built.renderer
    swaps: dict[int, Any] = {}
    affected: set[str] = set()
    for article in articles:
        position = snapshot.positions[article.source_path]
        old = site.articles[position]
        summary = summarize(article, old.summary.url, old.summary.future, old.summary.terms)
        new = view_of(article, summary)
        showing = renderer.pages_showing.get(summary.url, set()) & snapshot.job_index.keys()
        # Only the article pages showing it (as a neighbour or a related article) can list it as related.
        related_of = {job.article.summary.url for job in (built.planned[snapshot.job_index[path]] for path in showing)
                      if job.article is not None}
        site = replace_article(site, position, new, related_of)
        swaps[id(old)], swaps[id(old.summary)] = new, summary
        affected |= showing
        renderer.forget(old, old.summary)
    planned = list(built.planned)
    for path in affected:
        position = snapshot.job_index[path]
        planned[position] = swap_objects(planned[position], swaps)
    parsed = {**snapshot.articles, **{article.source_path: article for article in articles}}
    updated = snapshot.with_changes(built=replace(built, site=site, planned=planned), articles=parsed)
    return updated, affected


def _fingerprint(snapshot: Snapshot, paths: set[str]) -> tuple[dict[str, str], list[Job]]:
    """The fingerprints with those of `paths` taken again, and the jobs whose fingerprint changed."""
    built = snapshot.built
    fingerprints = dict(built.fingerprints)
    to_render = []
    for path in sorted(paths):
        job = built.planned[snapshot.job_index[path]]
        # The pages keep the articles they show (the quick path moves none): no need to record them again.
        fingerprint = built.renderer.fingerprint(job, track=False)
        if fingerprint != fingerprints.get(path):
            fingerprints[path] = fingerprint
            to_render.append(job)
    return fingerprints, to_render


def _search_pages(snapshot: Snapshot, articles: list[Article]) -> tuple[SearchPage, ...]:
    """The search pages with the edited articles' digests taken again."""
    built = snapshot.built
    pages = list(snapshot.search_pages)
    for article in articles:
        path = output_path(built.config, built.site.articles[snapshot.positions[article.source_path]].summary.url)
        if path in snapshot.search_positions:
            position = snapshot.search_positions[path]
            job = built.planned[snapshot.job_index[path]]
            pages[position] = SearchPage(path, pages[position].date, built.renderer.article_digest(job, built.salt))
    return tuple(pages)


# Values that hold no article (an article's summary or view holds no other article): not looked into.
_OPAQUE = frozenset({str, int, float, bool, type(None), datetime, bytes, ArticleSummary, ArticleView,
                     *HOLD_NO_ARTICLE})
_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names


def swap_objects(value: Any, swaps: dict[int, Any]) -> Any:
    """`value` with each object whose id is a key of `swaps` replaced by its value, every tuple, list, dict
    and dataclass holding one made anew (never changed); `value` itself when it holds none."""
    if id(value) in swaps:
        return swaps[id(value)]
    kind = type(value)
    if kind in _OPAQUE:
        return value
    if isinstance(value, (tuple, list)):
        return _swap_sequence(value, swaps)
    if kind is dict:
        changed = {key: new for key, item in value.items() if (new := swap_objects(item, swaps)) is not item}
        return {**value, **changed} if changed else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        changed = {name: new for name in names
                   if (new := swap_objects(getattr(value, name), swaps)) is not getattr(value, name)}
        return replace(value, **changed) if changed else value
    return value


def _swap_sequence(value: tuple | list, swaps: dict[int, Any]) -> tuple | list:
    if _OPAQUE.issuperset(map(type, value)):
        # Lists of summaries are the long ones (a feed, a page of cards, the related articles): look for the
        # swapped objects by id, without a call per item.
        ids = list(map(id, value))
        if swaps.keys().isdisjoint(ids):
            return value
        items = list(value)
        for at, key in enumerate(ids):
            if key in swaps:
                items[at] = swaps[key]
    else:
        items = [swap_objects(item, swaps) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
    kind = type(value)
    return kind(items) if kind in (tuple, list) else kind._make(items)
