"""`Job` -> bytes. The worker entry point: pure given the environment and the job's context."""

from __future__ import annotations

import copyreg
import hashlib
import io
import pickle
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import jinja2
import jinja2.meta
import jinja2.nodes

from generator.config import Config
from generator.content.bodies import StoredHtml
from generator.errors import SourceError
from generator.output.metadata import IdentifyingMetadata, published_copy
from generator.output.write import LinkedFiles
from generator.render.feeds import render_atom
from generator.render.sitemap import render_sitemap
from generator.render.theme import Theme
from generator.site.contexts import ArticleDates, SiteGlobals
from generator.site.model import (
    ASSEMBLED_SUMMARY_FIELDS,
    ASSEMBLED_VIEW_FIELDS,
    ArticleSummary,
    ArticleView,
    Job,
    TermRef,
)


@dataclass(frozen=True)
class Rendered:
    output_path: str
    data: bytes | LinkedFiles


class _Digests:
    """Pickles contexts with each shared object (article summary or view, site globals) written as the
    digest of its own pickle.

    Thousands of list pages and feeds share the same summaries: each is hashed once per build instead of
    once per page that shows it. Objects are kept alive with their digest so their ids stay theirs. The
    shared types go through a dispatch table, which pickle consults in C: no Python call for the other
    objects of a context.
    """

    def __init__(self) -> None:
        self.memo: dict[int, tuple[bytes, object]] = {}
        self.dates: dict[int, tuple[str, tuple[str, ...], object]] = {}  # ArticleDates id -> what is hashed, URLs
        self.shown: set[str] | None = None  # while set, collects the URL of every article a dump shows
        self.table = copyreg.dispatch_table.copy()
        self.table.update({ArticleSummary: self._summary, ArticleView: self._view, SiteGlobals: self._shared,
                           TermRef: self._shared, StoredHtml: _body_digest, ArticleDates: self._article_dates})

    def dump(self, obj: object, shown: set[str] | None = None) -> memoryview:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.dispatch_table = self.table
        # No memo: the bytes then depend on the values only, not on which of them are one object (a page
        # read back from the stored model shares strings differently from the page the build made).
        pickler.fast = True
        outer, self.shown = self.shown, shown
        try:
            pickler.dump(obj)
        finally:
            self.shown = outer
        return buffer.getbuffer()

    def digest_of(self, obj: object) -> bytes:
        known = self.memo.get(id(obj))
        if known is None:
            digest = hashlib.sha256(self.dump(_contents(obj))).digest()
            known = self.memo[id(obj)] = (digest, obj)
        return known[0]

    def forget(self, obj: object) -> None:
        self.memo.pop(id(obj), None)
        self.dates.pop(id(obj), None)

    def _summary(self, summary: ArticleSummary) -> tuple:
        if self.shown is not None:
            self.shown.add(summary.url)
        return self._shared(summary)

    def _view(self, view: ArticleView) -> tuple:
        if self.shown is not None:
            self.shown.add(view.summary.url)
        return self._shared(view)

    def _article_dates(self, dates: ArticleDates) -> tuple:
        # The sitemap shows each article's URL and last change only: a new title must not re-render it. A
        # string of its own, so that pickle's memo of objects seen twice (a date shared with a term's entry)
        # plays no part; kept with the entry, as digests are.
        known = self.dates.get(id(dates))
        if known is None:
            lines = [f"{summary.url} {(summary.updated or summary.date).isoformat()}" for summary in dates.articles]
            known = self.dates[id(dates)] = ("\n".join(lines), tuple(s.url for s in dates.articles), dates)
        if self.shown is not None:
            self.shown.update(known[1])
        return str, (known[0],)

    def _shared(self, obj: object) -> tuple:
        return bytes, (self.digest_of(obj),)


def _contents(obj: object) -> tuple:
    """What the digest of a shared object covers: all its fields, except that an article's summary and view
    hash the keys parsing gave the fields they copy from the article (kept in the parse cache) instead of
    the fields themselves: a third of the time, ~0.4 s per build at 10,000 articles."""
    kind = type(obj)
    if kind is ArticleSummary and obj.summary_key:
        return "ArticleSummary", obj.summary_key, *(getattr(obj, name) for name in ASSEMBLED_SUMMARY_FIELDS)
    if kind is ArticleView and obj.view_key:
        return "ArticleView", obj.view_key, *(getattr(obj, name) for name in ASSEMBLED_VIEW_FIELDS)
    return kind.__name__, obj.__dict__


