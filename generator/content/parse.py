"""`Source` -> `Article`, `StandalonePage` or `TermFile`. Pure and cacheable: it runs in workers.

Every field goes through a converter; each problem becomes a located `SourceError` and the file's other
problems are still collected, so one build reports everything at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import yaml

from generator.config import Config
from generator.content.discover import decode_source, read_source
from generator.content.frontmatter import (
    FieldError,
    FrontMatter,
    check_url,
    parse_datetime_text,
    parse_front_matter,
    to_bool,
    to_datetime,
    to_mapping,
    to_names,
    to_text,
)
from generator.content.markdown import (
    BodyMedia,
    MarkdownTimeout,
    RenderedMarkdown,
    html_to_text,
    render_markdown,
    shorten,
)
from generator.content.media import Media, MediaProblem, is_bundle_index, too_small
from generator.content.schema import ARTICLE_SCHEMA, front_matter_keys, slug_of
from generator.content.values import Citation, Image, Profile, Source
from generator.errors import ContentError, SourceError, did_you_mean
from generator.site.model import Article, StandalonePage, TermFile, with_keys
from generator.text import clean_field, slugify

_LANG = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")
_JEKYLL_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)\.md$")
PAGE_FIELDS = ("title", "slug", "lang", "summary", "menu", "weight", "draft")
TERM_FIELDS = ("title", "description", "aliases", "homepage", "role", "affiliation", "same_as", "photo", "type")
_TERM_TYPES = ("person", "organization")


class _Fields:
    """Reads converted fields from a front matter, collecting each problem instead of stopping."""

    def __init__(self, source_path: str, front: FrontMatter, fields: dict[str, yaml.Node]):
        self.source_path = source_path
        self.front = front
        self.fields = fields
        self.problems: list[SourceError] = []

    def get(self, name: str, convert: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        node = self.fields.get(name)
        if node is None:
            return default
        try:
            return convert(node, name, *args)
        except FieldError as exc:
            self.problems.append(self.front.error(self.source_path, exc).error)
            return default

    def problem(self, message: str, name: str | None = None, hint: str = "", severity: str = "error") -> None:
        node = self.front.keys.get(name) if name else None
        line, col = self.front.line_of(node) if node is not None else (1, None)
        self.problems.append(SourceError(self.source_path, line, col, message, hint, severity))


def _open(source: Source, known: tuple[str, ...], config: Config, data: bytes | None = None) -> _Fields:
    """Read the file (or `data`), split its front matter, map field aliases; raises ContentError."""
    text = read_source(source) if data is None else decode_source(source, data)
    front = parse_front_matter(source.display_path, text)
    fields, warnings = _known_fields(front, known, config, source.display_path)
    reader = _Fields(source.display_path, front, fields)
    reader.problems.extend(warnings)
    return reader


def _known_fields(front: FrontMatter, known: tuple[str, ...], config: Config,
                  source_path: str) -> tuple[dict[str, yaml.Node], list[SourceError]]:
    """Map the site's field aliases onto our names; warn about keys nobody reads."""
    theirs_to_ours = {theirs: ours for ours, names in config.front_matter.aliases.items() for theirs in names}
    fields: dict[str, yaml.Node] = {}
    warnings: list[SourceError] = []
    for key, node in front.fields.items():
        if key in known:
            fields[key] = node
        elif key in theirs_to_ours:
            fields.setdefault(theirs_to_ours[key], node)
        elif key not in config.front_matter.ignore:
            line, col = front.line_of(front.keys[key])
            hint = did_you_mean(key, known) or "remove it, or list it in [front_matter] ignore in site.toml"
            warnings.append(SourceError(source_path, line, col, f"unknown front-matter key '{clean_field(key)}'",
                                        hint, "warning"))
    # Our own name wins over an alias when both are present.
    for key in known:
        if key in front.fields:
            fields[key] = front.fields[key]
    return fields, warnings


def article_fields(config: Config) -> tuple[str, ...]:
    """Every front-matter key an article may use on this site (the schema's, taxonomy fields included)."""
    return front_matter_keys(config)


