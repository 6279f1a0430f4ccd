"""Incremental builds: each kind of edit renders exactly what it must, and the result equals a clean build."""

from __future__ import annotations

import shutil

import pytest
from conftest import NOW, Site, article, config_with

from generator.build import build
from generator.report import RecordingReporter


@pytest.fixture
def archive(site) -> Site:
    site.write({"site.toml": config_with('theme = "maison"'),
                "themes/maison/theme.toml": 'extends = "default"\n',
                "themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Perdu{% endblock %}\n',
                "content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                 body="Premier paragraphe.\n\nSuite."),
                "content/articles/b.md": article(title="Bravo", date="2024-09-10", topics="[Russie]"),
                "content/articles/c.md": article(title="Charlie", date="2023-05-01", topics="[Twitter]")})
    first = site.build()
    assert first.parsed == 3 and len(first.rendered) == first.pages
    return site


def clean_tree(site: Site, tmp_path) -> dict[str, bytes]:
    copy = tmp_path / "clean-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".cache"))
    # Same input = same content and same publication history (moved URLs redirect); no caches.
    history = site.root / ".cache/permalinks.json"
    if history.exists():
        (copy / ".cache").mkdir()
        shutil.copy(history, copy / ".cache/permalinks.json")
    build(copy, {}, RecordingReporter(), search=False, now=NOW)
    return {p.relative_to(copy / "output").as_posix(): p.read_bytes()
            for p in sorted((copy / "output").rglob("*")) if p.is_file()}


def test_a_second_build_parses_renders_and_writes_nothing(archive):
    result = archive.build()
    assert (result.parsed, result.rendered, result.write.written, result.write.pruned) == (0, [], [], [])
    assert result.cached == 3


def test_a_body_edit_renders_the_article_and_the_feeds_showing_its_body(archive, tmp_path):
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe.\n\nUne suite nouvelle.")})
    result = archive.build()
    assert result.parsed == 1
    assert result.rendered == ["2024/10/alpha/index.html", "feed.xml", "topics/starlink/feed.xml"]
    assert archive.files() == clean_tree(archive, tmp_path)


def test_retagging_an_article_rerenders_old_and_new_term_pages_and_feeds(archive, tmp_path):
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Russie]",
                                                    body="Premier paragraphe.\n\nSuite.")})
    result = archive.build()
    rendered = set(result.rendered)
    assert {"topics/russie/index.html", "topics/russie/feed.xml", "topics/index.html",
            "2024/10/alpha/index.html"} <= rendered
    # Alpha was Starlink's only article: its term pages go.
    assert {"topics/starlink/index.html", "topics/starlink/feed.xml"} <= set(result.write.pruned)
    # Pages not showing Alpha stay as they are (on this tiny site every article is related to Alpha).
    assert "topics/twitter/index.html" not in rendered and "2023/index.html" not in rendered
    assert archive.files() == clean_tree(archive, tmp_path)


def test_changing_a_date_moves_the_article_between_archive_pages(archive, tmp_path):
    archive.write({"content/articles/b.md": article(title="Bravo", date="2023-05-20", topics="[Russie]")})
    result = archive.build()
    assert "2023/05/bravo/index.html" in result.rendered and "2023/05/index.html" in result.rendered
    assert "2024/09/index.html" in result.write.pruned
    # The old URL was published: it becomes a redirect (see the permalink guard).
    assert "url=/2023/05/bravo/" in archive.read("2024/09/bravo/index.html")
    assert archive.files() == clean_tree(archive, tmp_path)


def test_a_template_edit_renders_only_the_pages_using_it(archive):
    archive.write({"themes/maison/templates/404.html":
                   '{% extends "base.html" %}{% block main %}Égaré{% endblock %}\n'})
    assert archive.build().rendered == ["404.html"]


def test_a_shared_template_edit_renders_every_page_using_it(archive):
    archive.write({"themes/maison/templates/partials/badges.html": "{# nothing to show #}\n"})
    result = archive.build()
    assert "404.html" not in result.rendered and "feed.xml" not in result.rendered
    assert "2024/10/alpha/index.html" in result.rendered and "index.html" in result.rendered


