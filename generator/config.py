"""`site.toml` -> a frozen `Config`. Unknown keys are errors that suggest the closest valid key."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.errors import BuildFailed, SourceError, UsageError, did_you_mean

CONFIG_FILE = "site.toml"

@dataclass(frozen=True)
class Taxonomy:
    """One way of classifying articles (topics, people, sources, ...), declared in `[[taxonomies]]`."""

    name: str  # identifier, also the folder of its term files under content/
    title: str  # plural label shown to readers ("Thèmes")
    singular: str  # singular label ("Thème")
    field: str  # front-matter field it reads
    segment: str  # URL segment: /<segment>/<term>/
    paginate_by: int
    feed: bool
    filter: str = ""  # search filter and deep-link parameter: /search/?topic=Starlink
    byline: bool = False  # its terms sign the article: shown as "Par ...", the feeds' and JSON-LD's authors
    # A free-text field (a migrated archive's "by: Jeanne Martin, à Kyiv et Karim Benali") split into names:
    separators: tuple[str, ...] = ()  # e.g. (";", " & ", " et ", " and ")
    drop_roles: bool = False  # "Name, role" gives "Name"


@dataclass(frozen=True)
class FeedConfig:
    enabled: bool = True
    limit: int = 20
    full_content: bool = True


@dataclass(frozen=True)
class FrontMatterConfig:
    """How to read front matter written for other generators (Jekyll, Hugo) without editing it."""

    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # our field -> their names
    ignore: tuple[str, ...] = ()  # their fields we knowingly drop, without a warning
    date_from_filename: bool = False  # Jekyll's YYYY-MM-DD-slug.md


@dataclass(frozen=True)
class MarkdownConfig:
    unsafe_html: bool = False  # keep raw HTML of bodies as written (scripts included): only for trusted content
    time_budget: float = 5.0  # seconds one body may take to convert before it is reported as pathological


@dataclass(frozen=True)
class SearchConfig:
    enabled: bool = True
    # Most article pages per base shard (one Pagefind run): bounds Pagefind's memory (~0.5 GB for 2,500
    # pages) while keeping few shards for a reader to download.
    shard_size: int = 2500
    # Most changes (new, edited or deleted articles) the small "recent" shard takes before the base shards
    # are re-planned: an edit re-indexes this shard only. 0 re-indexes base shards on every change.
    recent_size: int = 250
    # How much newer articles rise among comparable scores (0: pure relevance; 1: a year-old article
    # needs about twice the score of today's to rank above it).
    recency_boost: float = 0.0


@dataclass(frozen=True)
class ImagesConfig:
    """The image pipeline: which files a photo becomes, and what of its metadata survives."""

    widths: tuple[int, ...] = (480, 800, 1200, 1600)  # responsive widths, never above the photo's own
    formats: tuple[str, ...] = ("webp", "avif")  # besides the original format; avif only where Pillow has it
    quality: int = 82  # JPEG, WebP and AVIF quality (1-95)
    # Largest photo accepted, in pixels: a bigger one (a decompression bomb is a few KB) is refused before
    # it is decoded. 64 MP holds a 61-megapixel camera's photos.
    max_pixels: int = 64_000_000
    keep_copyright: bool = False  # keep the photo's EXIF copyright and artist lines (all else is removed)
    default: str = ""  # image of static/ for sharing articles without one ("/images/une.jpg")


IMAGE_FORMATS = ("webp", "avif")
REDIRECT_FORMATS = ("netlify", "nginx", "json")


@dataclass(frozen=True)
class DeployConfig:
    """What static hosts need besides the pages: redirect files, cache headers, retired URLs."""

    redirects: tuple[str, ...] = ()  # host redirect files: netlify (_redirects, also Cloudflare Pages), nginx, json
    headers: bool = False  # write _headers (Netlify, Cloudflare Pages) with long cache for hashed assets
    retired: tuple[str, ...] = ()  # URLs deliberately taken down: no redirect, no permalink warning


@dataclass(frozen=True)
class CheckConfig:
    """`news-archive check --external`: politeness and caching of outbound link checks."""

    timeout: float = 10.0  # seconds per request
    delay: float = 1.0  # seconds between two requests to the same host
    cache_hours: float = 24.0  # how long a checked link's result is reused


@dataclass(frozen=True)
class Config:
    """Everything a build depends on besides the content itself."""

    root: Path
    title: str
    base_url: str
    language: str = "en"
    timezone: str = "UTC"
    description: str = ""
    author: str = ""
    theme: str = "default"
    paginate_by: int = 10
    permalink: str = "/{year}/{month}/{slug}/"
    taxonomies: tuple[Taxonomy, ...] = ()
    feeds: FeedConfig = FeedConfig()
    front_matter: FrontMatterConfig = FrontMatterConfig()
    search: SearchConfig = SearchConfig()
    markdown: MarkdownConfig = MarkdownConfig()
    deploy: DeployConfig = DeployConfig()
    check: CheckConfig = CheckConfig()
    images: ImagesConfig = ImagesConfig()
    output_dir: Path = Path("output")
    drafts: bool = False
    future: bool = False
    strict: bool = False
    preview: bool = False  # preview builds: plain asset names (CSS hot swap), no permalink record
    base_url_given: bool = True  # false when neither site.toml nor the command line gives one

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    # Cached: URLs and digests are asked for thousands of times per build, and a Config never changes.
    @cached_property
    def base_path(self) -> str:
        """The path part of the base URL, always starting and ending with '/' ("/archive/")."""
        return urlsplit(self.base_url).path or "/"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @cached_property
    def digest(self) -> str:
        """Changes whenever anything that can change the output changes."""
        data = asdict(self)
        data["root"] = data["output_dir"] = ""
        data.pop("check")  # link-check settings do not change the output, nor does turning warnings into errors
        data.pop("strict")
        data.pop("base_url_given")
        data["markdown"].pop("time_budget")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def parse_digest(self) -> str:
        """Changes whenever a parse result could change (not on flags such as --drafts or --base-url)."""
        data = {"taxonomies": [asdict(t) for t in self.taxonomies], "front_matter": asdict(self.front_matter),
                "language": self.language, "timezone": self.timezone, "markdown": asdict(self.markdown),
                "images": asdict(self.images)}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def taxonomy(self, name: str) -> Taxonomy:
        return next(t for t in self.taxonomies if t.name == name)


DEFAULT_TAXONOMIES = (
    {"name": "topics", "title": "Topics", "singular": "Topic"},
    {"name": "people", "title": "People", "singular": "Person"},
    {"name": "sources", "title": "Sources", "singular": "Source"},
)

_TOP_KEYS = {
    "title", "base_url", "language", "timezone", "description", "author", "theme", "paginate_by",
    "permalink", "taxonomies", "feeds", "front_matter", "search", "deploy", "check", "markdown", "images",
}
_TAXONOMY_KEYS = {"name", "title", "singular", "field", "segment", "paginate_by", "feed", "filter", "byline",
                  "separators", "drop_roles"}
_FEED_KEYS = {f.name for f in fields(FeedConfig)}
_FRONT_MATTER_KEYS = {f.name for f in fields(FrontMatterConfig)}
_SEARCH_KEYS = {f.name for f in fields(SearchConfig)}
_DEPLOY_KEYS = {f.name for f in fields(DeployConfig)}
_MARKDOWN_KEYS = {f.name for f in fields(MarkdownConfig)}
_CHECK_KEYS = {f.name for f in fields(CheckConfig)}
_IMAGES_KEYS = {f.name for f in fields(ImagesConfig)}
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


class _Checker:
    """Collects every problem of the config file so they are reported once."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()
        self.errors: list[SourceError] = []
        self.start = 0  # the line of the table being checked: keys are looked for from there

    def line_of(self, key: str) -> int | None:
        pattern = re.compile(rf"^\s*(\[+\s*)?{re.escape(key)}\s*(=|\]|\.)")
        return next((n for n, line in enumerate(self.lines, 1) if n > self.start and pattern.match(line)), None)

    def enter(self, table: str, index: int = 0) -> None:
        """Look for keys from the `index`-th header of `table` on ("feeds" for [feeds], "taxonomies" for the
        entries of [[taxonomies]]); "" for the top level."""
        self.start = 0
        if table:
            header = re.compile(rf"^\s*\[+\s*{re.escape(table)}\s*\]+")
            found = [n for n, line in enumerate(self.lines, 1) if header.match(line)]
            self.start = found[index] if index < len(found) else 0

    def error(self, key: str, message: str, hint: str = "") -> None:
        error = SourceError(self.path.name, self.line_of(key), None, message, hint)
        if error not in self.errors:
            self.errors.append(error)

    def check_keys(self, table: dict, allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"valid keys: {', '.join(sorted(allowed))}"
                self.error(key, f"unknown key '{key}' in {where}", hint)

    def typed(self, table: dict, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = table.get(key, default)
        if isinstance(value, bool) and kind in (int, str):
            self.error(key, f"'{key}' must be a {kind.__name__}, not a boolean")
            return default
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.error(key, f"'{key}' must be a {names}, got {value!r}")
            return default
        return value

    def positive(self, table: dict, key: str, default: int) -> int:
        value = self.typed(table, key, int, default)
        if value < 1:
            self.error(key, f"'{key}' must be at least 1, got {value}")
            return default
        return value


def load_config(root: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read `root/site.toml`, apply command-line overrides, and validate everything at once."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildFailed([SourceError(CONFIG_FILE, None, None, "no site.toml in " + str(root),
                                       "run the command from the site's folder, or pass --root")]) from None
    except UnicodeDecodeError as exc:
        raise BuildFailed([SourceError(CONFIG_FILE, None, None, f"not valid UTF-8: {exc.reason}")]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(match.group(1)), int(match.group(2))) if match else (None, None)
        message = re.sub(r"\s*\(at line.*\)", "", str(exc))
        raise BuildFailed([SourceError(CONFIG_FILE, line, col, f"invalid TOML: {message}")]) from None
    checker = _Checker(path, text)
    config = _build_config(root, raw, checker)
    if checker.errors:
        raise BuildFailed(checker.errors)
    return apply_overrides(config, overrides or {})