def _assets_named(tree: jinja2.nodes.Template) -> frozenset[str] | None:
    """The files a template names with asset('...'); None when it uses `asset` otherwise (a computed
    name, the function passed around): then it may name any."""
    calls = [call for call in tree.find_all(jinja2.nodes.Call)
             if isinstance(call.node, jinja2.nodes.Name) and call.node.name == "asset"]
    uses = [name for name in tree.find_all(jinja2.nodes.Name) if name.name == "asset"]
    literal = [call.args[0].value for call in calls if len(call.args) == 1 and not call.kwargs
               and isinstance(call.args[0], jinja2.nodes.Const) and isinstance(call.args[0].value, str)]
    return frozenset(literal) if len(literal) == len(uses) else None


def _body_digest(body: StoredHtml) -> tuple:
    # Which pack holds a body, and where, changes from build to build; the body does not.
    return str, (body.digest,)


class Closure(NamedTuple):
    """A template with every template it extends, includes or imports."""

    sources: bytes  # digest of their names and sources
    assets: tuple[str, ...] | None  # the theme's static files they name with asset('...'); None: any


class Renderer:
    """Renders jobs with one Jinja environment; template errors become located `SourceError`s."""

    def __init__(self, config: Config, theme: Theme, environment: jinja2.Environment,
                 asset_urls: dict[str, str] | None = None, track_articles: bool = False):
        self.config = config
        self.theme = theme
        self.environment = environment
        # What every template can see besides its context: UI strings, theme params. Asset URLs count
        # only for the templates naming them (see closure_digest): a new search.js is the search page's.
        self.globals_digest = hashlib.sha256(repr((sorted(theme.strings.items()), repr(theme.params))).encode()
                                             ).digest()
        self.asset_urls = dict(asset_urls or {})
        self.closures: dict[str, Closure] = {}
        self.asset_digests: dict[str, bytes] = {}
        self.asset_names: dict[str, frozenset[str] | None] = {}
        self.digests = _Digests()
        self.references: dict[str, set[str | None]] = {}
        # article URL -> output paths of the pages showing it, filled by fingerprint() when tracking:
        # what an incremental rebuild re-checks when only that article's values changed.
        self.pages_showing: dict[str, set[str]] | None = {} if track_articles else None

    def fingerprint(self, job: Job, track: bool = True) -> str:
        """Hash of the job's context, its template closure and the theme's globals; with `track` (and
        track_articles), record which articles the page shows.

        Config and code changes are handled above this (they invalidate every fingerprint at once).
        """
        shown: set[str] | None = set() if track and self.pages_showing is not None else None
        digest = hashlib.sha256(self.digests.dump((job.renderer, job.template, job.context), shown))
        for url in shown or ():
            self.pages_showing.setdefault(url, set()).add(job.output_path)
        if job.template:  # feeds and the sitemap are not templates: theme globals cannot reach them
            digest.update(self.globals_digest)
            digest.update(self.closure_digest(job.template))
        return digest.hexdigest()

    def article_digest(self, job: Job, salt: str) -> str:
        """What an article page's search index entry depends on: the article itself (not the related
        articles or neighbours the page also shows, which sit outside data-pagefind-body), its template
        closure, the theme's globals, and `salt` (the config and code versions)."""
        digest = hashlib.sha256(self.digests.digest_of(job.article))
        digest.update(self.globals_digest + self.closure_digest(job.template) + salt.encode())
        return digest.hexdigest()

    def forget(self, *objects: object) -> None:
        """Drop the memoised digests of objects no longer in the model."""
        for obj in objects:
            self.digests.forget(obj)

    def closure_digest(self, name: str) -> bytes:
        """The sources of a template and of every template it extends, includes or imports, and the URLs of
        the assets they name."""
        closure = self.closure(name)
        if name not in self.asset_digests:
            names = sorted(self.asset_urls) if closure.assets is None else closure.assets
            urls = [(asset, self.asset_urls.get(asset)) for asset in names]
            self.asset_digests[name] = hashlib.sha256(repr(urls).encode()).digest()
        return closure.sources + self.asset_digests[name]

    def closure(self, name: str) -> Closure:
        if name not in self.closures:
            digest = hashlib.sha256()
            assets: set[str] | None = set()
            for template in sorted(self._closure(name, set())):
                source = self.environment.loader.get_source(self.environment, template)[0]
                digest.update(template.encode() + b"\0" + source.encode() + b"\0")
                named = self.asset_names.get(template, frozenset())
                assets = None if assets is None or named is None else assets | named
            self.closures[name] = Closure(digest.digest(), None if assets is None else tuple(sorted(assets)))
        return self.closures[name]

    def _closure(self, name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return seen
        seen.add(name)
        if name not in self.references:
            try:
                source = self.environment.loader.get_source(self.environment, name)[0]
                tree = self.environment.parse(source)
                self.references[name] = set(jinja2.meta.find_referenced_templates(tree))
                self.asset_names[name] = _assets_named(tree)
            except (jinja2.TemplateError, OSError):
                self.references[name] = set()  # reported when the job renders
        for reference in self.references[name]:
            if reference is None:  # a computed name: depend on every template of the theme
                for template in self.environment.list_templates():
                    self._closure(template, seen)
            else:
                self._closure(reference, seen)
        return seen

    def render_job(self, job: Job) -> Rendered:
        return Rendered(job.output_path, RENDERERS[job.renderer](self, job))

    def render_template(self, job: Job) -> bytes:
        return self.environment.get_template(job.template).render(job.context).encode("utf-8")

    def template_error(self, job: Job, exc: Exception) -> SourceError:
        """Locate a template failure in the template file. The pages it broke are named by the caller, which
        reports each failure once however many pages it broke."""
        if not job.template:  # a file copied or made in code (a static file that vanished, ...)
            where = getattr(job.context.get("file"), "display_path", job.output_path)
            if isinstance(exc, IdentifyingMetadata):
                return SourceError(where, None, None, f"it carries {exc} (what a camera or phone records: "
                                   "position, serial number, owner), which would be published with it",
                                   f"remove it (exiftool -all= {where}), or save the picture as JPEG, PNG or "
                                   "WebP, whose metadata the build removes")
            return SourceError(where, None, None, f"cannot write it: {type(exc).__name__}: {exc}")
        if isinstance(exc, jinja2.TemplateSyntaxError):
            path = exc.filename or self.theme.template_path(exc.name or job.template)
            return SourceError(path, exc.lineno, None, f"template syntax error: {exc.message}")
        if isinstance(exc, jinja2.TemplateNotFound):
            return SourceError(self.theme.template_path(job.template), None, None,
                               f"template {exc.name!r} not found", "add it to your theme or fix its name")
        template_dirs = tuple(self.theme.template_dirs)
        frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
                  if frame.filename.startswith(template_dirs)]
        if frames:
            frame = frames[-1]
            return SourceError(frame.filename, frame.lineno, None, f"template error: {exc}")
        return SourceError(self.theme.template_path(job.template), None, None,
                           f"template error: {type(exc).__name__}: {exc}")


