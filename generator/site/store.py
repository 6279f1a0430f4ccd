"""The stored model: what a command-line build keeps for the next one's quick path (see resume.py).

A full build re-reads the parse cache, re-assembles the site and fingerprints every page: at 100,000
articles that is twenty seconds for one edited sentence. The preview keeps its model in memory between
builds; a command-line build cannot, and unpickling a whole model costs seconds at that size. So the model
is kept in pieces, in one SQLite file per output folder, and read back only where an edit lands:

- each page that shows articles: its job, pickled with every article summary and view it holds written
  as a reference to that article's URL;
- each published article's summary and view, by URL, with its structure as parsed (`structure_of`);
- which pages show which article (the references of each page);
- the facts the quick path checks before it trusts the rest: every article file's stamp, each published
  article's URL, the warnings, the search pages, the template closures and asset URLs.

A page read back resolves its references through the reader, which hands out the new summary and view of
an edited article: the page then shows the edit, with nothing swapped. A build stores again only the pages
whose fingerprint changed (an unchanged fingerprint means an unchanged context), so storing costs in
proportion to rendering. The file carries the token of the output state it describes: after any other
build of that folder (a killed one, a preview's) it is not used until the next full build stores it anew.
"""

from __future__ import annotations

import array
import copyreg
import hashlib
import io
import pickle
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from generator.cache import CACHE_DIR, code_version
from generator.content.bodies import StoredHtml
from generator.content.schema import structure_of
from generator.site.contexts import ArticleDates, SiteGlobals
from generator.site.model import Article, ArticleSummary, ArticleView, Job

if TYPE_CHECKING:
    from generator.render.render import Closure

STORE_VERSION = 2  # 2: template closures name the assets they use
_SUMMARY_FIELDS = tuple(field.name for field in fields(ArticleSummary))
_VIEW_FIELDS = tuple(field.name for field in fields(ArticleView))
# Rows hold pickles of a few KB: tables keyed by rowid (WITHOUT ROWID tables would spill them onto overflow
# pages, doubling the file). Which pages show which article is the big table: pairs of integers.
_TABLES = """
    CREATE TABLE facts (name TEXT PRIMARY KEY, value BLOB);
    CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL, summary BLOB, view BLOB,
                           structure BLOB, key TEXT);
    CREATE TABLE pages (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, job BLOB, showing BLOB, dating BLOB);
    CREATE TABLE showing (article INTEGER, page INTEGER, PRIMARY KEY (article, page)) WITHOUT ROWID;
    CREATE TABLE dating (article INTEGER, page INTEGER, PRIMARY KEY (article, page)) WITHOUT ROWID;
    CREATE TABLE shared (key TEXT PRIMARY KEY, value BLOB);
"""


class StoreUnusable(Exception):
    """The store cannot answer (missing, corrupt, foreign, or missing a row): build in full instead."""


def store_path(root: Path, output: Path) -> Path:
    """One store per output folder, as the output state (output/state.py)."""
    folder = hashlib.sha256(str(output).encode()).hexdigest()[:12]
    return root / CACHE_DIR / f"model-{folder}.sqlite"


# What a stored pickle calls for each article and shared value it holds; the reader's unpickler answers
# them (see _Reader).
def _summary_ref(url: str) -> ArticleSummary:
    raise StoreUnusable("an article reference read outside the stored model")


def _view_ref(url: str) -> ArticleView:
    raise StoreUnusable("an article reference read outside the stored model")


def _shared_ref(key: str) -> object:
    raise StoreUnusable("a shared value read outside the stored model")


def _dates_ref(entries: tuple) -> ArticleDates:
    raise StoreUnusable("sitemap entries read outside the stored model")


class Dated(NamedTuple):
    """An article as the sitemap shows it, read back in place of its summary: the sitemap lists every
    article, and reading every summary back for each edit would cost what the quick path saves."""

    url: str
    date: datetime
    updated: datetime | None


