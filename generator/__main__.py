"""`python -m generator` is the `news-archive` command."""

from .cli import run

run()
