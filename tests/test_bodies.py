"""The body store: article bodies live in .cache/bodies/, not in memory; the cache heals when it is cleared."""

from __future__ import annotations

import shutil

from conftest import NOW, article

from generator.bodies import StoredHtml, prune_store, store_html
from generator.build import build
from generator.report import RecordingReporter


def test_a_stored_body_reads_back_as_html_and_is_shared_by_equal_bodies(tmp_path):
    first = store_html(tmp_path, "<p>Taïwan</p>")
    again = store_html(tmp_path, "<p>Taïwan</p>")
    assert first == again and str(first) == "<p>Taïwan</p>" and first.__html__() == "<p>Taïwan</p>"
    assert first and not store_html(tmp_path, "")
    assert len(list(tmp_path.rglob("*.html"))) == 2
    assert prune_store(tmp_path, {first.digest}) == 1 and first.exists()


def test_parsed_articles_carry_a_handle_and_pages_show_the_body(site):
    from generator.build import parse_sources
    from generator.config import load_config
    from generator.discover import discover_sources

    site.write({"content/articles/a.md": article(body="Un **paragraphe** sur Starlink.")})
    result = site.build()
    assert "Un <strong>paragraphe</strong> sur Starlink." in site.read("2024/10/un-article/index.html")
    assert "paragraphe" in site.read("feed.xml")
    config = load_config(site.root)
    articles = parse_sources(discover_sources(config)[0], config)[0]
    assert result.parsed == 1 and isinstance(articles[0].body_html, StoredHtml)


def test_bodies_no_longer_used_are_pruned_and_a_cleared_store_is_refilled(site):
    site.write({"content/articles/a.md": article(body="Première version.")})
    site.build()
    store = site.root / ".cache/bodies"
    assert len(list(store.rglob("*.html"))) == 1
    site.write({"content/articles/a.md": article(body="Seconde version.")})
    site.build()
    bodies = list(store.rglob("*.html"))
    assert len(bodies) == 1 and "Seconde" in bodies[0].read_text()
    shutil.rmtree(store)
    (site.output / "2024/10/un-article/index.html").unlink()
    again = site.build()
    assert again.parsed == 1 and "Seconde version." in site.read("2024/10/un-article/index.html")


def test_a_moved_site_does_not_read_bodies_through_its_old_paths(site, tmp_path):
    site.write({"content/articles/a.md": article(body="Texte d'origine.")})
    site.build()
    moved = tmp_path / "moved"
    shutil.copytree(site.root, moved)
    shutil.rmtree(site.root / ".cache")  # the old location's store is gone
    result = build(moved, {}, RecordingReporter(), search=False, now=NOW)
    assert result.parsed == 1
    assert "Texte d'origine." in (moved / "output/2024/10/un-article/index.html").read_text()
