"""The command line's quick path: an edit that keeps the site's structure reads back only the pages showing
the edited article from the stored model, and gives what a clean build gives; anything else builds in full."""

from __future__ import annotations

import random

import pytest
from conftest import NOW, Site, article, build_site, clean_tree, config_with

from generator.config import load_config
from generator.errors import BuildFailed
from generator.noop import Inputs
from generator.output.state import OutputState
from generator.render.theme import load_theme
from generator.report import RecordingReporter
from generator.resume import _renderer
from generator.site.store import StoredFacts, StoredModel, store_path


@pytest.fixture
def archive(site) -> Site:
    site.write({"site.toml": config_with('theme = "maison"'),
                "themes/maison/theme.toml": 'extends = "default"\n',
                "themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Perdu{% endblock %}\n',
                "content/pages/a-propos.md": "---\ntitle: À propos\nmenu: true\n---\n\nQui nous sommes.\n",
                "content/topics/starlink.md": "---\ntitle: Starlink\ndescription: Des satellites\n---\n\nCorps.\n"})
    for number in range(12):
        site.write({f"content/articles/a{number:02d}.md": article(
            title=f"Article {number}", date=f"2024-{number % 4 + 7:02d}-{number + 1:02d}",
            topics=f"[{['Starlink', 'Russie', 'Twitter'][number % 3]}]", people="[Elon Musk]",
            summary=f"Résumé {number}", body=f"Paragraphe {number}.\n\n## Partie\n\nSuite {number}.")})
    first = site.build()
    assert not first.quick and len(first.rendered) == first.pages
    return site


def edit(site: Site, number: int, **fields) -> None:
    values = {"title": f"Article {number}", "date": f"2024-{number % 4 + 7:02d}-{number + 1:02d}",
              "topics": f"[{['Starlink', 'Russie', 'Twitter'][number % 3]}]", "people": "[Elon Musk]",
              "summary": f"Résumé {number}", "body": f"Paragraphe {number}.\n\n## Partie\n\nSuite {number}.", **fields}
    site.write({f"content/articles/a{number:02d}.md": article(**values)})


def test_every_stored_page_reads_back_with_the_fingerprint_the_build_gave_it(archive):
    # The quick path compares fingerprints of pages read back with those of the full build: any value that
    # did not survive the round trip would re-render pages for nothing, or hide a change.
    config = load_config(archive.root)
    output = archive.root / config.output_dir
    state = OutputState(config, output, [])
    store = StoredModel(store_path(archive.root, output))
    facts = StoredFacts(**{name: store.fact(name) for name in StoredFacts.__dataclass_fields__})
    renderer, _ = _renderer(Inputs(config, load_theme(config), [], []), facts)
    jobs = store.pages_showing(facts.urls.values(), facts.urls.values())
    assert {job.kind for job in jobs} >= {"article", "index", "term", "archive", "feed", "sitemap"}
    assert all(renderer.fingerprint(job, track=False) == state.fingerprints[job.output_path] for job in jobs)
    store.close()


def test_a_text_edit_renders_what_a_full_build_renders_and_the_same_bytes(archive, tmp_path):
    # A new title keeps the article in place when its slug stays (the slug comes from the title otherwise).
    edit(archive, 11, title="Un autre titre", slug="article-11", summary="Un résumé revu")
    quick = archive.build()
    assert quick.quick and quick.parsed == 1 and quick.cached == 13
    assert {"2024/10/article-11/index.html", "feed.xml", "index.html", "topics/twitter/index.html",
            "people/elon-musk/feed.xml"} <= set(quick.rendered)
    assert archive.files() == clean_tree(archive, tmp_path)
    # The same edit, built in full without the stored model, renders the same pages.
    edit(archive, 11)
    assert archive.build().quick
    for store in (archive.root / ".cache").glob("model-*.sqlite"):
        store.unlink()
    edit(archive, 11, title="Un autre titre", slug="article-11", summary="Un résumé revu")
    full = archive.build()
    assert not full.quick and full.rendered == quick.rendered


@pytest.mark.parametrize("change", [
    {"topics": "[Twitter]"}, {"people": "[Xi Jinping]"}, {"date": "2024-07-30"}, {"slug": "ailleurs"},
    {"draft": "true"}, {"aliases": "[/ancien/]"},
])
def test_an_edit_that_moves_the_article_builds_in_full(archive, tmp_path, change):
    edit(archive, 4, **change)
    result = archive.build()
    assert not result.quick and result.parsed == 1
    assert archive.files() == clean_tree(archive, tmp_path)