class _Pickler:
    """Pickles values with each article summary and view they hold written as a reference to its URL
    (collected in `shown`), and the site's globals, which every page holds, as a reference to one stored
    copy (collected in `shared`). Body-store handles a build moved (`moved`) are written as their new ones."""

    def __init__(self, moved: Mapping[StoredHtml, StoredHtml]):
        self.moved = moved
        self.shown: set[str] = set()
        self.dated: set[str] = set()  # articles a value shows only the URL and dates of (the sitemap)
        self.shared: dict[str, bytes] = {}
        self._keys: dict[int, tuple[str, object]] = {}
        self.table = copyreg.dispatch_table.copy()
        self.table.update({ArticleSummary: self._summary, ArticleView: self._view, SiteGlobals: self._shared,
                           ArticleDates: self._dates})
        if moved:
            self.table[StoredHtml] = self._body

    def dump(self, value: object) -> bytes:
        """The pickle of `value`; the articles it shows are then in `shown` and `dated`."""
        self.shown, self.dated = set(), set()
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.dispatch_table = self.table
        pickler.dump(value)
        return buffer.getvalue()

    def _summary(self, summary: ArticleSummary) -> tuple:
        self.shown.add(summary.url)
        return _summary_ref, (summary.url,)

    def _view(self, view: ArticleView) -> tuple:
        self.shown.add(view.summary.url)
        return _view_ref, (view.summary.url,)

    def _shared(self, value: object) -> tuple:
        known = self._keys.get(id(value))
        if known is None:
            data = pickle.dumps(value, protocol=5)
            known = self._keys[id(value)] = (hashlib.sha256(data).hexdigest()[:32], value)  # kept: its id stays its
            self.shared[known[0]] = data
        return _shared_ref, (known[0],)

    def _dates(self, dates: ArticleDates) -> tuple:
        self.dated.update(summary.url for summary in dates.articles)
        return _dates_ref, (tuple(Dated(*(getattr(summary, name) for name in Dated._fields))
                                  for summary in dates.articles),)

    def _body(self, body: StoredHtml) -> tuple:
        body = self.moved.get(body, body)
        return StoredHtml, (body.digest, body.path, body.offset, body.size)


@dataclass(frozen=True)
class StoredFacts:
    """What a full build knew, for the next build to check before using the stored pages."""

    key: str  # everything the build read but the article files' own stamps (resume.structure_key)
    stamps: dict[str, tuple | None]  # article file path -> its stamp
    urls: dict[str, str]  # article source path -> URL, for published articles
    warnings: tuple  # the build's warnings (SourceError)
    search_pages: tuple  # SearchPage of every article page, or () in a build without search
    closures: dict[str, Closure]  # template name -> its closure (sources digest, assets named)
    asset_urls: dict[str, str]
    next_change: str | None
    counts: dict
    excluded: tuple[int, int]  # future-dated articles and drafts left out
    # What quick builds changed since: article file path -> stamp, and article page path -> search digest.
    # Kept apart so that a quick build rewrites these few, not the archive-wide facts above.
    edited_stamps: dict[str, tuple | None] = field(default_factory=dict)
    edited_digests: dict[str, str] = field(default_factory=dict)

    def stamp(self, path: str) -> tuple | None:
        return self.edited_stamps[path] if path in self.edited_stamps else self.stamps.get(path)


