"""Atom feeds, built as XML trees: well-formed by construction, whatever the content holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from generator.config import Config
from generator.site.urls import absolute_url, rebase_links
from generator.text import xml_safe

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"  # Media RSS: the lead photo, its caption and credit, in any feed reader


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key.replace("_", ":"): xml_safe(v) for key, v in attributes.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def render_atom(config: Config, context: dict[str, Any]) -> bytes:
    """An Atom 1.0 feed from a feed job's context (title, page_url, url, entries)."""
    entries = context["entries"]
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:media": MEDIA, "xml:lang": config.language})
    _add(feed, "title", context["title"])
    if config.description:
        _add(feed, "subtitle", config.description)
    _add(feed, "link", rel="self", type="application/atom+xml", href=absolute_url(config, context["url"]))
    _add(feed, "link", rel="alternate", type="text/html", href=absolute_url(config, context["page_url"]))
    _add(feed, "id", absolute_url(config, context["url"]))
    # The newest change among the entries, not the build time: the same input gives the same feed.
    stamps = [entry.summary.updated or entry.summary.date for entry in entries]
    _add(feed, "updated", max(stamps).isoformat() if stamps else "1970-01-01T00:00:00+00:00")
    author = _add(feed, "author")
    _add(author, "name", config.author or config.title)
    _add(feed, "generator", "news-archive")
    for entry in entries:
        _entry(feed, config, entry)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def _entry(feed: ET.Element, config: Config, entry: Any) -> None:
    summary = entry.summary
    url = absolute_url(config, summary.url)
    element = _add(feed, "entry")
    _add(element, "title", summary.title)
    _add(element, "link", rel="alternate", type="text/html", href=url)
    _add(element, "id", url)
    _add(element, "published", summary.date.isoformat())
    _add(element, "updated", (summary.updated or summary.date).isoformat())
    byline = next((taxonomy.name for taxonomy in config.taxonomies if taxonomy.byline), None)
    for ref in summary.terms.get(byline, ()) if byline else ():
        author = _add(element, "author")
        _add(author, "name", ref.name)
        _add(author, "uri", absolute_url(config, ref.url))
    for refs in summary.terms.values():
        for ref in refs:
            _add(element, "category", term=ref.slug, label=ref.name, scheme=absolute_url(config, ref.url))
    if summary.summary:
        _add(element, "summary", summary.summary, type="text")
    image = summary.image
    if image is not None:
        _media(element, config, image, summary.url)
    if entry.body_html:
        # xml:base lets readers resolve the body's relative links against the article's own URL.
        body = rebase_links(str(entry.body_html), config.base_path)
        if image is not None:
            body = _lead_figure(config, image, summary.url) + body
        _add(element, "content", body, type="html", xml_base=url, xml_lang=summary.lang)


def _image_url(config: Config, image: Any, article_url: str) -> tuple[str, int | None, int | None]:
    """The lead image as feeds show it: its 1200-pixel rendition (or the image as written), with its size."""
    if image.file is None:
        return (image.src if image.src.startswith("http") else absolute_url(config, image.src)), None, None
    rendition = max(image.file.srcsets[-1][1], key=lambda r: r.width if r.width <= 1200 else 0)
    return absolute_url(config, (image.file.folder or article_url) + rendition.name), rendition.width, rendition.height


def _media(element: ET.Element, config: Config, image: Any, article_url: str) -> None:
    url, width, height = _image_url(config, image, article_url)
    sizes = {"width": str(width), "height": str(height)} if width else {}
    content = _add(element, "media:content", url=url, medium="image", **sizes)
    if image.alt or image.caption:
        _add(content, "media:description", image.caption or image.alt, type="plain")
    if image.credit:
        _add(content, "media:credit", image.credit)


def _lead_figure(config: Config, image: Any, article_url: str) -> str:
    """The lead photo with its caption and credit, above a full-content entry's body."""
    url, width, height = _image_url(config, image, article_url)
    figure = ET.Element("figure")
    ET.SubElement(figure, "img", {"src": url, "alt": xml_safe(image.alt),
                                  **({"width": str(width), "height": str(height)} if width else {})})
    if image.caption or image.credit:
        caption = ET.SubElement(figure, "figcaption")
        caption.text = xml_safe(" ".join(part for part in (image.caption, image.credit) if part))
    return ET.tostring(figure, encoding="unicode", method="html")
