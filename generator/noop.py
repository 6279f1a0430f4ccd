"""The no-op check: when nothing a build reads changed since the last build, the build stops right away.

It looks only at file stats and the saved build state: no content is parsed, and nothing heavy is imported.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cache import code_version, files_digest
from generator.config import Config
from generator.errors import SourceError
from generator.output.search_layout import SEARCH_DIR, bundle_is_complete
from generator.output.state import OutputState
from generator.output.write import MARKER, WriteReport, journal_path, staging_dir
from generator.render.theme import Theme, theme_files
from generator.result import BuildResult

if TYPE_CHECKING:
    from generator.content.values import Source, StaticFile


@dataclass
class Inputs:
    """What a build reads before parsing: the config, the theme chain, the content files."""

    config: Config
    theme: Theme
    sources: list[Source]
    problems: list[SourceError]
    # Each source's stat, taken once before anything is read: the no-op check, the parse cache and the
    # saved inputs digest all use it (a file saved during the build then differs at the next one).
    stamps: dict[str, tuple | None] = field(default_factory=dict)
    static_files: list[StaticFile] = field(default_factory=list)  # the site's static/ folder
    bundle_files: list[StaticFile] = field(default_factory=list)  # the files of articles written as folders
    # Files the command line's quick path already parsed before it stepped aside: the full build takes
    # these results instead of reading the files a second time (source path -> parse_chunk's result).
    parsed: dict[str, tuple] = field(default_factory=dict)


def inputs_digest(inputs: Inputs, search: bool) -> str:
    """Everything a build reads, by file stat: equal digests (and no embargo due) mean equal outputs."""
    config = inputs.config
    files = inputs.static_files + inputs.bundle_files
    stamps = {**inputs.stamps, **{file.path: file.stamp for file in files}}
    paths = [source.path for source in inputs.sources] + [file.path for file in files] + theme_files(inputs.theme)
    # The file lists count too: a file removed from static/ or from an article's folder changes the digest.
    return files_digest(f"{code_version()}|{config.digest}|{search}|{config.root}|{len(inputs.static_files)}|"
                        f"{len(inputs.bundle_files)}", paths, stamps)


def next_change(future_dates: list[datetime], now: datetime) -> str | None:
    """When time alone changes the site: the next future-dated article falls due (published, or unbadged)."""
    upcoming = [date for date in future_dates if date > now]
    return min(upcoming).isoformat() if upcoming else None


def unchanged_result(inputs: Inputs, now: datetime, search: bool, jobs: int = 1) -> BuildResult | None:
    """The previous result when nothing a build reads has changed since it; None means build. `jobs`
    processes check that the outputs are still there (a stat per file: 143,000 at 100,000 articles)."""
    config = inputs.config
    if inputs.problems:
        return None  # warnings must be shown again
    output = config.root / config.output_dir
    if not output_settled(output):
        return None  # a first build, or a killed one to recover from
    state = OutputState(config, output, [])
    if not state.inputs or state.inputs != inputs_digest(inputs, search):
        return None
    if state.next_change and datetime.fromisoformat(state.next_change) <= now:
        return None
    if config.strict and state.counts.get("warnings"):
        return None  # the last build's warnings are this build's errors
    if not _all_present(str(output), state.listed, jobs):
        return None  # someone removed output files: put them back
    if search and config.search.enabled and state.counts.get("articles") \
            and not bundle_is_complete(output / SEARCH_DIR):
        return None  # someone removed search shards
    counts = state.counts
    return BuildResult(config, None, counts.get("pages", 0), WriteReport(unchanged=len(state.outputs or ())),
                       cached=len(inputs.sources), articles=counts.get("articles", 0))


def output_settled(output: Path) -> bool:
    """Whether `output` is a folder a build of ours completed: marked, with nothing a killed build left."""
    leftovers = (staging_dir(output), output.parent / f".{output.name}.old", journal_path(output))
    return (output / MARKER).is_file() and not any(path.exists() for path in leftovers)


# Below this many outputs, starting a second process costs more than the stats it takes over.
_PARALLEL_CHECK = 20_000


def _all_present(folder: str, paths: list[str], jobs: int) -> bool:
    if jobs <= 1 or len(paths) < _PARALLEL_CHECK:
        return _present(folder, paths)[0]
    from generator.pool import run_tasks

    return all(run_tasks(_present, paths, jobs, folder, chunk_size=len(paths) // jobs + 1, min_items=2))


def _present(folder: str, paths: list[str]) -> list[bool]:
    # Relative to the open folder: a third faster than joining and stat-ing each full path.
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for path in paths:
            try:
                if not stat.S_ISREG(os.stat(path, dir_fd=descriptor).st_mode):
                    return [False]
            except OSError:
                return [False]
    finally:
        os.close(descriptor)
    return [True]