def write_store(path: Path, token: str, facts: StoredFacts, jobs: Iterable[Job], changed: set[str] | None,
                articles: Iterable[tuple[ArticleView, Article, str]], moved: Mapping[StoredHtml, StoredHtml]) -> None:
    """Store a full build's model for the output state `token`. `changed`: the output paths whose
    fingerprint differs from those of the build the store holds (which must be the previous one), or None
    to store every page afresh. `articles`: each published article's view, with the article as parsed and
    the fingerprint of its page."""
    pickler = _Pickler(moved)
    connection = _open(path, fresh=changed is None)
    try:
        with connection:
            stored = dict(connection.execute("SELECT url, key FROM articles"))
            published = _store_articles(connection, pickler, articles, stored)
            ids = dict(connection.execute("SELECT url, id FROM articles"))
            for url in ids.keys() - published:  # no longer published: the pages showing it changed, below
                connection.execute("DELETE FROM articles WHERE id = ?", (ids[url],))
                connection.execute("DELETE FROM showing WHERE article = ?", (ids[url],))
                connection.execute("DELETE FROM dating WHERE article = ?", (ids[url],))
            pages = dict(connection.execute("SELECT path, id FROM pages"))
            planned = set()
            for job in jobs:
                planned.add(job.output_path)
                if changed is None or job.output_path in changed:
                    _store_page(connection, pickler, job, ids.__getitem__, pages.get(job.output_path))
            for path_gone in pages.keys() - planned:
                _remove_page(connection, pages[path_gone])
            connection.executemany("INSERT OR IGNORE INTO shared VALUES (?, ?)", pickler.shared.items())
            _put_facts(connection, token, facts)
    finally:
        connection.close()


def _store_articles(connection: sqlite3.Connection, pickler: _Pickler,
                    articles: Iterable[tuple[ArticleView, Article, str]], stored: Mapping[str, str]) -> set[str]:
    """Store the rows of each article whose key changed, keeping its id (pages refer to it); returns the
    URLs of all of them."""
    urls: set[str] = set()

    def rows():
        for view, parsed, fingerprint in articles:
            url = view.summary.url
            urls.add(url)
            key = _article_key(view, parsed, fingerprint, pickler.moved)
            if stored.get(url) != key:
                yield (url, _dump_fields(pickler, view.summary, _SUMMARY_FIELDS),
                       _dump_fields(pickler, view, _VIEW_FIELDS), pickler.dump(structure_of(parsed)), key)

    connection.executemany("INSERT INTO articles (url, summary, view, structure, key) VALUES (?, ?, ?, ?, ?) "
                           "ON CONFLICT (url) DO UPDATE SET summary = excluded.summary, view = excluded.view, "
                           "structure = excluded.structure, key = excluded.key", rows())
    return urls


def _article_key(view: ArticleView, parsed: Article, fingerprint: str, moved: Mapping[StoredHtml, StoredHtml]) -> str:
    """What an article's rows depend on: its page's fingerprint covers its summary and view, but for the
    body's place in the body store (the fingerprint has its digest) and the slug (its URL, which keys the
    rows, may not show it)."""
    body = moved.get(view.body_html, view.body_html) if isinstance(view.body_html, StoredHtml) else None
    place = f"{body.path}:{body.offset}" if body is not None else ""
    return f"{fingerprint}|{parsed.slug}|{place}"


def _store_page(connection: sqlite3.Connection, pickler: _Pickler, job: Job, article_id: Callable[[str], int],
                page: int | None) -> None:
    data = pickler.dump(job)
    shown, dated = pickler.shown, pickler.dated - pickler.shown
    if not shown and not dated:  # a static file, a stylesheet: no edit of an article reaches it
        if page is not None:
            _remove_page(connection, page)
        return
    showing, dating = (array.array("q", sorted(map(article_id, urls))) for urls in (shown, dated))
    if page is None:
        page = connection.execute("INSERT INTO pages (path, job, showing, dating) VALUES (?, ?, ?, ?)",
                                  (job.output_path, data, showing.tobytes(), dating.tobytes())).lastrowid
        before = {table: array.array("q") for table in _LINKS}
    else:
        before = {table: _linked(connection, page, table) for table in _LINKS}
        connection.execute("UPDATE pages SET job = ?, showing = ?, dating = ? WHERE id = ?",
                           (data, showing.tobytes(), dating.tobytes(), page))
    for table, now in zip(_LINKS, (showing, dating), strict=True):
        _relink(connection, table, page, set(before[table]), set(now))


# Which pages show which article: through summaries and views (showing), or only their URL and dates
# (dating: the sitemap, which an edit of anything else does not reach).
_LINKS = ("showing", "dating")


