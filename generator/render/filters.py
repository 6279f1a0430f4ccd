"""Template filters and functions: localised dates, UI strings, absolute URLs, assets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_month_names
from markupsafe import Markup

from generator.config import Config
from generator.content.values import Profile
from generator.site.urls import absolute_url, rebase_links

if TYPE_CHECKING:
    from generator.render.theme import Theme


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


# An article's date shows on its page and on every list, feed and term page that lists it.
@lru_cache(maxsize=32768)
def _formatted_date(day: date, style: str, lang: str) -> str:
    text = format_date(day, style, locale=_locale(lang))
    if day.day == 1 and lang.startswith("fr") and style in ("long", "full"):
        text = _FIRST_OF_MONTH.sub("1er ", text, count=1)  # French writes the first of the month "1er juin"
    return text


_FIRST_OF_MONTH = re.compile(r"(?<!\d)1 ")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _partial_date(text: str, lang: str) -> str:
    """A date written as YYYY-MM-DD, YYYY-MM or YYYY, in words of `lang`; any other text as it is."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        return text
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day:
            return _formatted_date(date(year, month, day), "long", lang)
        if month:
            name = get_month_names("wide", "stand-alone", locale=_locale(lang))[month]
            return f"{name} {year}"
    except (ValueError, KeyError):
        return text
    return str(year)


def _utc(value: datetime) -> str:
    """An instant as UTC ISO 8601 text ("2024-06-05T22:30:00Z"): sorts as text in the order of time."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _srcset(renditions, folder: str) -> str:
    """`srcset` text for renditions published in `folder`: "f/une-480.webp 480w, f/une-800.webp 800w"
    (a card shows one per format: a filter costs a tenth of a macro's loop)."""
    return ", ".join(f"{folder}{rendition.name} {rendition.width}w" for rendition in renditions)


def _lang(context: jinja2.runtime.Context) -> str:
    return context.get("lang") or "en"


def install_filters(environment: jinja2.Environment, config: Config, theme: Theme,
                    asset_urls: dict[str, str]) -> None:
    strings = theme.strings

    @jinja2.pass_context
    def date(context, value: datetime, style: str = "long") -> str:
        """"23 novembre 2026" in French, "November 23, 2026" in English."""
        return _formatted_date(value.date(), style, _lang(context))

    @jinja2.pass_context
    def date_time(context, value: datetime, style: str = "long") -> str:
        return format_datetime(value, "d MMMM y, HH:mm" if style == "long" else style,
                               tzinfo=value.tzinfo, locale=_locale(_lang(context)))

    @jinja2.pass_context
    def month_name(context, month: int, year: int | None = None) -> str:
        name = get_month_names("wide", "stand-alone", locale=_locale(_lang(context)))[month]
        name = name[:1].upper() + name[1:]
        return f"{name} {year}" if year else name

    @jinja2.pass_context
    def translate(context, key: str, **values) -> str:
        """A UI string in the page's language, falling back to English, then to the key itself."""
        lang = _lang(context).split("-")[0]
        text = strings.get(lang, {}).get(key) or strings.get("en", {}).get(key) or key
        return text.format(**values) if values else text

    @jinja2.pass_context
    def plural(context, count: int, key: str) -> str:
        """`{{ 3 | plural('article') }}` -> "3 articles", with the strings `article_one` / `article_other`."""
        form = "one" if count == 1 or (count == 0 and _lang(context).startswith("fr")) else "other"
        return translate(context, f"{key}_{form}", count=count)

    def asset(path: str) -> str:
        """The URL of a theme static file (content-hashed name when available)."""
        return asset_urls.get(path, config.base_path + "static/" + path)

    @jinja2.pass_context
    def date_text(context, text: str) -> str:
        """A date given as text (a citation's "2023-06-01"), in words: "1er juin 2023"."""
        return _partial_date(text, _lang(context))

    def site_links(html: object) -> Markup:
        """A body's HTML (sanitised when parsed) with its root-relative links under the base path."""
        return Markup(rebase_links(str(html), config.base_path))

    def entity(term) -> dict:
        """A term (a link to it, or its page's term) as a schema.org Person or Organization."""
        profile = term.profile
        data = {"@type": "Organization" if profile.organization else "Person", "name": term.name,
                "url": absolute_url(config, term.url)}
        if profile.role:
            data["jobTitle"] = profile.role
        if profile.affiliation:
            data["affiliation"] = {"@type": "Organization", "name": profile.affiliation}
        if profile.same_as:
            data["sameAs"] = list(profile.same_as)
        if profile.photo:
            data["image"] = profile.photo if profile.photo.startswith("http") else absolute_url(
                config, config.base_path + profile.photo.lstrip("/"))
        return data

    def structured_images(image, page_url: str) -> list:
        """An article's image for structured data: its 16x9, 4x3 and 1x1 crops as schema.org ImageObjects
        (Google shows articles with any of the three), or the image's own URL when it is not a local photo."""
        if image is None:
            return []
        if image.file is None:
            return [image.src if image.src.startswith("http") else absolute_url(config, image.src)]
        folder = image.file.folder or page_url
        objects = []
        for purpose in ("16x9", "4x3", "1x1"):
            for crop in image.file.of(purpose):
                data = {"@type": "ImageObject", "url": absolute_url(config, folder + crop.name),
                        "width": crop.width, "height": crop.height}
                if image.caption:
                    data["caption"] = image.caption
                if image.credit:
                    data["creditText"] = image.credit
                objects.append(data)
        return objects

    environment.filters.update(
        entity=entity,
        srcset=_srcset,
        structured_images=structured_images,
        host=lambda url: urlsplit(url).netloc.removeprefix("www.") or url,
        site_links=site_links,
        date=date,
        date_text=date_text,
        date_time=date_time,
        month_name=month_name,
        isodate=lambda value: value.isoformat(),
        day=lambda value: value.date().isoformat(),
        utc=_utc,
        absolute=lambda url: absolute_url(config, url),
        plural=plural,
    )
    environment.globals.update(t=translate, asset=asset, theme_params=theme.params, no_profile=Profile())
