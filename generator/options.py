"""What a build is asked to do (`BuildOptions`) and what a long-lived process keeps between builds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class BuildMemory:
    """Caches a process that builds again and again (the preview) keeps from one build for the next.

    A command-line build has none: everything it reuses comes from .cache/. Each cache checks that what it
    holds still matches the files on disk before using it.
    """

    parse_cache: Any = None  # content.parse_cache.ParseCache: the parse results, as last loaded or written
    derived: dict[Path, tuple] = field(default_factory=dict)  # cache file -> (stamp, key, digest, value)
    environments: dict[tuple, tuple] = field(default_factory=dict)  # Jinja environments with their templates' stamp


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    overrides: Mapping[str, Any] = field(default_factory=dict)  # site.toml values for this build (drafts, ...)
    search: bool = False  # index the site with Pagefind after writing it
    jobs: int = 1  # processes for parsing and rendering
    now: datetime | None = None  # the clock: what is future-dated (tests pin it)
    # Hand back the model and the render state (BuildResult.model) for the next build of this process.
    keep_model: bool = False
    memory: BuildMemory | None = None
