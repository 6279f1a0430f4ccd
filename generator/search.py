"""Pagefind indexing of the written site (filled in by the search stage)."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .report import Reporter


def index_search(config: Config, site_dir: Path, reporter: Reporter) -> None:
    """Index `site_dir` with Pagefind."""
    return None