# What turns a job into bytes, by the job's `renderer`: templates for pages and text files, code for the
# XML formats whose escaping and structure templates would get wrong.
RENDERERS: dict[str, Callable[[Renderer, Job], bytes]] = {
    "html": Renderer.render_template,
    "text": Renderer.render_template,
    "atom": lambda renderer, job: render_atom(renderer.config, job.context),
    "sitemap": lambda renderer, job: render_sitemap(renderer.config, job.context),
    "bytes": lambda renderer, job: job.context["data"],  # the theme's files, host files: made when planning
    # The site's static/ files and articles' attachments, as they are, but for photos' metadata.
    "copy": lambda renderer, job: published_copy(_read(job.context["file"].path), job.context["file"].path),
    "link": lambda renderer, job: LinkedFiles(tuple((path, place.path) for path, place in job.context["files"])),
}


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def render_chunk(renderer: Renderer, jobs: list) -> list[tuple]:
    """(output path, bytes, None) or (output path, None, located error) per job: runs in workers."""
    results = []
    for job in jobs:
        try:
            results.append((job.output_path, renderer.render_job(job).data, None))
        except Exception as exc:  # noqa: BLE001 - every template failure becomes a located error
            results.append((job.output_path, None, renderer.template_error(job, exc)))
    return results


def render_and_hash_chunk(shared: tuple[Renderer, str], jobs: list) -> list[tuple]:
    """render_chunk's results, each with the job's fingerprint and, for a page presenting an article, its
    search digest (runs in workers)."""
    renderer, salt = shared
    return [(*result, renderer.fingerprint(job), renderer.article_digest(job, salt) if job.article else None)
            for job, result in zip(jobs, render_chunk(renderer, jobs), strict=True)]


def hash_chunk(shared: tuple[Renderer, str | None], jobs: list) -> list[tuple]:
    """(fingerprint, search digest or None) per job, without rendering (runs in workers); no search
    digests without a `salt` (a build without search)."""
    renderer, salt = shared
    return [(renderer.fingerprint(job, track=False),
             renderer.article_digest(job, salt) if job.article and salt is not None else None) for job in jobs]
