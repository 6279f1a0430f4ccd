"""The one configured Python-Markdown instance: body HTML, summary, table of contents, word count."""

from __future__ import annotations

import html
import re
import signal
import threading
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import markdown as python_markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.content.media import Media, MediaProblem
from generator.content.quick_markdown import QuickPatterns
from generator.content.values import Image, ImageFile, Rendition
from generator.errors import SourceError
from generator.site.model import Heading
from generator.text import slugify, xml_safe

_EXTENSIONS = ["extra", "toc", "sane_lists"]
_TAG = re.compile(r"<[^>]*>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_WORD = re.compile(r"\w+")
SUMMARY_LENGTH = 300


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: tuple[Heading, ...]
    first_paragraph: str
    word_count: int
    images: tuple[Image, ...] = ()  # the local photos it shows or links to: published with the article


@dataclass
class BodyMedia:
    """A body's references to local files, resolved while it converts; problems located in the body."""

    media: Media
    text: str  # the body, to find where a reference is written
    first_line: int  # of the body in its file
    source_path: str
    problems: list[SourceError] = field(default_factory=list)

    def problem(self, reference: str, problem: MediaProblem) -> None:
        index = max(self.text.find(reference), 0)
        line = self.first_line + self.text.count("\n", 0, index)
        col = index - (self.text.rfind("\n", 0, index) + 1) + 1
        error = SourceError(self.source_path, line, col, problem.message, problem.hint, problem.severity)
        if error not in self.problems:
            self.problems.append(error)


# The width a body photo takes: the article's measure (style.css: --measure) or the whole screen below it.
BODY_SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2.5rem)"


class _LocalFiles(Treeprocessor):
    """Body photos of the article's folder become <picture>s with their renditions (a photo alone in its
    paragraph, a <figure> with its title as caption and a `credit` attribute as credit); links to local
    files are checked, and a link to a photo goes to its largest rendition."""

    def run(self, root):
        body = getattr(self.md, "body_media", None)
        if body is None:
            return None
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "a" and child.get("href"):
                    self._link(body, child)
                elif child.tag == "img" and child.get("src"):
                    self._image(body, parent, child)
        return None

    @staticmethod
    def _link(body: BodyMedia, link) -> None:
        href = link.get("href")
        try:
            rendition = body.media.linked_file(href)
        except MediaProblem as problem:
            body.problem(href, problem)
            return
        if rendition is not None:
            link.set("href", rendition.name)

    @staticmethod
    def _image(body: BodyMedia, parent, img) -> None:
        src = img.get("src")
        written = Image(src, img.get("alt", ""), img.get("title", ""), img.attrib.pop("credit", ""))
        try:
            image = body.media.image(written)
        except MediaProblem as problem:
            body.problem(src, problem)
            return
        img.set("loading", "lazy")
        img.set("decoding", "async")
        if image.file is None:
            return
        body.media.images.append(image)
        if not image.alt.strip():
            body.problem(src, MediaProblem(f"the image {src!r} has no alt text",
                                           "describe what it shows: ![what the photo shows](" + src + ")", "warning"))
        picture = _picture(image.file, image.alt)
        alone = parent.tag == "p" and len(parent) == 1 and not (parent.text or "").strip() \
            and not (img.tail or "").strip()
        if not alone:
            picture.tail = img.tail
            if image.caption:
                picture[-1].set("title", image.caption)
            parent.insert(list(parent).index(img), picture)
            parent.remove(img)
            return
        parent.tag, parent.text = "figure", None
        parent.set("class", "figure")
        parent.remove(img)
        parent.append(picture)
        if image.caption or image.credit:
            caption = etree.SubElement(parent, "figcaption")
            caption.text = image.caption + " " if image.caption and image.credit else image.caption
            if image.credit:
                credit = etree.SubElement(caption, "span", {"class": "credit"})
                credit.text = image.credit


