"""The plain values article fields are made of: a content file, an image, a citation, a heading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Source(NamedTuple):
    """One input file under content/. A named tuple: a build makes one per file, 100,000 in a large archive
    (a frozen dataclass costs 0.1 s more to make them)."""

    source_path: str  # relative to content/, with '/' separators
    kind: str  # "article", "page" or "term"
    # Absolute path on disk, a string: a build makes one Source per file (10,000 Path objects cost ~0.15 s
    # on every build, a third of a no-op one).
    path: str
    taxonomy: str = ""  # for term files: the taxonomy name

    @property
    def display_path(self) -> str:
        """The path a user can open from the site's root, used in every message."""
        return "content/" + self.source_path


@dataclass(frozen=True)
class Rendition:
    """One file an image is published as: a width of the responsive set, or a crop for sharing."""

    name: str  # file name in the image's folder: "une-800.webp", "une-16x9.jpg"
    width: int
    height: int
    mime: str  # "image/webp"
    crop: tuple[int, int, int, int] | None = None  # box of the photo it shows (left, top, right, bottom)
    purpose: str = "srcset"  # "srcset", "og" (1200x630), "16x9", "4x3", "1x1" (structured data)


@dataclass(frozen=True)
class ImageFile:
    """A local photo as parsing read it: where it is, what it holds (not its pixels: those are processed
    into `renditions` by output/images.py), and the files it is published as."""

    path: str  # absolute path on disk
    display_path: str  # "content/articles/2024/10/slug/une.jpg", named in messages
    digest: str  # of its bytes: what processed files are cached by
    width: int  # as shown, EXIF orientation applied
    height: int
    format: str  # Pillow's name: "JPEG", "PNG", "WEBP", "GIF", "AVIF"
    renditions: tuple[Rendition, ...]
    folder: str = ""  # URL of the folder its renditions are published in; "" for the article's own

    def of(self, purpose: str) -> tuple[Rendition, ...]:
        return tuple(rendition for rendition in self.renditions if rendition.purpose == purpose)

    @property
    def srcsets(self) -> tuple[tuple[str, tuple[Rendition, ...]], ...]:
        """(MIME type, widths in that format) for <picture>: the fallback format (the original's) last."""
        by_mime: dict[str, list[Rendition]] = {}
        for rendition in self.of("srcset"):
            by_mime.setdefault(rendition.mime, []).append(rendition)
        return tuple((mime, tuple(found)) for mime, found in by_mime.items())

    @property
    def fallback(self) -> Rendition:
        """The <img src>: the original format, at the width nearest 800 pixels."""
        candidates = self.srcsets[-1][1]
        return min(candidates, key=lambda rendition: abs(rendition.width - 800))


@dataclass(frozen=True)
class Image:
    """An image an article shows: its lead image, or one of its body's."""

    src: str  # as written: a URL, a path on the site, or a file of the article's folder
    alt: str = ""
    caption: str = ""
    credit: str = ""  # "Photo : AFP / Jane Doe"
    focus: tuple[float, float] = (0.5, 0.5)  # the point crops keep in view, as fractions of width and height
    file: ImageFile | None = None  # a local photo; None for a remote image, shown as it is


@dataclass(frozen=True)
class Citation:
    """A cited source: a name, and optionally the cited document's link, title and date."""

    name: str
    url: str = ""
    title: str = ""
    date: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    title: str


@dataclass(frozen=True)
class StaticFile:
    """A file of the site's static/ folder, published as it is at the same path under the output; or a file
    of an article's folder (`folder` "content"), published under the article's URL."""

    relative: str  # under static/ (also its output path) or content/, '/' separators
    path: str  # absolute path on disk
    stamp: tuple | None  # (mtime in ns, size, inode) when discovered: what its output's fingerprint covers
    folder: str = "static"

    @property
    def display_path(self) -> str:
        return f"{self.folder}/{self.relative}"


@dataclass(frozen=True)
class Profile:
    """Who a term is, when it is a person or an organisation (an author, a person mentioned), from its
    term file: shown on its page and in structured data."""

    role: str = ""  # job title: "Correspondante à Kyiv"
    affiliation: str = ""
    same_as: tuple[str, ...] = ()  # profile URLs: Wikidata, Mastodon, Bluesky, a personal site
    photo: str = ""  # a URL or a path on the site (/images/jeanne.jpg, a file of static/)
    organization: bool = False  # an agency or a newsroom rather than a person