def apply_overrides(config: Config, overrides: dict[str, Any]) -> Config:
    """Command-line flags win over the file; `None` means "not given"."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if "base_url" in given:
        given["base_url"] = normalise_base_url(given["base_url"])
        if given["base_url"] is None:
            raise UsageError(f"--base-url: invalid base URL {overrides['base_url']!r} (use an absolute http(s) URL "
                             "such as https://example.org/archive/)")
        given["base_url_given"] = True
    if "output_dir" in given:
        given["output_dir"] = Path(given["output_dir"])
    return replace(config, **given)


def require_base_url(config: Config) -> None:
    """A deployable build needs the address it is published at: canonical links, feeds and the sitemap
    carry it. Raises BuildFailed naming the key when neither site.toml nor --base-url gives it."""
    if not config.base_url_given and not config.preview:
        raise BuildFailed([SourceError(CONFIG_FILE, None, None,
                                       "'base_url' is missing: canonical links, feeds and the sitemap need the "
                                       "address the site is published at",
                                       'add base_url = "https://example.org/" to site.toml, or pass --base-url')])


def normalise_base_url(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _build_config(root: Path, raw: dict, checker: _Checker) -> Config:
    checker.check_keys(raw, _TOP_KEYS, "site.toml")
    title = checker.typed(raw, "title", str, "")
    if not title.strip():
        checker.error("title", "'title' is required", 'add title = "My archive" to site.toml')
    base_url = normalise_base_url(checker.typed(raw, "base_url", str, "http://localhost/"))
    if base_url is None:
        checker.error("base_url", f"invalid base_url {raw.get('base_url')!r}",
                      "use an absolute http(s) URL such as https://example.org/")
        base_url = "http://localhost/"
    timezone = checker.typed(raw, "timezone", str, "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        checker.error("timezone", f"unknown time zone {timezone!r}", "use an IANA name such as 'Europe/Paris'")
        timezone = "UTC"
    language = checker.typed(raw, "language", str, "en")
    if not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", language):
        checker.error("language", f"invalid language code {language!r}", "use a code such as 'fr' or 'en'")
        language = "en"
    return Config(
        root=root,
        title=title,
        base_url=base_url,
        base_url_given="base_url" in raw,
        language=language,
        timezone=timezone,
        description=checker.typed(raw, "description", str, ""),
        author=checker.typed(raw, "author", str, ""),
        theme=checker.typed(raw, "theme", str, "default"),
        paginate_by=checker.positive(raw, "paginate_by", 10),
        permalink=_permalink(raw, checker),
        taxonomies=_taxonomies(raw, checker),
        feeds=_feeds(raw, checker),
        front_matter=_front_matter(raw, checker),
        search=_search(raw, checker),
        markdown=_markdown(raw, checker),
        deploy=_deploy(raw, checker),
        check=_check(raw, checker),
        images=_images(raw, checker),
    )


_PERMALINK = re.compile(r"^/(?:(?:\{(?:year|month|day|slug)\}|[a-z0-9-]+)+/)*$")


def _permalink(raw: dict, checker: _Checker) -> str:
    """Article URL pattern, e.g. "/{year}/{month}/{day}/{slug}/" to keep a Jekyll archive's URLs."""
    pattern = checker.typed(raw, "permalink", str, "/{year}/{month}/{slug}/")
    if "{slug}" not in pattern or not _PERMALINK.match(pattern):
        checker.error("permalink", f"invalid permalink {pattern!r}",
                      "use segments made of {year}, {month}, {day}, {slug} and lowercase words, "
                      "starting and ending with '/', and containing {slug}")
        return "/{year}/{month}/{slug}/"
    return pattern