def _relink(connection: sqlite3.Connection, table: str, page: int, before: set[int], now: set[int]) -> None:
    # Only the pairs that changed: the sitemap lists every article, and gains one with each new article.
    connection.executemany(f"DELETE FROM {table} WHERE article = ? AND page = ?",
                           ((article, page) for article in before - now))
    connection.executemany(f"INSERT INTO {table} VALUES (?, ?)", ((article, page) for article in now - before))


def _linked(connection: sqlite3.Connection, page: int, table: str) -> array.array:
    row = connection.execute(f"SELECT {table} FROM pages WHERE id = ?", (page,)).fetchone()
    return array.array("q", row[0] if row else b"")


def _article_id(connection: sqlite3.Connection, url: str) -> int:
    row = connection.execute("SELECT id FROM articles WHERE url = ?", (url,)).fetchone()
    if row is None:
        raise KeyError(url)
    return row[0]


def _remove_page(connection: sqlite3.Connection, page: int) -> None:
    for table in _LINKS:
        _relink(connection, table, page, set(_linked(connection, page, table)), set())
    connection.execute("DELETE FROM pages WHERE id = ?", (page,))


def _dump_fields(pickler: _Pickler, value: object, names: tuple[str, ...]) -> bytes:
    # The fields, not the object: the object itself would be written as a reference to its own URL.
    return pickler.dump(tuple(getattr(value, name) for name in names))


def _put_facts(connection: sqlite3.Connection, token: str, facts: StoredFacts,
               names: Iterable[str] = tuple(field.name for field in fields(StoredFacts))) -> None:
    values = {"version": (STORE_VERSION, code_version()), "token": token,
              **{name: getattr(facts, name) for name in names}}
    connection.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?)",
                           ((name, pickle.dumps(value, protocol=5)) for name, value in values.items()))