class FieldInput:
    """What one field's reader sees (see content/schema.py): its front-matter value, read through the
    converters below, the file, the Markdown body, and the values of the fields declared before it."""

    def __init__(self, reader: _Fields, source: Source, config: Config, body: RenderedMarkdown | None,
                 values: dict[str, Any]):
        self.reader = reader
        self.source = source
        self.config = config
        self.body = body
        self.values = values
        self.key = ""
        self.media: Media | None = None

    @property
    def given(self) -> bool:
        return self.key in self.reader.fields

    def problem(self, message: str, hint: str = "", severity: str = "error", key: str | None = None,
                at_key: bool = True) -> None:
        """Report a problem, located at the field's key (or `key`'s), or at the file's start."""
        self.reader.problem(message, (key or self.key) if at_key else None, hint, severity)

    def text(self) -> str:
        return self.reader.get(self.key, to_text, default="")

    def bool(self) -> bool:
        return self.reader.get(self.key, to_bool, default=False)

    def datetime(self) -> datetime | None:
        return self.reader.get(self.key, to_datetime, self.config.tz)

    def date_text(self, text: str) -> datetime:
        return parse_datetime_text(text, self.config.tz, None, self.key)

    def names(self, key: str | None = None, commas: bool = False, quiet: bool = False) -> list[str]:
        """The list of names under `key` (the field's own by default); `quiet`: a problem with it is
        another field's to report (the same key read twice)."""
        if quiet:
            node = self.reader.fields.get(key or self.key)
            try:
                return [name for name, _ in to_names(node, key or self.key, commas)] if node is not None else []
            except FieldError:
                return []
        return [name for name, _ in self.reader.get(key or self.key, to_names, commas, default=())]

    def citations(self) -> tuple[Citation, ...]:
        return self.reader.get(self.key, _citations, default=())

    def image(self) -> Image | None:
        """The lead image, its local photo read (see content/media.py)."""
        given = self.reader.get(self.key, _image, default=None)
        if given is None:
            return None
        image, alt_given = given
        if self.media is not None:
            try:
                image = self.media.image(image)
            except MediaProblem as problem:  # a missing or unusable photo: its own problem, not its alt's
                self.problem(problem.message, problem.hint, problem.severity)
                return None if problem.severity == "error" else image
        if not alt_given:
            self.problem("the image has no 'alt' text", "describe what it shows for readers who cannot see it: "
                         "image: {src: ..., alt: \"...\"}; alt: \"\" marks a decorative image", "warning")
        small = too_small(image.file) if image.file else None
        if small:
            self.problem(small.message, small.hint, small.severity)
        return image

    def paths(self) -> tuple[str, ...]:
        return self.reader.get(self.key, _aliases, default=())

    def language(self) -> str:
        return _language(self.reader, self.config, self.key)

    @staticmethod
    def plain(html: str) -> str:
        """Text of an HTML fragment (a summary may hold inline markup)."""
        return html_to_text(html)

    @property
    def lead(self) -> str:
        """The body's first paragraph, shortened: the summary when none is given."""
        return shorten(self.body.first_paragraph) if self.body else ""

    @property
    def stem(self) -> str:
        return _stem(self.source)

    @property
    def bundle(self) -> bool:
        """Whether the article is a folder (…/slug/index.md) with its files beside it."""
        return is_bundle_index(self.source.source_path)

    @property
    def file_date(self) -> str:
        return _jekyll_name(self.source, self.config)[0]

    @property
    def file_slug(self) -> str:
        return _jekyll_name(self.source, self.config)[1]


def parse_article(source: Source, config: Config, data: bytes | None = None,
                  depends: list[tuple[str, tuple | None]] | None = None) -> tuple[Article | None, list[SourceError]]:
    """Parse one article file (or `data`, its bytes): each field of the schema in turn; returns the article
    (None on error) and every problem. The other files it read (photos, attachments) are added to `depends`
    with their stats."""
    try:
        reader = _open(source, article_fields(config), config, data)
    except ContentError as exc:
        return None, [exc.error]
    folder = os.path.dirname(source.source_path)
    media = Media(config, os.path.dirname(source.path) if is_bundle_index(source.source_path) else None,
                  f"content/{folder}/")
    body = _body(reader, reader.front, config, media)
    values: dict[str, Any] = {}
    field = FieldInput(reader, source, config, body, values)
    field.media = media
    for declared in ARTICLE_SCHEMA:
        keys = declared.front_matter_keys(config)
        field.key = keys[0] if keys else declared.name
        values[declared.name] = declared.read(field)
    if depends is not None:
        depends.extend(media.depends)
    if any(not p.is_warning for p in reader.problems) or body is None:
        return None, reader.problems
    article = Article(source_path=source.source_path, source_line=reader.front.body_line, **values)
    return with_keys(article), reader.problems