def _picture(file: ImageFile, alt: str):
    """<picture> with a <source> per modern format and the fallback <img>, names relative to the page."""
    picture = etree.Element("picture")
    srcsets = file.srcsets
    for mime, renditions in srcsets[:-1]:
        etree.SubElement(picture, "source", {"type": mime, "srcset": _srcset(renditions), "sizes": BODY_SIZES})
    fallback = file.fallback
    attributes = {"src": fallback.name, "alt": alt, "width": str(fallback.width), "height": str(fallback.height),
                  "loading": "lazy", "decoding": "async"}
    if len(srcsets[-1][1]) > 1:
        attributes.update(srcset=_srcset(srcsets[-1][1]), sizes=BODY_SIZES)
    etree.SubElement(picture, "img", attributes)
    return picture


def _srcset(renditions: tuple[Rendition, ...]) -> str:
    return ", ".join(f"{rendition.name} {rendition.width}w" for rendition in renditions)


class _LocalFilesExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        md.treeprocessors.register(_LocalFiles(md), "local_files", 4)


_converter: python_markdown.Markdown | None = None

# Safe HTML that archives really contain (figures, tables, embeds), nothing that runs: no <script>, no
# event handlers, no style, and links and sources only over http(s), mailto or relative.
_TAGS = set(nh3.ALLOWED_TAGS) | {"iframe", "video", "audio", "source", "track", "picture", "tfoot"}
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden", "aria-describedby"}
_ATTRIBUTES["img"] = _ATTRIBUTES.get("img", set()) | {"loading", "decoding", "srcset", "sizes"}
_ATTRIBUTES["iframe"] = {"src", "width", "height", "allow", "allowfullscreen", "loading", "referrerpolicy"}
_ATTRIBUTES["video"] = {"src", "controls", "poster", "width", "height", "preload", "muted", "loop"}
_ATTRIBUTES["audio"] = {"src", "controls", "preload", "loop"}
_ATTRIBUTES["source"] = {"src", "type", "srcset", "media", "sizes"}
_ATTRIBUTES["track"] = {"src", "kind", "srclang", "label", "default"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


class MarkdownTimeout(Exception):
    """A body took longer than its time budget to convert."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise MarkdownTimeout in the block after `seconds` (main thread only: it relies on SIGALRM)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise MarkdownTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def sanitize_html(fragment: str) -> str:
    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES, link_rel=None,
                     strip_comments=True)


def _heading_id(value: str, separator: str) -> str:
    return slugify(value) or "section"


def _get_converter() -> python_markdown.Markdown:
    # One instance per process: building the extension set costs more than converting a short article.
    global _converter
    if _converter is None:
        _converter = python_markdown.Markdown(
            extensions=[*_EXTENSIONS, QuickPatterns(), _LocalFilesExtension()],
            extension_configs={"toc": {"slugify": _heading_id, "toc_depth": "2-3"}},
            output_format="html",
        )
    return _converter


def render_markdown(text: str, unsafe_html: bool = False, budget: float = 0,
                    media: BodyMedia | None = None) -> RenderedMarkdown:
    """Convert a Markdown body; the HTML is sanitised unless `unsafe_html`. With `media`, references to
    local files are resolved (problems go to `media.problems`).

    Raises RecursionError (pathological nesting) or MarkdownTimeout (over `budget` seconds): callers
    turn both into an error naming the file.
    """
    global _converter
    converter = _get_converter()
    converter.reset()
    converter.body_media = media
    try:
        with time_budget(budget):
            # Control characters (NUL, ESC, ...) are invalid in HTML and XML: pasted garbage, dropped.
            body_html = converter.convert(xml_safe(text))
        tokens = getattr(converter, "toc_tokens", [])
    except (RecursionError, MarkdownTimeout):
        _converter = None  # interrupted half-way: never reuse its state
        raise
    finally:
        converter.reset()
        converter.body_media = None
    if not unsafe_html:
        body_html = sanitize_html(body_html)
    plain_text = html_to_text(body_html)
    match = _FIRST_PARAGRAPH.search(body_html)
    return RenderedMarkdown(
        html=body_html,
        toc=tuple(_flatten_toc(tokens)),
        first_paragraph=html_to_text(match.group(1)) if match else "",
        word_count=len(_WORD.findall(plain_text)),
        images=tuple(media.media.images) if media else (),
    )


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Cut at a word boundary, with an ellipsis when anything was cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def _flatten_toc(tokens: list[dict]) -> list[Heading]:
    headings = []
    for token in tokens:
        headings.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        headings.extend(_flatten_toc(token.get("children", [])))
    return headings
