"""What a build returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import Config
from generator.errors import SourceError
from generator.output.search_layout import SearchPage
from generator.output.write import WriteReport

if TYPE_CHECKING:
    from generator.content.values import Source
    from generator.output.state import OutputState
    from generator.render.render import Renderer
    from generator.render.theme import Theme
    from generator.site.model import Article, Job, Site


@dataclass(frozen=True)
class BuiltSite:
    """A build's model and render state, for a process that builds again (BuildOptions.keep_model)."""

    config: Config
    theme: Theme
    sources: list[Source]
    articles: list[Article]  # as parsed, published or not
    site: Site
    planned: list[Job]
    fingerprints: dict[str, str]
    outputs: set[str]
    renderer: Renderer
    state: OutputState
    output: Path
    next_change: str | None
    salt: str
    counts: dict


@dataclass
class BuildResult:
    config: Config
    site: Site | None  # None when nothing changed since the last build (nothing was assembled)
    pages: int
    write: WriteReport
    warnings: list[SourceError] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # output paths rendered by this build
    search_pages: list[SearchPage] = field(default_factory=list)  # the article pages: what search covers
    parsed: int = 0  # source files parsed by this build
    cached: int = 0  # source files taken from the parse cache
    articles: int = 0
    indexed: list[str] = field(default_factory=list)  # search shards indexed by this build
    quick: bool = False  # only the pages showing edited articles were looked at (preview/quick.py, resume.py)
    excluded: tuple[int, int] = (0, 0)  # future-dated articles and drafts left out, when `site` is None
    model: BuiltSite | None = None  # with BuildOptions.keep_model