def parse_page(source: Source, config: Config,
               data: bytes | None = None) -> tuple[StandalonePage | None, list[SourceError]]:
    """Parse a standalone page (content/pages/*.md), or `data`, its bytes."""
    try:
        reader = _open(source, PAGE_FIELDS, config, data)
    except ContentError as exc:
        return None, [exc.error]
    front = reader.front
    title = clean_field(reader.get("title", to_text, default=""))
    if not title:
        reader.problem("missing or empty 'title'", "title", "add a line 'title: ...' to the front matter")
    slug = _page_slug(reader, title, _stem(source))
    weight_text = reader.get("weight", to_text, default="0")
    if not re.fullmatch(r"-?\d{1,6}", weight_text.strip()):
        reader.problem(f"'weight' must be a whole number, got {weight_text!r}", "weight")
        weight_text = "0"
    body = _body(reader, front, config)
    if any(not p.is_warning for p in reader.problems) or body is None:
        return None, reader.problems
    return StandalonePage(
        source_path=source.source_path,
        title=title,
        slug=slug,
        lang=_language(reader, config),
        summary=html_to_text(clean_field(reader.get("summary", to_text, default=""))) or shorten(body.first_paragraph),
        body_html=body.html,
        menu=reader.get("menu", to_bool, default=False),
        weight=int(weight_text),
        draft=reader.get("draft", to_bool, default=False),
    ), reader.problems


def parse_term_file(source: Source, config: Config,
                    data: bytes | None = None) -> tuple[TermFile | None, list[SourceError]]:
    """Parse a term file (content/topics/starlink.md), or `data`, its bytes: display name, description,
    aliases, homepage."""
    try:
        reader = _open(source, TERM_FIELDS, config, data)
    except ContentError as exc:
        return None, [exc.error]
    front = reader.front
    slug = slugify(_stem(source))
    if not slug:
        reader.problem("the file name gives an empty term slug", hint="rename the file, e.g. starlink.md")
    homepage = reader.get("homepage", to_text, default="")
    if homepage:
        homepage = reader.get("homepage", lambda node, name: check_url(to_text(node, name), node, name), default="")
    names = reader.get("aliases", to_names, default=())
    profile = _profile(reader, config)
    body = _body(reader, front, config)
    if any(not p.is_warning for p in reader.problems) or body is None:
        return None, reader.problems
    return TermFile(
        source_path=source.source_path,
        taxonomy=source.taxonomy,
        slug=slug,
        title=clean_field(reader.get("title", to_text, default="")) or _stem(source),
        description=html_to_text(clean_field(reader.get("description", to_text, default=""))),
        aliases=tuple(clean_field(name) for name, _ in names),
        homepage=homepage,
        body_html=body.html,
        profile=profile,
    ), reader.problems


def _profile(reader: _Fields, config: Config) -> Profile:
    """An author's or a person's profile: role, affiliation, profile links, photo, person or organisation."""
    same_as = []
    for url, node in reader.get("same_as", to_names, default=()):
        if not re.match(r"^https?://[^/\s]+\.[^/\s]+", url):
            reader.problems.append(reader.front.error(reader.source_path, FieldError(
                f"'same_as' entry {url!r} is not a web address", node,
                "give full profile URLs, e.g. https://www.wikidata.org/wiki/Q317521")).error)
        else:
            same_as.append(url)
    kind = reader.get("type", to_text, default="person").strip().lower()
    if kind not in _TERM_TYPES:
        reader.problem(f"'type' must be person or organization, not {kind!r}", "type")
    photo = reader.get("photo", lambda node, name: check_url(to_text(node, name), node, name), default="")
    if photo.startswith("/") and not (config.root / "static" / photo.lstrip("/")).is_file():
        reader.problem(f"photo {photo} is not a file of static/", "photo",
                       f"put the photo at static{photo}, or correct the path", "warning")
    return Profile(role=clean_field(reader.get("role", to_text, default="")),
                   affiliation=clean_field(reader.get("affiliation", to_text, default="")),
                   same_as=tuple(same_as), photo=photo, organization=kind == "organization")


# --- Field helpers ---------------------------------------------------------------------------------------


def _stem(source: Source) -> str:
    """The file's name without .md; an article written as a folder is named by its folder."""
    if is_bundle_index(source.source_path):
        return os.path.basename(os.path.dirname(source.path))
    return os.path.basename(source.path)[: -len(".md")]


def _jekyll_name(source: Source, config: Config) -> tuple[str, str]:
    if not config.front_matter.date_from_filename:
        return "", ""
    match = _JEKYLL_NAME.match(_stem(source) + ".md")
    return (match.group(1), match.group(2)) if match else ("", "")


def _language(reader: _Fields, config: Config, key: str = "lang") -> str:
    """One code per language (`fr-FR` -> `fr`): Pagefind builds one index per distinct code."""
    lang = reader.get(key, to_text, default="").strip()
    if not lang:
        return config.language.split("-")[0].lower()
    if not _LANG.match(lang):
        reader.problem(f"invalid language code {lang!r}", key, "use a code such as 'fr' or 'en'")
        return config.language
    return re.split(r"[-_]", lang)[0].lower()


