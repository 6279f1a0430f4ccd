"""Incremental builds: each kind of edit renders exactly what it must, and the result equals a clean build."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import NOW, ROOT, Site, article, build_site, clean_tree, config_with

from generator.errors import BuildFailed
from generator.options import BuildOptions
from generator.preview.session import PreviewSession
from generator.report import RecordingReporter
from generator.result import BuildResult


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
    # Same process, same Jinja environment: the edited template is loaded again, not taken from its cache.
    assert "Égaré" in archive.read("404.html")
    archive.write({"themes/maison/templates/404.html":
                   '{% extends "base.html" %}{% block main %}Perdu{% endblock %}\n'})
    assert archive.build().rendered == ["404.html"]
    assert "Perdu" in archive.read("404.html")


def test_a_shared_template_edit_renders_every_page_using_it(archive):
    archive.write({"themes/maison/templates/partials/badges.html":
                   "{% macro badges(article) %}{# nothing to show #}{% endmacro %}\n"})
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


def test_a_changed_page_script_renders_only_the_pages_loading_it(archive, tmp_path):
    search_js = (ROOT / "generator/themes/default/static/search.js").read_text()
    archive.write({"themes/maison/static/search.js": search_js + "\n// edited\n"})
    result = archive.build()
    assert [path for path in result.rendered if path.endswith(".html")] == ["search/index.html"]
    assert archive.files() == clean_tree(archive, tmp_path)


def test_a_template_naming_an_asset_it_computes_renders_when_any_asset_changes(archive):
    archive.write({"themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}'
                   '<a href="{{ asset("print" ~ ".css") }}">Perdu</a>{% endblock %}\n'})
    archive.build()
    archive.write({"themes/maison/static/search.js": "// a theme's own search page script\n"})
    rendered = [path for path in archive.build().rendered if path.endswith(".html")]
    assert rendered == ["404.html", "search/index.html"]


def test_fingerprints_left_by_another_build_are_not_trusted(archive):
    # The fingerprints live beside the state the no-op check reads; a build killed between the two writes
    # leaves fingerprints of another build: a rebuild then renders everything, and writes nothing new.
    [fingerprints] = (archive.root / ".cache").glob("fingerprints-*.json")
    saved = fingerprints.read_bytes()
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe corrigé.")})
    archive.build()
    fingerprints.write_bytes(saved)  # the previous build's, with its token
    (archive.root / "content/articles/b.md").touch()
    result = archive.build()
    assert len(result.rendered) == result.pages and result.write.written == []


def test_the_no_op_check_split_across_processes_still_sees_a_deleted_output(archive, monkeypatch):
    import generator.noop

    monkeypatch.setattr(generator.noop, "_PARALLEL_CHECK", 2)  # the two-process check, on a small site
    again = build_site(archive.root, {}, jobs=2)
    assert again.site is None and again.rendered == []  # a no-op
    (archive.output / "2024/10/alpha/index.html").unlink()
    assert build_site(archive.root, {}, jobs=2).rendered == ["2024/10/alpha/index.html"]


def test_a_deleted_output_file_is_rendered_again(archive):
    (archive.output / "2024/10/alpha/index.html").unlink()
    assert archive.build().rendered == ["2024/10/alpha/index.html"]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x04K\x01.", b"\x80\x05\x95"])
def test_a_corrupt_or_foreign_cache_is_discarded_with_a_warning(archive, garbage):
    for part in (archive.root / ".cache").glob("parsed-*.pickle"):
        part.write_bytes(garbage)
    for state in (archive.root / ".cache").glob("outputs-*.json"):
        state.write_text("{not json")
    result = archive.build()
    assert result.parsed == 3
    messages = [w.format() for w in result.warnings]
    assert any("corrupt or foreign parse cache, discarded" in m for m in messages) or garbage == b"\x80\x04K\x01."
    assert any("unreadable build state" in m for m in messages)


def test_an_edit_rewrites_only_the_parse_cache_part_holding_its_file(archive):
    from generator.content.parse_cache import ParseCache

    parts = {path.name: path.stat().st_mtime_ns for path in (archive.root / ".cache").glob("parsed-*.pickle")}
    assert len(parts) == ParseCache.PARTS
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe.\n\nAutre suite.")})
    assert archive.build().parsed == 1
    changed = {path.name for path in (archive.root / ".cache").glob("parsed-*.pickle")
               if path.stat().st_mtime_ns != parts[path.name]}
    assert changed == {f"parsed-{ParseCache.part_of('articles/a.md'):02d}.pickle"}
    assert archive.build().parsed == 0


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
        result = build_site(site.root, {"output_dir": output}, RecordingReporter(), search=False, now=NOW, jobs=jobs)
        assert result.parsed == 80 or jobs == 2  # the second build takes parses from the cache
        trees.append({p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*"))
                      if p.is_file()})
        # A first build hashes pages where it renders them (workers with jobs=2): the same fingerprints
        # as a rebuild computes in this process, so the rebuild renders nothing.
        again = build_site(site.root, {"output_dir": output}, RecordingReporter(), search=False, now=NOW, jobs=3 - jobs)
        assert again.rendered == [] and again.write.written == []
    assert trees[0] == trees[1] and len(trees[0]) > 100


def test_search_digests_hashed_by_workers_match_a_rebuild(site, tmp_path):

    for number in range(70):
        site.write({f"content/articles/a{number:02d}.md": article(
            title=f"Article {number}", date=f"2024-{number % 12 + 1:02d}-{number % 28 + 1:02d}")})
    first = build_site(site.root, {}, RecordingReporter(), search=True, now=NOW, jobs=2)
    assert first.indexed
    (site.root / "content/articles/a00.md").touch()  # not a no-op
    for store in (site.root / ".cache").glob("model-*.sqlite"):
        store.unlink()  # without the stored model, the whole model is hashed again here
    again = build_site(site.root, {}, RecordingReporter(), search=True, now=NOW, jobs=1)
    assert not again.quick and again.parsed == 0 and again.rendered == [] and again.indexed == []
    assert [page.digest for page in again.search_pages] == [page.digest for page in first.search_pages]
    (site.root / "content/articles/a00.md").touch()  # the quick path: the stored model's pages hashed again
    quick = build_site(site.root, {}, RecordingReporter(), search=True, now=NOW, jobs=1)
    assert quick.quick and quick.rendered == [] and quick.indexed == []
    assert [page.digest for page in quick.search_pages] == [page.digest for page in first.search_pages]


def test_an_embargo_lifting_is_a_change_even_when_no_file_changed(site):
    from datetime import timedelta

    site.write({"content/articles/a.md": article(title="Maintenant"),
                "content/articles/b.md": article(title="Demain", date="2026-11-24T08:00:00")})
    first = build_site(site.root, {}, RecordingReporter(), search=False, now=NOW)
    assert first.site.excluded_future == 1
    same = build_site(site.root, {}, RecordingReporter(), search=False, now=NOW + timedelta(hours=1))
    assert same.site is None  # nothing read changed, and nothing is due yet
    later = build_site(site.root, {}, RecordingReporter(), search=False, now=NOW + timedelta(days=1))
    assert [a.summary.title for a in later.site.articles] == ["Demain", "Maintenant"]
    assert "2026/11/demain/index.html" in later.write.written


# --- A build session (the preview): article edits applied to the previous build's model -------------------


class SessionSite:
    """A site rebuilt through one PreviewSession, as the preview does, told which files changed."""

    def __init__(self, site: Site):
        self.site = site
        self.session = PreviewSession()
        self.first = self.rebuild(None)

    def rebuild(self, changed: set[str] | None, **overrides) -> BuildResult:
        self.site.reporter = RecordingReporter()
        return self.session.rebuild(self.site.root, BuildOptions(overrides=overrides, now=NOW), self.site.reporter,
                                    changed=changed)

    def edit(self, relative: str, text: str) -> BuildResult:
        self.site.write({relative: text})
        return self.rebuild({relative})


_TOPICS = ["Starlink", "Russie", "Twitter"]


def _text(number: int, **changes: str) -> str:
    """Article `number` of the session archive (an explicit slug: a new title keeps the URL)."""
    fields = {"title": f"Article {number}", "date": f"2024-{number % 3 + 8:02d}-{number % 28 + 1:02d}",
              "slug": f"article-{number}", "topics": f"[{_TOPICS[number % 3]}]", "people": f"[Personne {number % 4}]",
              "body": f"Premier paragraphe {number}.\n\n## Partie\n\nSuite {number}."}
    fields.update(changes)
    return article(**fields)


def _archive_of(site: Site, count: int = 12) -> None:
    for number in range(count):
        site.write({f"content/articles/a{number:02d}.md": _text(number)})


@pytest.fixture
def session_site(site) -> SessionSite:
    _archive_of(site)
    return SessionSite(site)


def test_a_session_applies_a_body_edit_without_reassembling_the_site(session_site, tmp_path):
    site = session_site.site
    assert not session_site.first.quick and session_site.first.parsed == 12
    result = session_site.edit("content/articles/a05.md", _text(5, body="Premier paragraphe 5.\n\nUne suite neuve."))
    assert result.quick and result.parsed == 1 and "assemble" not in site.reporter.timings
    assert result.rendered == ["2024/10/article-5/index.html", "feed.xml", "people/personne-1/feed.xml",
                               "topics/twitter/feed.xml"]
    assert "Une suite neuve." in site.read("2024/10/article-5/index.html")
    assert site.files() == clean_tree(site, tmp_path)


def test_a_session_applies_a_new_title_to_every_page_showing_the_article(session_site, tmp_path):
    site = session_site.site
    result = session_site.edit("content/articles/a05.md", _text(5, title="Un titre neuf"))
    assert result.quick
    rendered = set(result.rendered)
    # its page, its neighbours' pages, its term, archive and home pages, the feeds, the sitemap is unchanged
    assert {"2024/10/article-5/index.html", "2024/10/article-8/index.html", "2024/10/article-2/index.html",
            "topics/twitter/index.html", "people/personne-1/index.html", "2024/index.html", "2024/10/index.html",
            "index.html", "feed.xml"} <= rendered
    assert "topics/starlink/index.html" not in rendered and "sitemap.xml" not in rendered
    assert "Un titre neuf" in site.read("2024/10/article-8/index.html")
    assert site.files() == clean_tree(site, tmp_path)


@pytest.mark.parametrize("change", ["retag", "date", "draft", "slug", "alias", "new", "deleted", "folder", "page",
                                    "term"])
def test_structural_changes_in_a_session_take_the_full_build(session_site, tmp_path, change):
    site = session_site.site
    edits = {
        "retag": ("content/articles/a05.md", _text(5, topics="[Starlink]")),
        "date": ("content/articles/a05.md", _text(5, date="2024-09-06")),
        "draft": ("content/articles/a05.md", _text(5, draft="true")),
        "slug": ("content/articles/a05.md", _text(5, slug="autre")),
        "alias": ("content/articles/a05.md", _text(5, aliases="[/ancien/]")),
        "new": ("content/articles/z.md", article(title="Zoulou", date="2024-10-20")),
        "deleted": ("content/articles/a05.md", None),
        "folder": ("content/articles/new", ""),
        "page": ("content/pages/about.md", "---\ntitle: À propos\n---\n\nQui nous sommes.\n"),
        "term": ("content/topics/russie.md", "---\ntitle: Russie\ndescription: Le pays.\n---\n"),
    }
    relative, text = edits[change]
    if change == "folder":  # a folder of articles moved in: only the folder is reported
        site.write({"content/articles/new/z.md": article(title="Zoulou", date="2024-10-20")})
        result = session_site.rebuild({"content/articles/new"})
    elif text is None:
        site.remove(relative)
        result = session_site.rebuild({relative})
    else:
        result = session_site.edit(relative, text)
    assert not result.quick
    assert site.files() == clean_tree(site, tmp_path)
    # ... and the session goes on from the new model
    again = session_site.edit("content/articles/a07.md", _text(7, title="Article 7 revu"))
    assert again.quick and site.files() == clean_tree(site, tmp_path)


def test_a_template_or_config_change_named_as_changed_takes_the_full_build(session_site, tmp_path):
    site = session_site.site
    site.write({"site.toml": config_with('description = "Autre"')})
    assert not session_site.rebuild({"content/articles/a01.md"}).quick  # whatever the watcher said
    assert site.files() == clean_tree(site, tmp_path)


def test_a_session_started_on_an_unchanged_site_still_starts_from_a_model(site):
    _archive_of(site)
    site.build()
    session_site = SessionSite(site)  # nothing changed since: no shortcut, the session needs the model
    assert session_site.first.rendered == [] and session_site.session.snapshot is not None
    assert session_site.edit("content/articles/a02.md", _text(2, body="Tout de suite.")).quick


def test_a_session_whose_output_folder_was_removed_builds_it_again(session_site, tmp_path):
    site = session_site.site
    shutil.rmtree(site.output)
    result = session_site.edit("content/articles/a04.md", _text(4, body="Après suppression."))
    assert not result.quick and site.files() == clean_tree(site, tmp_path)


def test_a_parse_error_in_a_session_fails_and_the_fix_rebuilds(session_site, tmp_path):
    site = session_site.site
    before = site.files()
    site.write({"content/articles/a03.md": "---\ntitle: [oops\ndate: 2024-08-04\n---\nx\n"})
    with pytest.raises(BuildFailed) as failed:
        session_site.rebuild({"content/articles/a03.md"})
    assert "content/articles/a03.md" in failed.value.errors[0].format()
    assert site.files() == before
    assert not session_site.edit("content/articles/a03.md", _text(3, body="Réparé.")).quick  # after a failure
    assert "Réparé." in site.read("2024/08/article-3/index.html")
    assert site.files() == clean_tree(site, tmp_path)
    assert session_site.edit("content/articles/a03.md", _text(3, body="Encore.")).quick


def test_a_warning_of_an_edited_file_is_replaced_not_repeated(session_site):
    text = _text(2, colour="bleu")
    session_site.edit("content/articles/a02.md", text)  # an unknown key: a warning
    result = session_site.edit("content/articles/a02.md", text.replace("bleu", "rouge"))
    assert result.quick
    assert [w.format().count("colour") for w in result.warnings] == [1]


def test_a_session_of_many_edits_always_equals_a_clean_build(session_site, tmp_path):
    import random

    site = session_site.site
    chooser = random.Random(7)
    quick = 0
    for step in range(14):
        number = chooser.randrange(12)
        topic = chooser.choice(_TOPICS) if step % 4 == 3 else _TOPICS[number % 3]  # sometimes a retag
        updated = {"updated": f"2024-12-{step + 1:02d}"} if step % 3 == 0 else {}  # the sitemap shows it
        text = _text(number, title=chooser.choice([f"Article {number}", f"Titre {step}", "Même titre"]),
                     topics=f"[{topic}]", summary=chooser.choice(['""', f"Résumé {step}"]), **updated,
                     body=chooser.choice(["Court.", f"Paragraphe {step}.\n\n## Titre\n\n*Suite* {step}."]))
        result = session_site.edit(f"content/articles/a{number:02d}.md", text)
        quick += result.quick
        assert site.files() == clean_tree(site, tmp_path), f"step {step}"
    assert quick >= 8
    # A new process (no session) finds the state the session left: nothing to render.
    assert site.build().rendered == []


def test_the_preview_applies_an_article_save_without_a_full_build(tmp_path):
    from generator.preview.preview import Preview
    from generator.preview.watch import ChangeSet

    site = Site(tmp_path / "p")
    _archive_of(site)
    preview = Preview(site.root, port=0, reporter=RecordingReporter(), search=False)
    try:
        preview.rebuild(ChangeSet({"(start)"}, {"config"}))
        site.write({"content/articles/a01.md": _text(1, body="Sauvé depuis l’éditeur.")})
        # as the watcher reports a save: the file, and its folder's own "modified" event
        report = preview.rebuild(ChangeSet({"content/articles", "content/articles/a01.md"}, {"content"}))
        assert "/2024/09/article-1/" in report.changed and report.quick
        page = (preview.site_dir / "2024/09/article-1/index.html").read_text(encoding="utf-8")
        assert "Sauvé depuis l’éditeur." in page
    finally:
        preview.stop()


def test_the_preview_first_build_with_two_processes_gives_the_same_site(tmp_path):
    from generator.preview.preview import Preview
    from generator.preview.watch import ChangeSet

    trees = []
    for jobs in (1, 2):
        site = Site(tmp_path / f"p{jobs}")
        _archive_of(site, count=70)  # enough articles for the pool to start
        preview = Preview(site.root, port=0, reporter=RecordingReporter(), search=False, jobs=jobs)
        try:
            preview.rebuild(ChangeSet({"(start)"}, {"config"}), jobs=preview.first_build_jobs)
            site.write({"content/articles/a01.md": _text(1, body="Après le premier build.")})
            preview.rebuild(ChangeSet({"content/articles/a01.md"}, {"content"}))
            origin = preview.url.encode()  # each preview has its own port, in absolute links
            trees.append({p.relative_to(preview.site_dir).as_posix(): p.read_bytes().replace(origin, b"ORIGIN")
                          for p in sorted(preview.site_dir.rglob("*")) if p.is_file()})
        finally:
            preview.stop()
    assert trees[0] == trees[1] and len(trees[0]) > 100



def test_a_no_op_build_does_not_load_markdown_yaml_or_jinja(archive):
    # The no-op shortcut is the common case in deploy scripts and editor hooks: it must stay light.
    script = ("import sys; from pathlib import Path; from generator.build import build; "
              "from generator.report import RecordingReporter; "
              f"result = build(Path({str(archive.root)!r}), reporter=RecordingReporter()); "
              "print(result.site is None, sorted(m for m in ('markdown', 'yaml', 'jinja2', 'babel', "
              "'generator.site.assemble', 'generator.render.render') if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert output.split(None, 1) == ["True", "[]\n"]


def test_a_file_renamed_with_the_same_text_shows_what_its_new_name_says(site, tmp_path):
    # Fingerprints hash an article's source key (its path and text) instead of the fields it gives:
    # here only the file name changes, and with it the date (the URL does not name it).
    site.write({"site.toml": config_with('permalink = "/{slug}/"') + "[front_matter]\ndate_from_filename = true\n",
                "content/articles/2014-03-19-bonjour.md": "---\ntitle: Bonjour\n---\n\nSalut.\n"})
    site.build()
    (site.root / "content/articles/2014-03-19-bonjour.md").rename(site.root / "content/articles/2015-04-20-bonjour.md")
    result = site.build()
    assert "bonjour/index.html" in result.rendered and "2015-04-20" in site.read("bonjour/index.html")
    assert "2014-03-19" not in site.read("bonjour/index.html")
    assert site.files() == clean_tree(site, tmp_path)


def test_a_file_saved_while_it_is_parsed_is_parsed_again_at_the_next_build(archive, monkeypatch):
    import generator.build

    real_parse_chunk = generator.build.parse_chunk

    def parse_then_save_again(config, sources):
        results = real_parse_chunk(config, sources)
        # The editor saves again right after the parser read the file, before the cache keeps the result.
        archive.write({"content/articles/a.md": article(title="Alpha sauvé pendant la build", date="2024-10-25",
                                                        topics="[Starlink]", body="Premier paragraphe.\n\nSuite.")})
        return results

    archive.write({"content/articles/a.md": article(title="Alpha revu", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe.\n\nSuite.")})
    monkeypatch.setattr(generator.build, "parse_chunk", parse_then_save_again)
    assert "Alpha revu" in archive.build().site.articles[0].summary.title
    monkeypatch.undo()
    again = archive.build()
    assert again.parsed == 1 and again.site.articles[0].summary.title == "Alpha sauvé pendant la build"


def _age_folders(root, seconds: float = 3600) -> None:
    """Set every folder's time back, as if nothing had been added to them for a while."""
    import os
    import time

    past = time.time() - seconds
    for folder in [root / "content", *(root / "content").rglob("*")]:
        if folder.is_dir():
            os.utime(folder, (past, past))