def _subtable(raw: dict, key: str, checker: _Checker) -> dict:
    checker.enter(key)
    table = raw.get(key, {})
    if not isinstance(table, dict):
        checker.error(key, f"'{key}' must be a table ([{key}])")
        return {}
    return table


def _taxonomies(raw: dict, checker: _Checker) -> tuple[Taxonomy, ...]:
    entries = raw.get("taxonomies", DEFAULT_TAXONOMIES)
    if not isinstance(entries, list | tuple) or not all(isinstance(e, dict) for e in entries):
        checker.error("taxonomies", "'taxonomies' must be an array of tables ([[taxonomies]])")
        return ()
    taxonomies: list[Taxonomy] = []
    for index, entry in enumerate(entries):
        checker.enter("taxonomies", index)
        checker.check_keys(entry, _TAXONOMY_KEYS, "[[taxonomies]]")
        name = checker.typed(entry, "name", str, "")
        if not _NAME.match(name):
            checker.error("name", f"taxonomy name {name!r} must be lowercase letters, digits, '-' or '_'")
            continue
        segment = checker.typed(entry, "segment", str, name).strip("/")
        if not _NAME.match(segment):
            checker.error("segment", f"taxonomy segment {segment!r} must be lowercase letters, digits, '-'")
            segment = name
        taxonomies.append(Taxonomy(
            name=name,
            title=checker.typed(entry, "title", str, name.capitalize()),
            singular=checker.typed(entry, "singular", str, name.capitalize()),
            field=checker.typed(entry, "field", str, name),
            segment=segment,
            paginate_by=checker.positive(entry, "paginate_by", raw.get("paginate_by", 10)
                                         if isinstance(raw.get("paginate_by"), int) else 10),
            feed=checker.typed(entry, "feed", bool, True),
            filter=_filter_key(entry, name, checker),
            byline=checker.typed(entry, "byline", bool, False),
            separators=_separators(entry, checker),
            drop_roles=checker.typed(entry, "drop_roles", bool, False),
        ))
    checker.enter("taxonomies")
    _check_unique(taxonomies, checker)
    return tuple(taxonomies)


