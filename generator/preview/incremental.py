"""Rebuilds proportional to the edit, for a process that builds again and again (the preview).

A full build re-assembles, re-plans and re-fingerprints the whole site: at 10,000 articles that alone takes
seconds. Most saves in a preview change an article's text and nothing of the site's structure (its URL,
date, terms, draft state, aliases): every page then keeps its place and its list of articles, and only the
values shown for that article change. The site model is shared by reference across the contexts of every
page, so updating that article's summary and view objects in place updates every page that shows them;
the pages to check again are the ones the renderer recorded as showing the article while it fingerprinted
them. Anything else (a new, moved or deleted file, a structural change, a page or term file, a template,
the config, a parse error, a future-dated article falling due) goes through the full build.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import CONFIG_FILE, Config
from generator.errors import SourceError
from generator.output.search import SearchPage
from generator.render.render import Renderer
from generator.render.theme import Theme, theme_files
from generator.site.model import Article, ArticleSummary, ArticleView, Job, Site, Source
from generator.site.plan import article_job, sitemap_job
from generator.site.urls import output_path
from generator.state import OutputState, files_digest
from generator.text import reading_minutes

# What places an article in the site: a change to any of these re-assembles the whole model.
STRUCTURAL_FIELDS = ("date", "slug", "terms", "draft", "aliases")


@dataclass
class Snapshot:
    """What a full build leaves for the next build of the same process."""

    config: Config
    inputs_stamp: str  # config file and theme files, by stat
    sources: dict[str, Source]  # normalised absolute path -> source
    directories: set[str]  # the folders holding them
    articles: dict[str, Article]  # source path -> the article as parsed
    site: Site
    positions: dict[str, int]  # source path -> position in site.articles (only published articles)
    planned: list[Job]
    job_index: dict[str, int]  # output path -> position in planned
    fingerprints: dict[str, str]
    outputs: set[str]
    renderer: Renderer
    state: OutputState
    output: Path
    search_pages: list[SearchPage]
    warnings: list[SourceError]
    next_change: str | None  # ISO date when a future-dated article falls due, as the build state keeps it
    salt: str
    counts: dict = field(default_factory=dict)


class BuildSession:
    """Carries a build's snapshot to the next build of the same process; `None` until a full build."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None


def inputs_stamp(config: Config, theme: Theme) -> str:
    """The config file and every theme file, by stat: equal stamps mean the same templates and settings."""
    return files_digest(config.digest, [config.root / CONFIG_FILE, *theme_files(theme)])


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


def source_directories(sources: list[Source], content_dir: Path) -> set[str]:
    """The folders holding the sources, up to the content folder (normalised absolute paths)."""
    top = os.path.normpath(content_dir)
    folders = {top}
    for source in sources:
        folder = os.path.dirname(os.path.normpath(source.path))
        while folder not in folders and folder.startswith(top):
            folders.add(folder)
            folder = os.path.dirname(folder)
    return folders


def keeps_its_place(snapshot: Snapshot, article: Article) -> bool:
    """Whether the edited `article` is a published article of the snapshot with the same structural
    fields: only then can apply_article_edit() update the model in place."""
    old = snapshot.articles.get(article.source_path)
    return old is not None and article.source_path in snapshot.positions and all(
        getattr(old, name) == getattr(article, name) for name in STRUCTURAL_FIELDS)


def apply_article_edit(snapshot: Snapshot, article: Article) -> set[str]:
    """Update the model in place for an edited article that keeps its place in the site (see
    keeps_its_place); the output paths of the pages to fingerprint again."""
    old = snapshot.articles[article.source_path]
    position = snapshot.positions[article.source_path]
    view = snapshot.site.articles[position]
    summary = view.summary
    # The summary and view are frozen for templates and workers; this is the one place that updates them,
    # so that every page context holding them sees the new values at once.
    _update(summary, title=article.title, updated=article.updated, lang=article.lang, summary=article.summary,
            image=article.image, reading_minutes=reading_minutes(article.word_count), summary_key=article.summary_key)
    _update(view, body_html=article.body_html, toc=article.toc, word_count=article.word_count,
            citations=article.citations, view_key=article.view_key)
    snapshot.renderer.forget(summary, view)
    snapshot.articles[article.source_path] = article
    # The article's own page copies its title and language into its context: plan it again.
    own_path = output_path(snapshot.config, summary.url)
    globals_ = snapshot.planned[snapshot.job_index[own_path]].context["site"]
    _replace_job(snapshot, article_job(snapshot.config, snapshot.site, globals_, position))
    pages = set(snapshot.renderer.pages_showing.get(summary.url, ())) | {own_path}
    if article.updated != old.updated:  # the sitemap copies each article's last change
        sitemap = sitemap_job(snapshot.config, snapshot.site)
        _replace_job(snapshot, sitemap)
        pages.add(sitemap.output_path)
    return pages & snapshot.job_index.keys()


def _replace_job(snapshot: Snapshot, job: Job) -> None:
    if job.output_path in snapshot.job_index:
        snapshot.planned[snapshot.job_index[job.output_path]] = job


def search_page(snapshot: Snapshot, output_path: str) -> SearchPage:
    job = snapshot.planned[snapshot.job_index[output_path]]
    return SearchPage(output_path, job.context["article"].summary.date.date(),
                      snapshot.renderer.article_digest(job, snapshot.salt))


def _update(obj: ArticleSummary | ArticleView, **values: object) -> None:
    for name, value in values.items():
        object.__setattr__(obj, name, value)
