"""The plain values article fields are made of: a content file, an image, a citation, a heading."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One input file under content/."""

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
class Image:
    src: str
    alt: str = ""
    caption: str = ""


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
    """A file of the site's static/ folder, published as it is at the same path under the output."""

    relative: str  # under static/, '/' separators: also its output path
    path: str  # absolute path on disk
    stamp: tuple | None  # (mtime in ns, size, inode) when discovered: what its output's fingerprint covers

    @property
    def display_path(self) -> str:
        return "static/" + self.relative


@dataclass(frozen=True)
class Profile:
    """Who a term is, when it is a person or an organisation (an author, a person mentioned), from its
    term file: shown on its page and in structured data."""

    role: str = ""  # job title: "Correspondante à Kyiv"
    affiliation: str = ""
    same_as: tuple[str, ...] = ()  # profile URLs: Wikidata, Mastodon, Bluesky, a personal site
    photo: str = ""  # a URL or a path on the site (/images/jeanne.jpg, a file of static/)
    organization: bool = False  # an agency or a newsroom rather than a person