def _separators(entry: dict, checker: _Checker) -> tuple[str, ...]:
    separators = checker.typed(entry, "separators", list, [])
    if not all(isinstance(item, str) and item.strip(" ") for item in separators):
        checker.error("separators", "'separators' must be a list of texts such as [\";\", \" & \", \" et \"]")
        return ()
    return tuple(separators)


def _filter_key(entry: dict, name: str, checker: _Checker) -> str:
    default = name[:-1] if name.endswith("s") and len(name) > 2 else name
    key = checker.typed(entry, "filter", str, default)
    if not _NAME.match(key) or key in ("q", "sort", "year", "page"):
        checker.error("filter", f"taxonomy filter {key!r} must be lowercase letters, digits, '-' or '_', "
                                "and not q, sort, year or page")
        return default
    return key


def _check_unique(taxonomies: list[Taxonomy], checker: _Checker) -> None:
    for attribute in ("name", "segment", "field", "filter"):
        seen: set[str] = set()
        for taxonomy in taxonomies:
            value = getattr(taxonomy, attribute)
            if value in seen:
                checker.error(attribute, f"two taxonomies share the {attribute} {value!r}")
            seen.add(value)
    if sum(taxonomy.byline for taxonomy in taxonomies) > 1:
        checker.error("byline", "only one taxonomy can give the articles' bylines (byline = true)")
    for taxonomy in taxonomies:
        if taxonomy.segment.isdigit():
            checker.error("segment", f"taxonomy segment {taxonomy.segment!r} is reserved for the date archives")


