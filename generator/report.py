"""What a build tells its user: messages, warnings, errors, stage timings. A recording twin serves tests."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from .errors import SourceError
from .text import printable


class Reporter:
    """Console reporter: progress and results on stdout, problems on stderr."""

    def __init__(self, verbosity: int = 1, out: TextIO | None = None, err: TextIO | None = None):
        self.verbosity = verbosity  # 0 quiet, 1 normal, 2 verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.timings: dict[str, float] = {}

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

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
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
