"""The article schema: one declaration per article field, and everything else derived from it.

Each `ArticleField` says which front-matter keys it reads, how it reads and checks them, where the site
shows it (`LISTS`: cards, lists and feeds as well as the article's own page; `PAGE`: only the article's
own page; `NOWHERE`: it only places the article) and whether changing it moves the article in the site
(`structural`: its URL, its lists or its terms). From this one list come:

- the model: the attributes of `Article`, `ArticleSummary` (the `LISTS` fields) and `ArticleView` (the
  `PAGE` fields) in `site/model.py`;
- parsing: `parse_article` reads the fields in this order, each reader seeing the ones before it;
- the unknown-key warning and its did-you-mean (`front_matter_keys`);
- fingerprints: an article's summary key and view key digest the `LISTS` and `PAGE` fields;
- the preview's quick path: an edit that changes no structural field is applied in place;
- `news-archive new`: the lines of a new article (`scaffold`).

Adding a field is: declare it here, show it in the templates, document it in the README.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from generator.content.values import Citation, Heading, Image
from generator.text import clean_field, control_character, reading_minutes, slugify

if TYPE_CHECKING:
    from generator.config import Config
    from generator.content.parse import FieldInput


class Shown(Enum):
    LISTS = "lists"  # article cards, lists, feeds, and the article's own page
    PAGE = "page"  # only the article's own page
    NOWHERE = "nowhere"  # places the article (its URL) without being shown


@dataclass(frozen=True)
class Scaffold:
    """What `news-archive new` knows when it writes a new article."""

    config: Config
    title: str
    date: datetime
    lang: str


@dataclass(frozen=True)
class ArticleField:
    name: str  # attribute of Article (and of ArticleSummary or ArticleView, as `shown` says)
    type: Any  # for the model's annotations
    read: Callable[[FieldInput], Any]  # reads and checks the value; problems go through FieldInput.problem
    shown: Shown
    structural: bool = False  # a change moves the article: its URL, the lists or terms it belongs to
    # The front-matter keys it reads: the field's name unless given; a function of the site's config for
    # fields whose keys the config names (taxonomies); () for fields derived from the body.
    keys: tuple[str, ...] | Callable[[Config], tuple[str, ...]] | None = None
    scaffold: Callable[[Scaffold], tuple[str, ...]] | None = None  # the lines `news-archive new` writes

    def front_matter_keys(self, config: Config | None) -> tuple[str, ...]:
        if self.keys is None:
            return (self.name,)
        if callable(self.keys):
            return self.keys(config) if config is not None else ()
        return self.keys


# --- Readers -------------------------------------------------------------------------------------------


def _title(field: FieldInput) -> str:
    title = clean_field(field.text())
    if not field.given:
        field.problem("missing 'title'", hint="add a line 'title: ...' to the front matter", at_key=False)
    elif not title:
        field.problem("'title' is empty")
    return title


def _date(field: FieldInput) -> datetime | None:
    if field.given:
        return field.datetime()
    if field.file_date:
        return field.date_text(field.file_date)
    field.problem("missing 'date'", hint="add a line 'date: YYYY-MM-DD' to the front matter", at_key=False)
    return None


def _updated(field: FieldInput) -> datetime | None:
    updated = field.datetime()
    date = field.values.get("date")
    if date and updated and updated < date:
        field.problem("'updated' is before 'date'", hint="check both dates", severity="warning")
    return updated


def _summary(field: FieldInput) -> str:
    return field.plain(clean_field(field.text())) or field.lead


def slug_of(given: str, fallbacks: tuple[str, ...], example: str) -> tuple[str, tuple[str, str] | None]:
    """The slug of an article or a page: the given one, else the first fallback (title, file name) that
    gives one; with the (message, hint) of a problem with the given one, or None."""
    control = control_character(given)
    if control:
        return "untitled", (f"'slug' contains the control character {control}",
                            f"write the slug with letters, digits and hyphens only, e.g. '{example}'")
    if given.strip():
        slug = slugify(given)
        return slug, None if slug else (f"'slug' {given!r} has no letters or digits", "use e.g. 'my-article'")
    return next((slug for text in fallbacks if (slug := slugify(text))), "untitled"), None


def _slug(field: FieldInput) -> str:
    # An article written as a folder is named by its folder, as a page bundle is in Hugo.
    named = field.file_slug or field.stem
    fallbacks = (named, field.values["title"]) if field.bundle else (field.values["title"], named)
    slug, problem = slug_of(field.text(), fallbacks, "my-article")
    if problem:
        field.problem(problem[0], hint=problem[1])
    return slug


def _taxonomy_keys(config: Config) -> tuple[str, ...]:
    return tuple(taxonomy.field for taxonomy in config.taxonomies)


def _terms(field: FieldInput) -> dict[str, tuple[str, ...]]:
    """Taxonomy name -> term names as written; the `sources` field gives the names of its citations."""
    terms: dict[str, tuple[str, ...]] = {}
    for taxonomy in field.config.taxonomies:
        if taxonomy.field == "sources":
            names = [citation.name for citation in field.values["citations"]]
        else:
            splits = bool(taxonomy.separators) or taxonomy.drop_roles
            names = [clean_field(name) for text in field.names(taxonomy.field, commas=splits)
                     for name in split_names(text, taxonomy.separators, taxonomy.drop_roles)]
        unique: dict[str, str] = {}
        for name in names:
            if name and slugify(name):
                unique.setdefault(slugify(name), name)  # "Taïwan" and "Taiwan" in one list count once
            elif name:
                field.problem(f"{taxonomy.field} entry {name!r} has no letters or digits", key=taxonomy.field)
        terms[taxonomy.name] = tuple(unique.values())
    return terms


def split_names(text: str, separators: tuple[str, ...], drop_roles: bool) -> list[str]:
    """The names of a free-text byline ("Jeanne Martin, à Kyiv et Karim Benali"): split at the site's
    `separators`; with `drop_roles`, only the name of "Name, role" is kept ("Rob Pike, for the Go team")."""
    parts = [text]
    for separator in separators:
        parts = [piece for part in parts for piece in part.split(separator)]
    if drop_roles:
        parts = [part.split(",", 1)[0] for part in parts]
    return [part.strip() for part in parts if part.strip()]


def _byline_keys(config: Config) -> tuple[str, ...]:
    return tuple(taxonomy.field for taxonomy in config.taxonomies if taxonomy.byline)


def _byline_roles(field: FieldInput) -> tuple[tuple[str, str], ...]:
    """(name, role) for each author of a free-text byline whose role the site drops from the name
    ("Jeanne Martin, correspondante à Kyiv"): the byline shows the role beside the name."""
    taxonomy = next((t for t in field.config.taxonomies if t.byline and t.drop_roles), None)
    if taxonomy is None:
        return ()
    roles = []
    for text in field.names(taxonomy.field, commas=True, quiet=True):  # the terms report its problems
        for part in split_names(text, taxonomy.separators, drop_roles=False):
            name, _, role = part.partition(",")
            if clean_field(role):
                roles.append((clean_field(name), clean_field(role)))
    return tuple(roles)


def _scaffold_terms(new: Scaffold) -> tuple[str, ...]:
    return tuple(f"{taxonomy.field}: []" for taxonomy in new.config.taxonomies)


ARTICLE_SCHEMA: tuple[ArticleField, ...] = (
    ArticleField("title", str, _title, Shown.LISTS,
                 scaffold=lambda new: (f"title: {json.dumps(new.title, ensure_ascii=False)}",)),
    ArticleField("date", datetime, _date, Shown.LISTS, structural=True,
                 scaffold=lambda new: (f"date: {new.date.isoformat()}",)),
    ArticleField("updated", datetime | None, _updated, Shown.LISTS),
    ArticleField("lang", str, lambda field: field.language(), Shown.LISTS,
                 scaffold=lambda new: (f"lang: {new.lang}",)),
    ArticleField("summary", str, _summary, Shown.LISTS, scaffold=lambda new: ('summary: ""',)),
    # The dateline's place ("Kyiv"): where the article was reported from, shown with its date.
    ArticleField("location", str, lambda field: clean_field(field.text()), Shown.PAGE),
    ArticleField("slug", str, _slug, Shown.NOWHERE, structural=True),
    ArticleField("citations", tuple[Citation, ...], lambda field: field.citations(), Shown.PAGE,
                 keys=("sources",)),
    ArticleField("terms", dict[str, tuple[str, ...]], _terms, Shown.LISTS, structural=True, keys=_taxonomy_keys,
                 scaffold=_scaffold_terms),
    ArticleField("byline_roles", tuple[tuple[str, str], ...], _byline_roles, Shown.PAGE, keys=_byline_keys),
    ArticleField("image", Image | None, lambda field: field.image(), Shown.LISTS),
    ArticleField("aliases", tuple[str, ...], lambda field: field.paths(), Shown.PAGE, structural=True),
    ArticleField("draft", bool, lambda field: field.bool(), Shown.LISTS, structural=True,
                 scaffold=lambda new: ("draft: true",)),
    # From the Markdown body.
    ArticleField("body_html", str, lambda field: field.body.html if field.body else "", Shown.PAGE, keys=()),
    # The local photos the body shows or links to: published with the article (its <picture>s are in the body).
    ArticleField("media", tuple[Image, ...], lambda field: field.body.images if field.body else (), Shown.PAGE,
                 keys=()),
    ArticleField("toc", tuple[Heading, ...], lambda field: field.body.toc if field.body else (), Shown.PAGE,
                 keys=()),
    ArticleField("word_count", int, lambda field: field.body.word_count if field.body else 0, Shown.PAGE, keys=()),
    ArticleField("reading_minutes", int, lambda field: reading_minutes(field.values["word_count"]), Shown.LISTS,
                 keys=()),
)

LIST_FIELDS = tuple(field.name for field in ARTICLE_SCHEMA if field.shown is Shown.LISTS)
PAGE_FIELDS = tuple(field.name for field in ARTICLE_SCHEMA if field.shown is Shown.PAGE)
STRUCTURAL_FIELDS = tuple(field.name for field in ARTICLE_SCHEMA if field.structural)


def structure_of(article) -> tuple:
    """What an edit must leave as it was for the site's structure to stay (a quick path's condition): the
    structural fields, and the photo files (which are outputs of their own)."""
    images = ([article.image] if article.image else []) + list(article.media)
    return (tuple(getattr(article, name) for name in STRUCTURAL_FIELDS),
            tuple(image.file for image in images if image.file is not None))


def same_structure(old, new) -> bool:
    """Whether an edit from article `old` to `new` (both as parsed) leaves the site's structure as it was:
    only then may a quick path update the pages showing the article instead of building the site again."""
    return structure_of(old) == structure_of(new)


def front_matter_keys(config: Config | None = None) -> tuple[str, ...]:
    """Every front-matter key an article may use; without a config, those that do not depend on it."""
    return tuple(dict.fromkeys(key for field in ARTICLE_SCHEMA for key in field.front_matter_keys(config)))


def scaffold_lines(new: Scaffold) -> list[str]:
    """The front matter of a new article: each field's scaffold lines, in the schema's order."""
    return [line for field in ARTICLE_SCHEMA if field.scaffold for line in field.scaffold(new)]