def taxonomy_conflicts(config: Config) -> list[SourceError]:
    """Taxonomies whose field is an article field's key, or whose URL segment the site's own pages use.

    Checked when the content is loaded rather than with the rest of site.toml: it needs the article schema
    and the page kinds, which a build with nothing to do never loads (and such a build follows one that
    passed this check with the same site.toml)."""
    from generator.content.schema import front_matter_keys
    from generator.site.kinds import reserved_segments

    path = config.root / CONFIG_FILE
    checker = _Checker(path, path.read_text(encoding="utf-8") if path.is_file() else "")
    article_keys = front_matter_keys()  # the keys that are not the config's own
    reserved = reserved_segments()
    for index, taxonomy in enumerate(config.taxonomies):
        checker.enter("taxonomies", index)
        if taxonomy.segment in reserved:
            checker.error("segment", f"taxonomy segment {taxonomy.segment!r} is reserved for other pages")
        if taxonomy.field in article_keys and taxonomy.field != "sources":
            checker.error("field", f"taxonomy field {taxonomy.field!r} is already an article field")
    return checker.errors


def _feeds(raw: dict, checker: _Checker) -> FeedConfig:
    table = _subtable(raw, "feeds", checker)
    checker.check_keys(table, _FEED_KEYS, "[feeds]")
    return FeedConfig(
        enabled=checker.typed(table, "enabled", bool, True),
        limit=checker.positive(table, "limit", 20),
        full_content=checker.typed(table, "full_content", bool, True),
    )


def _front_matter(raw: dict, checker: _Checker) -> FrontMatterConfig:
    table = _subtable(raw, "front_matter", checker)
    checker.check_keys(table, _FRONT_MATTER_KEYS, "[front_matter]")
    aliases_table = table.get("aliases", {})
    aliases: dict[str, tuple[str, ...]] = {}
    if not isinstance(aliases_table, dict):
        checker.error("aliases", "[front_matter] aliases must be a table: our_field = ['their_field']")
        aliases_table = {}
    for ours, theirs in aliases_table.items():
        names = [theirs] if isinstance(theirs, str) else theirs
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            checker.error(ours, f"alias for {ours!r} must be a field name or a list of names")
            continue
        aliases[ours] = tuple(names)
    ignore = checker.typed(table, "ignore", list, [])
    return FrontMatterConfig(
        aliases=aliases,
        ignore=tuple(str(name) for name in ignore),
        date_from_filename=checker.typed(table, "date_from_filename", bool, False),
    )


def _markdown(raw: dict, checker: _Checker) -> MarkdownConfig:
    table = _subtable(raw, "markdown", checker)
    checker.check_keys(table, _MARKDOWN_KEYS, "[markdown]")
    budget = checker.typed(table, "time_budget", (int, float), 5.0)
    if budget < 0:
        checker.error("time_budget", "'time_budget' must not be negative (0 turns it off)")
        budget = 5.0
    return MarkdownConfig(checker.typed(table, "unsafe_html", bool, False), float(budget))


