"""User-facing problems: every one is `path:line:col: message`, collected and reported together."""

from __future__ import annotations

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
    """A "did you mean" hint for a misspelt key, or an empty string when nothing is close: a letter or two
    typed wrong, missing, extra or swapped ("topic" -> "topics", "lnag" -> "lang"), never a different
    word that happens to share letters ("auteur" is not "date")."""
    allowed = 1 if len(word) <= 5 else 2
    scored = sorted((_edit_distance(word.lower(), candidate.lower()), candidate) for candidate in set(candidates))
    close = [candidate for distance, candidate in scored if distance <= allowed]
    return f"did you mean '{close[0]}'?" if close else ""


def _edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) turning `a` into `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
