"""Coverage-guided fuzzing of parse_article with atheris.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/fuzz_parse_article.py fuzz/corpus fuzz/seeds -max_total_time=300 -timeout=10

Any input that makes parse_article raise (instead of returning an article or located errors), or run
past -timeout, is a bug: atheris writes it as crash-*/timeout-*; copy it into tests/fuzz_regressions/,
where tests/test_hostile.py replays every file.
"""

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["generator"]):
    from generator.config import load_config
    from generator.content.parse import parse_article
    from generator.site.model import Source

ROOT = Path(__file__).resolve().parent
CONFIG = load_config(ROOT / "site")
SOURCE = Source("articles/fuzz.md", "article", ROOT / "site/content/articles/fuzz.md")


def test_one_input(data: bytes) -> None:
    article, problems = parse_article(SOURCE, CONFIG, data)
    if article is None and not any(not problem.is_warning for problem in problems):
        raise AssertionError("no article and no error")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
