"""`news-archive new`: a dated draft article with every front-matter field ready to fill in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from generator.config import load_config
from generator.content.schema import Scaffold, scaffold_lines
from generator.errors import UsageError
from generator.text import slugify


def create_article(root: Path, title: str, now: datetime) -> Path:
    """Write content/articles/YYYY/<slug>.md and return its path; never overwrites a file."""
    config = load_config(root)
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug:
        raise UsageError(f"the title {title!r} has no letters or digits to make a file name from")
    local = now.astimezone(config.tz).replace(microsecond=0)
    path = config.content_dir / "articles" / f"{local.year:04d}" / f"{slug}.md"
    if path.exists():
        raise UsageError(f"{path} already exists; choose another title or edit that file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = scaffold_lines(Scaffold(config, title, local, config.language.split("-")[0]))
    path.write_text("---\n" + "\n".join(fields) + "\n---\n\n", encoding="utf-8")
    return path
