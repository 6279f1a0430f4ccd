"""What a build tells its user: messages, warnings, errors, stage timings. A recording twin serves tests."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from generator.errors import SourceError
from generator.text import printable

PROGRESS_MIN = 500  # items below which a stage is too short to show progress


class Reporter:
    """Console reporter: progress and results on stdout, problems on stderr."""

    def __init__(self, verbosity: int = 1, out: TextIO | None = None, err: TextIO | None = None):
        self.verbosity = verbosity  # 0 quiet, 1 normal, 2 verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.timings: dict[str, float] = {}  # per stage, without the stages run inside it
        self._nested: list[float] = []  # for each open stage, the time spent in stages inside it
        self._last_tenth: dict[str, int] = {}

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            print(printable(message), file=self.out, flush=True)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print(printable(message), file=self.out, flush=True)

    def problem(self, error: SourceError) -> None:
        if error.is_warning and self.verbosity < 1:
            return
        print(error.format(), file=self.err, flush=True)

    def progress(self, stage: str, done: int, total: int) -> None:
        """A counter on a terminal; a plain line per tenth otherwise; silent for short work."""
        if self.verbosity < 1 or total < PROGRESS_MIN:
            return
        if self.out.isatty():
            end = "\n" if done >= total else ""
            print(f"\r  {stage} {done}/{total} ({done * 100 // total} %)", end=end, file=self.out, flush=True)
            return
        step = max(1, total // 10)
        if done >= total or done // step != self._last_tenth.get(stage, -1):
            self._last_tenth[stage] = done // step
            print(f"  {stage} {done}/{total}", file=self.out, flush=True)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage. A stage run inside another (search runs inside write, before the swap) counts
        only for itself, so that the timings add up to the build's time."""
        start = time.perf_counter()
        self._nested.append(0.0)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            inner = self._nested.pop()
            if self._nested:
                self._nested[-1] += elapsed
            self.timings[name] = self.timings.get(name, 0.0) + elapsed - inner
            self.detail(f"  {name:<10} {self.timings[name] * 1000:8.1f} ms")


class RecordingReporter(Reporter):
    """Keeps everything in lists, for tests."""

    def __init__(self, verbosity: int = 2):
        super().__init__(verbosity)
        self.messages: list[str] = []
        self.problems: list[SourceError] = []

    def info(self, message: str) -> None:
        self.messages.append(message)

    def detail(self, message: str) -> None:
        self.messages.append(message)

    def problem(self, error: SourceError) -> None:
        self.problems.append(error)

    def progress(self, stage: str, done: int, total: int) -> None:
        self.messages.append(f"{stage} {done}/{total}")