def test_a_new_removed_or_other_file_builds_in_full(archive):
    archive.write({"content/articles/nouveau.md": article(title="Nouveau")})
    assert not archive.build().quick
    archive.remove("content/articles/nouveau.md")
    assert not archive.build().quick
    archive.write({"content/topics/starlink.md": "---\ntitle: Starlink\ndescription: Autre\n---\n\nCorps.\n"})
    assert not archive.build().quick
    archive.write({"themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Non{% endblock %}\n'})
    edit(archive, 3, body="Une autre suite.")
    assert not archive.build().quick  # the theme changed too
    edit(archive, 3, body="Encore une autre suite.")
    assert archive.build().quick


def test_a_store_another_build_left_behind_is_not_used(archive, tmp_path):
    [store] = (archive.root / ".cache").glob("model-*.sqlite")
    kept = store.read_bytes()
    edit(archive, 2, body="Première correction.")
    assert archive.build().quick
    store.write_bytes(kept)  # the model of the build before: its pages show the article's old text
    edit(archive, 5, body="Seconde correction.")
    result = archive.build()
    assert not result.quick
    assert archive.files() == clean_tree(archive, tmp_path)


def test_a_corrupt_store_means_a_full_build_which_stores_it_anew(archive, tmp_path):
    [store] = (archive.root / ".cache").glob("model-*.sqlite")
    store.write_bytes(b"not a database" * 100)
    edit(archive, 2, body="Première correction.")
    assert not archive.build().quick
    edit(archive, 2, body="Seconde correction.")
    assert archive.build().quick
    assert archive.files() == clean_tree(archive, tmp_path)


def test_a_quick_build_reports_the_warnings_of_the_others_and_an_edited_file_with_warnings_builds_in_full(archive):
    edit(archive, 6, body="Une photo : ![](/images/absente.jpg)")
    first = archive.build()
    assert not first.quick and any("a06.md" in w.path for w in first.warnings)
    edit(archive, 7, body="Un texte corrigé.")
    quick = archive.build()
    assert quick.quick and [w.format() for w in quick.warnings] == [w.format() for w in first.warnings]
    edit(archive, 6, body="Une photo, toujours : ![](/images/absente.jpg)")
    assert not archive.build().quick
    edit(archive, 7, body="Un texte corrigé encore.")
    with pytest.raises(BuildFailed):  # --strict: the warning of a06 is an error, whatever the path
        archive.build(strict=True)


def test_random_text_edits_on_the_command_line_give_what_a_clean_build_gives(archive, tmp_path):
    chooser = random.Random(11)
    quick = 0
    for step in range(14):
        number = chooser.randrange(12)
        field = chooser.choice(["title", "summary", "body", "updated", "lang", "image", "topics"])
        value = {"title": f"Titre {step}", "summary": f"Résumé {step}", "updated": f"2024-12-{step + 1:02d}",
                 "body": chooser.choice(["Court.", f"Texte {step}.\n\n## Titre\n\n*Suite* {step}."]),
                 "lang": chooser.choice(["fr", "en"]), "image": f"/images/{step}.jpg",
                 "topics": chooser.choice(["[Starlink]", "[Russie, Twitter]"])}[field]
        edit(archive, number, slug=f"article-{number}", **{field: value})
        result = build_site(archive.root, {}, RecordingReporter(), search=False, now=NOW, jobs=2)
        quick += result.quick
        assert archive.files() == clean_tree(archive, tmp_path), f"step {step}: {field} of a{number:02d}"
    assert quick >= 6


def test_a_quick_build_indexes_the_edit_as_a_full_build_would(archive):
    searched = build_site(archive.root, {}, RecordingReporter(), search=True, now=NOW)
    assert searched.indexed
    edit(archive, 3, body="Un mot nouveau : zygomatique.")
    quick = build_site(archive.root, {}, RecordingReporter(), search=True, now=NOW)
    assert quick.quick and quick.indexed
    edit(archive, 8, body="Un autre mot : ornithorynque.")
    second = build_site(archive.root, {}, RecordingReporter(), search=True, now=NOW)
    assert second.quick and second.indexed
    for store in (archive.root / ".cache").glob("model-*.sqlite"):
        store.unlink()
    (archive.root / "content/articles/a03.md").touch()
    full = build_site(archive.root, {}, RecordingReporter(), search=True, now=NOW)
    # Built in full, the same pages with the same digests: the index the quick builds left is current.
    assert not full.quick and full.indexed == [] and full.rendered == []
    assert full.search_pages == second.search_pages


def test_a_python_without_sqlite_builds_in_full_every_time(archive, tmp_path):
    import subprocess
    import sys

    script = ("import sys; sys.modules['sqlite3'] = sys.modules['_sqlite3'] = None\n"
              "from generator.cli import main\nsys.exit(main())\n")
    for store in (archive.root / ".cache").glob("model-*.sqlite"):
        store.unlink()
    edit(archive, 2, body="Sans SQLite.")
    done = subprocess.run([sys.executable, "-c", script, "build", "--no-search", "-q"], cwd=archive.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and not list((archive.root / ".cache").glob("model-*.sqlite"))
    assert "Sans SQLite." in archive.read("2024/09/article-2/index.html")
