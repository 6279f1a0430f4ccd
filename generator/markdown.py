"""The one configured Python-Markdown instance: body HTML, summary, table of contents, word count."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown as python_markdown

from .model import Heading
from .text import slugify

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


def _heading_id(value: str, separator: str) -> str:
    return slugify(value) or "section"


def _get_converter() -> python_markdown.Markdown:
    # One instance per process: building the extension set costs more than converting a short article.
    global _converter
    if _converter is None:
        _converter = python_markdown.Markdown(
            extensions=_EXTENSIONS,
            extension_configs={"toc": {"slugify": _heading_id, "toc_depth": "2-3"}},
            output_format="html",
        )
    return _converter


def render_markdown(text: str) -> RenderedMarkdown:
    """Convert a Markdown body. Raises RecursionError on pathologically nested input (callers locate it)."""
    converter = _get_converter()
    converter.reset()
    try:
        body_html = converter.convert(text)
        tokens = getattr(converter, "toc_tokens", [])
    finally:
        converter.reset()
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