def _page_slug(reader: _Fields, title: str, fallback: str) -> str:
    slug, problem = slug_of(reader.get("slug", to_text, default=""), (title, fallback), "my-page")
    if problem:
        reader.problem(problem[0], "slug", problem[1])
    return slug


def _citations(node: yaml.Node, name: str) -> tuple[Citation, ...]:
    if isinstance(node, yaml.MappingNode):
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark)
    if isinstance(node, yaml.ScalarNode):
        return tuple(Citation(clean_field(text)) for text, _ in to_names(node, name))
    citations = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            text = clean_field(to_text(item, name))
            if text:
                citations.append(Citation(text))
            continue
        values = to_mapping(item, name, {"name", "url", "title", "date"})
        if not values.get("name", ("",))[0]:
            raise FieldError(f"each entry of '{name}' needs a 'name'", item,
                             "e.g. - {name: Wall Street Journal, url: https://...}")
        url_text, url_node = values.get("url", ("", None))
        citations.append(Citation(
            name=clean_field(values["name"][0]),
            url=check_url(url_text, url_node, f"{name}.url") if url_text else "",
            title=clean_field(values.get("title", ("",))[0]),
            date=clean_field(values.get("date", ("",))[0]),
        ))
    return tuple(citations)


def _image(node: yaml.Node, name: str) -> tuple[Image, bool] | None:
    """The image and whether its `alt` was given (empty for a decorative image)."""
    if isinstance(node, yaml.ScalarNode):
        src = to_text(node, name).strip()
        return (Image(check_url(src, node, name)), False) if src else None
    focus_node = next((value for key, value in node.value if key.value == "focus"), None) \
        if isinstance(node, yaml.MappingNode) else None
    if focus_node is not None:
        node = yaml.MappingNode(node.tag, [(k, v) for k, v in node.value if k.value != "focus"], node.start_mark,
                                node.end_mark)
    values = to_mapping(node, name, {"src", "alt", "caption", "credit"})
    src, src_node = values.get("src", ("", node))
    if not src:
        raise FieldError(f"'{name}' needs a 'src'", node, "e.g. image: {src: photo.jpg, alt: ...}")
    return Image(check_url(src, src_node, f"{name}.src"), clean_field(values.get("alt", ("",))[0]),
                 clean_field(values.get("caption", ("",))[0]), clean_field(values.get("credit", ("",))[0]),
                 _focus(focus_node, name) if focus_node is not None else (0.5, 0.5)), "alt" in values


def _focus(node: yaml.Node, name: str) -> tuple[float, float]:
    """The point of a photo that crops keep: [x, y], fractions of its width and height from the top left."""
    problem = FieldError(f"'{name}.focus' must be two numbers between 0 and 1, such as [0.3, 0.4]", node,
                         "the point crops keep in view: 0 is the left or top edge, 1 the right or bottom edge")
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != 2 \
            or not all(isinstance(item, yaml.ScalarNode) for item in node.value):
        raise problem
    try:
        x, y = (float(item.value) for item in node.value)
    except ValueError:
        raise problem from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise problem
    return x, y


def _aliases(node: yaml.Node, name: str) -> tuple[str, ...]:
    paths = []
    for text, item in to_names(node, name):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text) or text.startswith("//"):
            raise FieldError(f"'{name}' entries must be paths on this site such as /2019/05/old-slug/, "
                             f"not {text!r}", item)
        segments = [segment for segment in text.split("/") if segment not in ("", ".")]
        if ".." in segments or "\\" in text or "\x00" in text:
            raise FieldError(f"'{name}' entry {text!r} must not contain '..', '\\' or NUL", item)
        paths.append("/" + "/".join(segments) + ("/" if segments and "." not in segments[-1] else ""))
    return tuple(paths)


def _body(reader: _Fields, front: FrontMatter, config: Config, media: Media | None = None):
    """The converted body; with `media`, its references to local files are resolved and its photos read,
    each problem located at the reference."""
    body_media = BodyMedia(media, front.body, front.body_line, reader.source_path) if media else None
    try:
        body = render_markdown(front.body, config.markdown.unsafe_html, config.markdown.time_budget, body_media)
        if body_media:
            reader.problems.extend(body_media.problems)
        return body
    except RecursionError:
        reader.problems.append(SourceError(reader.source_path, front.body_line, None,
                                           "the Markdown body is nested too deeply to convert",
                                           "simplify deeply nested lists or quotes"))
    except MarkdownTimeout:
        reader.problems.append(SourceError(
            reader.source_path, front.body_line, None,
            f"the Markdown body took more than {config.markdown.time_budget:g} s to convert",
            "look for thousands of unclosed '[' or '(' or deeply nested markup; "
            "[markdown] time_budget in site.toml sets the limit"))
    return None
