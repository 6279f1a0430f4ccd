"""User-facing problems: every one is `path:line:col: message`, collected and reported together."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from generator.text import printable


@dataclass(frozen=True)
class SourceError:
    """A problem in one input file, located as precisely as we know."""

    path: str
    line: int | None = None
    col: int | None = None
    message: str = ""
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.col or 0, self.message)

    def location(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def format(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        text = f"{self.location()}: {prefix}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        # Content can hold control characters; never let them reach a terminal.
        return printable(text)

    def as_error(self) -> SourceError:
        return SourceError(self.path, self.line, self.col, self.message, self.hint, "error")

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"


class BuildFailed(Exception):
    """Raised with every error of a stage, so the user sees them all at once."""

    def __init__(self, errors: Iterable[SourceError]):
        self.errors = sorted(errors, key=SourceError.sort_key)
        super().__init__(format_errors(self.errors))


class ContentError(Exception):
    """Raised where one file's problem stops its processing; carries the located error."""

    def __init__(self, error: SourceError):
        super().__init__(error.format())
        self.error = error


class UsageError(Exception):
    """A problem with the command line or the environment rather than the content (exit code 2)."""


def format_errors(errors: Iterable[SourceError]) -> str:
    return "\n".join(error.format() for error in errors)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt key, or an empty string when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else ""
