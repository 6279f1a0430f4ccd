"""Small text rules shared by every stage: what may reach a terminal, XML, or a URL."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# C0 controls except tab/newline/carriage return, DEL, C1 controls: invalid in XML 1.0 or dangerous in terminals.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates and non-characters cannot be encoded in UTF-8 XML either.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


WORDS_PER_MINUTE = 230


def reading_minutes(word_count: int) -> int:
    """Minutes to read `word_count` words, at least one."""
    return max(1, round(word_count / WORDS_PER_MINUTE))


def printable(text: str) -> str:
    """Text safe for a terminal: control characters shown as escapes instead of being interpreted."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def xml_safe(text: str) -> str:
    """Drop characters that XML 1.0 forbids, so feeds and sitemaps stay well-formed whatever the content."""
    return _XML_INVALID.sub("", text)


def clean_field(text: str) -> str:
    """A single-line field (title, name): controls removed, whitespace folded, NFC-normalised."""
    text = _CONTROL.sub(" ", text)
    return unicodedata.normalize("NFC", " ".join(text.split()))


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
                            "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "ð": "d", "ı": "i",
                            "’": "-", "'": "-"})


# Names, topics and headings repeat across thousands of articles: each distinct text is worked out once.
@lru_cache(maxsize=8192)
def slugify(text: str) -> str:
    """A URL segment from a title or name: "Taïwan" -> "taiwan", "L’État" -> "l-etat".

    Latin accents are transliterated; letters of other scripts (Cyrillic, Greek, CJK) are kept as they are,
    because dropping them would give empty or colliding slugs. Anything that is not a letter or digit becomes
    a single hyphen, so no slug can contain a path separator, a dot segment or a control character.
    """
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).lower()
    slug = re.sub(r"[^\w]+|_", "-", text).strip("-")[:80].rstrip("-")
    if not slug:
        slug = _symbol_names(text)
    # Names Windows reserves would make the site impossible to copy to, or serve from, a Windows disk.
    return slug + "-1" if slug in _WINDOWS_RESERVED else slug


def _symbol_names(text: str) -> str:
    """For a text of symbols only (an emoji topic: "🔥"), a slug from their Unicode names ("fire"), so that
    "🔥" and "🔥🔥" get distinct working URLs; "" for a text without symbols."""
    names = [unicodedata.name(ch, "") for ch in text if unicodedata.category(ch).startswith("S")]
    return re.sub(r"[^a-z0-9]+", "-", " ".join(names).lower()).strip("-")[:80].rstrip("-")


def control_character(text: str) -> str | None:
    """The first control character of `text` as U+XXXX, or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