def test_editing_site_toml_rebuilds_everything(archive):
    archive.write({"site.toml": config_with('theme = "maison"\ndescription = "Nouvelle description"')})
    result = archive.build()
    assert result.parsed == 0 or result.parsed == 3
    assert len(result.rendered) == result.pages


def test_a_changed_stylesheet_renders_every_html_page_that_links_it(archive):
    archive.write({"themes/maison/static/style.css": "body { color: #222; }\n"})
    result = archive.build()
    assert "2024/10/alpha/index.html" in result.rendered and "feed.xml" not in result.rendered


def test_a_deleted_output_file_is_rendered_again(archive):
    (archive.output / "2024/10/alpha/index.html").unlink()
    assert archive.build().rendered == ["2024/10/alpha/index.html"]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x04K\x01.", b"\x80\x05\x95"])
def test_a_corrupt_or_foreign_cache_is_discarded_with_a_warning(archive, garbage):
    (archive.root / ".cache/parsed.pickle").write_bytes(garbage)
    for state in (archive.root / ".cache").glob("outputs-*.json"):
        state.write_text("{not json")
    result = archive.build()
    assert result.parsed == 3
    messages = [w.format() for w in result.warnings]
    assert any("corrupt or foreign parse cache, discarded" in m for m in messages) or garbage == b"\x80\x04K\x01."
    assert any("unreadable build state" in m for m in messages)


def test_deleting_the_cache_is_always_safe(archive, tmp_path):
    shutil.rmtree(archive.root / ".cache")
    result = archive.build()
    assert result.parsed == 3 and result.write.written == []
    assert archive.files() == clean_tree(archive, tmp_path)


def test_builds_for_other_flags_do_not_invalidate_the_parse_cache(archive):
    assert archive.build(drafts=True, base_url="https://other.example/").parsed == 0
    assert archive.build().parsed == 0


def test_a_failed_build_leaves_the_state_of_the_last_good_one(archive):
    before = archive.files()
    archive.write({"content/articles/a.md": "---\ntitle: Alpha\ntopic: [x]\ndate: 2024-10-25\n---\nNouveau.\n"})
    archive.build_errors(strict=True)
    assert archive.files() == before
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Nouveau.")})
    result = archive.build()
    assert "2024/10/alpha/index.html" in result.rendered and "Nouveau." in archive.read("2024/10/alpha/index.html")


def test_jobs_1_and_jobs_2_give_identical_trees(site, tmp_path):
    for number in range(80):
        site.write({f"content/articles/a{number:02d}.md": article(
            title=f"Article {number}", date=f"2024-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
            topics=f"[Sujet {number % 5}]", body="Texte.\n\n## Partie\n\nSuite.")})
    trees = []
    for jobs in (1, 2):
        output = tmp_path / f"out-{jobs}"
        result = build(site.root, {"output_dir": output}, RecordingReporter(), search=False, now=NOW, jobs=jobs)
        assert result.parsed == 80 or jobs == 2  # the second build takes parses from the cache
        trees.append({p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
                      if p.is_file()})
    assert trees[0] == trees[1] and len(trees[0]) > 100


def test_an_embargo_lifting_is_a_change_even_when_no_file_changed(site):
    from datetime import timedelta

    site.write({"content/articles/a.md": article(title="Maintenant"),
                "content/articles/b.md": article(title="Demain", date="2026-11-24T08:00:00")})
    first = build(site.root, {}, RecordingReporter(), search=False, now=NOW)
    assert first.site.excluded_future == 1
    same = build(site.root, {}, RecordingReporter(), search=False, now=NOW + timedelta(hours=1))
    assert same.site is None  # nothing read changed, and nothing is due yet
    later = build(site.root, {}, RecordingReporter(), search=False, now=NOW + timedelta(days=1))
    assert [a.summary.title for a in later.site.articles] == ["Demain", "Maintenant"]
    assert "2026/11/demain/index.html" in later.write.written