def test_a_build_takes_the_last_walk_when_no_folder_changed_and_walks_a_changed_one(archive, monkeypatch):
    import generator.content.discover as discover

    _age_folders(archive.root)
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe.\n\nAutre suite.")})
    _age_folders(archive.root)
    archive.build()  # walks, and records the walk: its folders are old enough to be trusted
    walks = []
    real_walk = discover.discover_content
    monkeypatch.setattr(discover, "discover_content", lambda *args: walks.append(args) or real_walk(*args))
    archive.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink]",
                                                    body="Premier paragraphe.\n\nSuite revue.")})
    result = archive.build()
    assert walks == [] and result.parsed == 1 and "Suite revue." in archive.read("2024/10/alpha/index.html")
    archive.write({"content/articles/d.md": article(title="Delta", date="2024-08-02")})  # its folder changes
    result = archive.build()
    assert len(walks) == 1 and result.articles == 4 and "Delta" in archive.read("index.html")


def test_a_folder_changed_just_before_a_walk_is_walked_again_at_the_next_build(archive, monkeypatch):
    # File times advance by clock ticks: a file added within the same tick as the walk would leave its
    # folder's time as recorded. A folder that recent is not trusted.
    import generator.content.discover as discover

    walks = []
    real_walk = discover.discover_content
    monkeypatch.setattr(discover, "discover_content", lambda *args: walks.append(args) or real_walk(*args))
    archive.write({"content/articles/d.md": article(title="Delta", date="2024-08-02")})
    archive.build()
    archive.write({"content/articles/d.md": article(title="Delta", date="2024-08-02", body="Revu.")})
    archive.build()
    assert len(walks) == 2
