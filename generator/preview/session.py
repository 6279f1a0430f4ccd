"""A preview session: what one preview process keeps between its builds, and which build each save gets.

The session owns every cross-build cache (the parse cache, the related-article choice and the Jinja
environments in its `BuildMemory`) and the last build's model (`Snapshot`). A save that only edits
articles without moving them goes through the quick path (preview/quick.py); anything else is a full
build through the same pipeline as `news-archive build`, whose result is identical.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from generator.build import build
from generator.cache import files_digest
from generator.config import CONFIG_FILE, Config
from generator.content.values import Source
from generator.errors import SourceError
from generator.options import BuildMemory, BuildOptions
from generator.output.search_layout import SearchPage
from generator.render.theme import Theme, theme_files
from generator.report import Reporter
from generator.result import BuildResult, BuiltSite
from generator.site.model import Article


@dataclass(frozen=True)
class Snapshot:
    """A build's model and render state, indexed for the quick path. Replaced, never changed, by an edit."""

    built: BuiltSite
    inputs_stamp: str  # config file and theme files, by stat
    sources: dict[str, Source]  # normalised absolute path -> source
    directories: frozenset[str]  # the folders holding them
    articles: dict[str, Article]  # source path -> the article as parsed
    positions: dict[str, int]  # source path -> position in site.articles (only published articles)
    job_index: dict[str, int]  # output path -> position in planned
    search_pages: tuple[SearchPage, ...]
    search_positions: dict[str, int]  # output path -> position in search_pages
    warnings: tuple[SourceError, ...]

    @classmethod
    def of(cls, built: BuiltSite, result: BuildResult) -> Snapshot:
        return cls(
            built=built,
            inputs_stamp=inputs_stamp(built.config, built.theme),
            sources={os.path.normpath(source.path): source for source in built.sources},
            directories=frozenset(source_directories(built.sources, built.config.content_dir)),
            articles={article.source_path: article for article in built.articles},
            positions={view.source_path: position for position, view in enumerate(built.site.articles)},
            job_index={job.output_path: position for position, job in enumerate(built.planned)},
            search_pages=tuple(result.search_pages),
            search_positions={page.path: position for position, page in enumerate(result.search_pages)},
            warnings=tuple(result.warnings),
        )

    def with_changes(self, **changes) -> Snapshot:
        return replace(self, **changes)


class PreviewSession:
    """The builds of one preview process: quick when it can, full otherwise."""

    def __init__(self) -> None:
        self.memory = BuildMemory()
        self.snapshot: Snapshot | None = None

    def rebuild(self, root: Path, options: BuildOptions, reporter: Reporter,
                changed: set[str] | None = None) -> BuildResult:
        """Build the site at `root` again; `changed`: the paths (relative to `root`) saved since the last
        build, when they are all content files (else None)."""
        from generator.pool import cyclic_gc_paused
        from generator.preview.quick import quick_rebuild

        snapshot, self.snapshot = self.snapshot, None  # kept only once a build has fully landed
        if snapshot is not None and changed is not None:
            with cyclic_gc_paused():
                quick = quick_rebuild(snapshot, root, options, reporter, changed)
            if quick is not None:
                self.snapshot, result = quick
                return result
        result = build(root, replace(options, keep_model=True, memory=self.memory), reporter=reporter)
        self.snapshot = Snapshot.of(result.model, result)
        return result


def inputs_stamp(config: Config, theme: Theme) -> str:
    """The config file and every theme file, by stat: equal stamps mean the same templates and settings."""
    return files_digest(config.digest, [config.root / CONFIG_FILE, *theme_files(theme)])


def source_directories(sources: list[Source], content_dir: Path) -> set[str]:
    """The folders holding the sources, up to the content folder (normalised absolute paths)."""
    top = os.path.normpath(content_dir)
    folders = {top}
    for source in sources:
        folder = os.path.dirname(os.path.normpath(source.path))
        while folder not in folders and folder.startswith(top):
            folders.add(folder)
            folder = os.path.dirname(folder)
    return folders
