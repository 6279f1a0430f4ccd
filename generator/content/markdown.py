"""The one configured Python-Markdown instance: body HTML, summary, table of contents, word count."""

from __future__ import annotations

import html
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import markdown as python_markdown
import nh3

from generator.content.quick_markdown import QuickPatterns
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


_converter: python_markdown.Markdown | None = None

# Safe HTML that archives really contain (figures, tables, embeds), nothing that runs: no <script>, no
# event handlers, no style, and links and sources only over http(s), mailto or relative.
_TAGS = set(nh3.ALLOWED_TAGS) | {"iframe", "video", "audio", "source", "track", "picture", "tfoot"}
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden", "aria-describedby"}
_ATTRIBUTES["img"] = _ATTRIBUTES.get("img", set()) | {"loading", "srcset", "sizes"}
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
            extensions=[*_EXTENSIONS, QuickPatterns()],
            extension_configs={"toc": {"slugify": _heading_id, "toc_depth": "2-3"}},
            output_format="html",
        )
    return _converter


def render_markdown(text: str, unsafe_html: bool = False, budget: float = 0) -> RenderedMarkdown:
    """Convert a Markdown body; the HTML is sanitised unless `unsafe_html`.

    Raises RecursionError (pathological nesting) or MarkdownTimeout (over `budget` seconds): callers
    turn both into an error naming the file.
    """
    global _converter
    converter = _get_converter()
    converter.reset()
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
    if not unsafe_html:
        body_html = sanitize_html(body_html)
    plain_text = html_to_text(body_html)
    match = _FIRST_PARAGRAPH.search(body_html)
    return RenderedMarkdown(
        html=body_html,
        toc=tuple(_flatten_toc(tokens)),
        first_paragraph=html_to_text(match.group(1)) if match else "",
        word_count=len(_WORD.findall(plain_text)),
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
