"""`python -m generator` is the `news-archive` command."""

from generator.cli import run

run()