def _open(path: Path, fresh: bool = False) -> sqlite3.Connection:
    """The store for writing; `fresh`: emptied first (also whenever it is unreadable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not fresh:
        try:
            connection = _connect(path)
            connection.execute("SELECT article, page FROM showing LIMIT 1").fetchall()
            return connection
        except sqlite3.Error:
            pass
    remove_store(path)
    connection = _connect(path)
    connection.executescript(_TABLES)
    return connection


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level="DEFERRED")
    # A cache: a power cut may lose it (it is then rebuilt), a killed build may not (the journal is kept).
    connection.execute("PRAGMA synchronous = OFF")
    return connection


class StoredModel:
    """A store opened for reading: its facts, and the pages and articles it holds, each read once."""

    def __init__(self, path: Path):
        if not path.is_file():
            raise StoreUnusable("no stored model")
        try:
            self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            values = dict(self.connection.execute(
                "SELECT name, value FROM facts WHERE name IN ('version', 'token')").fetchall())
            if pickle.loads(values["version"]) != (STORE_VERSION, code_version()):
                raise StoreUnusable("stored by another version")
            self.token: str = pickle.loads(values["token"])
        except (sqlite3.Error, KeyError, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
            raise StoreUnusable(str(exc)) from None
        self.path = path
        self.summaries: dict[str, ArticleSummary] = {}
        self.views: dict[str, ArticleView] = {}
        self._shared: dict[str, object] = {}
        self.edited: set[str] = set()

    def close(self) -> None:
        self.connection.close()

    def fact(self, name: str) -> Any:
        return pickle.loads(self._value("SELECT value FROM facts WHERE name = ?", name))

    def edit(self, views: Iterable[ArticleView]) -> None:
        """From now on, the pages read show these views (and their summaries) of their articles."""
        for view in views:
            self.summaries[view.summary.url] = view.summary
            self.views[view.summary.url] = view
            self.edited.add(view.summary.url)

    def pages_showing(self, urls: Iterable[str], dates_changed: Iterable[str] = ()) -> list[Job]:
        """The pages showing any of these articles, and those listing only the URL and dates of those in
        `dates_changed` (the sitemap), read back, in the order of their paths."""
        pages: set[int] = set()
        for table, changed in (("showing", urls), ("dating", dates_changed)):
            for url in changed:
                article = self._value("SELECT id FROM articles WHERE url = ?", url)
                pages.update(page for (page,) in self.connection.execute(
                    f"SELECT page FROM {table} WHERE article = ?", (article,)))
        jobs = [self._load(self._value("SELECT job FROM pages WHERE id = ?", page)) for page in pages]
        return sorted(jobs, key=lambda job: job.output_path)

    def dates(self, entries: tuple[Dated, ...]) -> ArticleDates:
        """The sitemap's articles: the edited ones as they are now, the others as stored."""
        edited = self.edited
        return ArticleDates(tuple(self.summaries[entry.url] if entry.url in edited else entry for entry in entries))

    def shared(self, key: str) -> object:
        known = self._shared.get(key)
        if known is None:
            known = self._shared[key] = self._load(self._value("SELECT value FROM shared WHERE key = ?", key))
        return known

    def summary(self, url: str) -> ArticleSummary:
        return self._article(url, "summary", ArticleSummary, _SUMMARY_FIELDS, self.summaries)

    def view(self, url: str) -> ArticleView:
        return self._article(url, "view", ArticleView, _VIEW_FIELDS, self.views)

    def structure(self, url: str) -> tuple:
        """The article's `structure_of` as the stored build parsed it."""
        return self._load(self._value("SELECT structure FROM articles WHERE url = ?", url))

    def _article(self, url: str, column: str, kind: type, names: tuple[str, ...], known: dict) -> Any:
        """One of the article's stored values, read once (pages sharing it then share one object)."""
        value = known.get(url)
        if value is None:
            values = self._load(self._value(f"SELECT {column} FROM articles WHERE url = ?", url))
            value = known[url] = kind(**dict(zip(names, values, strict=True)))
        return value

    def _value(self, query: str, key: str | int) -> Any:
        try:
            row = self.connection.execute(query, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnusable(str(exc)) from None
        if row is None:
            raise StoreUnusable(f"nothing stored for {key}")
        return row[0]

    def _load(self, data: bytes) -> Any:
        try:
            return _Reader(data, self).load()
        except StoreUnusable:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever is in there, it is only a cache
            raise StoreUnusable(f"unreadable stored value: {exc}") from None


class _Reader(pickle.Unpickler):
    """Unpickles a stored value, resolving its article references through the open store."""

    def __init__(self, data: bytes, store: StoredModel):
        super().__init__(io.BytesIO(data))
        self.store = store

    # Each reference a stored pickle may call -> the store's method answering it.
    REFERENCES = {"_summary_ref": "summary", "_view_ref": "view", "_shared_ref": "shared", "_dates_ref": "dates"}

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in self.REFERENCES:
            return getattr(self.store, self.REFERENCES[name])
        return super().find_class(module, name)


def update_store(path: Path, token: str, facts: StoredFacts,
                 articles: Iterable[tuple[ArticleView, Article, str]], jobs: Iterable[Job]) -> None:
    """After a quick build: the edited articles' new summaries and views, the pages whose fingerprint
    changed (most refer to the articles by URL and are stored as they were; the sitemap holds dates), the
    new facts and token."""
    connection = _connect(path)
    pickler = _Pickler({})
    try:
        with connection:
            _store_articles(connection, pickler, articles, {})
            for job in jobs:
                page = connection.execute("SELECT id FROM pages WHERE path = ?", (job.output_path,)).fetchone()
                _store_page(connection, pickler, job, lambda url: _article_id(connection, url), page and page[0])
            _put_facts(connection, token, facts, ("edited_stamps", "edited_digests"))
    finally:
        connection.close()


def remove_store(path: Path) -> None:
    """Forget the stored model (a build that cannot store it must not leave an older one looking current)."""
    for leftover in (path, path.with_name(path.name + "-journal")):
        leftover.unlink(missing_ok=True)