def _deploy(raw: dict, checker: _Checker) -> DeployConfig:
    table = _subtable(raw, "deploy", checker)
    checker.check_keys(table, _DEPLOY_KEYS, "[deploy]")
    formats = checker.typed(table, "redirects", list, [])
    for name in formats:
        if name not in REDIRECT_FORMATS:
            checker.error("redirects", f"unknown redirect format {name!r}",
                          did_you_mean(str(name), REDIRECT_FORMATS) or "use: " + ", ".join(REDIRECT_FORMATS))
    retired = []
    for url in checker.typed(table, "retired", list, []):
        if not isinstance(url, str) or not url.startswith("/"):
            checker.error("retired", f"retired URL {url!r} must be a path starting with '/'")
        else:
            retired.append(url)
    return DeployConfig(tuple(f for f in formats if f in REDIRECT_FORMATS),
                        checker.typed(table, "headers", bool, False), tuple(retired))


def _check(raw: dict, checker: _Checker) -> CheckConfig:
    table = _subtable(raw, "check", checker)
    checker.check_keys(table, _CHECK_KEYS, "[check]")
    values = {}
    for key in _CHECK_KEYS:
        value = checker.typed(table, key, (int, float), getattr(CheckConfig, key))
        if value < 0:
            checker.error(key, f"'{key}' must not be negative")
            continue
        values[key] = float(value)
    return CheckConfig(**values)


def _images(raw: dict, checker: _Checker) -> ImagesConfig:
    table = _subtable(raw, "images", checker)
    checker.check_keys(table, _IMAGES_KEYS, "[images]")
    widths = checker.typed(table, "widths", list, list(ImagesConfig.widths))
    if not widths or not all(isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8192 for w in widths):
        checker.error("widths", f"'widths' must be a list of pixel widths between 16 and 8192, got {widths!r}",
                      "e.g. widths = [480, 800, 1200, 1600]")
        widths = list(ImagesConfig.widths)
    formats = checker.typed(table, "formats", list, list(ImagesConfig.formats))
    for name in formats:
        if name not in IMAGE_FORMATS:
            checker.error("formats", f"unknown image format {name!r}",
                          did_you_mean(str(name), IMAGE_FORMATS) or "use: " + ", ".join(IMAGE_FORMATS))
    quality = checker.typed(table, "quality", int, ImagesConfig.quality)
    if not 1 <= quality <= 95:
        checker.error("quality", f"'quality' must be between 1 and 95, got {quality}")
        quality = ImagesConfig.quality
    default = checker.typed(table, "default", str, "")
    if default and (not default.startswith("/") or ".." in default.split("/")):
        checker.error("default", f"'default' must be the path of an image of static/, such as /images/une.jpg, "
                                 f"got {default!r}")
        default = ""
    return ImagesConfig(widths=tuple(sorted(set(widths))),
                        formats=tuple(dict.fromkeys(f for f in formats if f in IMAGE_FORMATS)),
                        quality=quality,
                        max_pixels=checker.positive(table, "max_pixels", ImagesConfig.max_pixels),
                        keep_copyright=checker.typed(table, "keep_copyright", bool, False),
                        default=default)


def _search(raw: dict, checker: _Checker) -> SearchConfig:
    table = _subtable(raw, "search", checker)
    checker.check_keys(table, _SEARCH_KEYS, "[search]")
    recent_size = checker.typed(table, "recent_size", int, SearchConfig.recent_size)
    if recent_size < 0:
        checker.error("recent_size", f"'recent_size' must not be negative, got {recent_size}")
        recent_size = SearchConfig.recent_size
    boost = checker.typed(table, "recency_boost", (int, float), SearchConfig.recency_boost)
    if not 0 <= boost <= 10:
        checker.error("recency_boost", f"'recency_boost' must be between 0 and 10, got {boost}",
                      "0 ranks by relevance only; 0.5 is a gentle preference for news")
        boost = SearchConfig.recency_boost
    return SearchConfig(enabled=checker.typed(table, "enabled", bool, True),
                        shard_size=checker.positive(table, "shard_size", SearchConfig.shard_size),
                        recent_size=recent_size, recency_boost=float(boost))
