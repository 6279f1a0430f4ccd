"""sitemap.xml, built as an XML tree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from generator.config import Config
from generator.site.contexts import ArticleDates
from generator.site.urls import absolute_url
from generator.text import xml_safe

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def render_sitemap(config: Config, context: dict[str, Any]) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP})
    for entry in context["entries"]:
        if isinstance(entry, ArticleDates):
            for summary in entry.articles:
                _url(urlset, config, summary.url, summary.updated or summary.date)
        else:
            _url(urlset, config, entry.url, entry.lastmod)
    ET.indent(urlset)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="utf-8") + b"\n"


def _url(urlset: ET.Element, config: Config, url: str, lastmod: datetime | None) -> None:
    element = ET.SubElement(urlset, "url")
    ET.SubElement(element, "loc").text = xml_safe(absolute_url(config, url))
    if lastmod is not None:
        ET.SubElement(element, "lastmod").text = lastmod.date().isoformat()
