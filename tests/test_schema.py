"""The article schema keeps incremental builds correct by construction: every declared field, edited in one
article, gives through the command line's incremental build and through the preview's quick path exactly
what a clean build gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import AUTHORS_TAXONOMY, MINIMAL_CONFIG, NOW, ROOT, Site, article, build_site

from generator.content.schema import ARTICLE_SCHEMA, STRUCTURAL_FIELDS, Shown
from generator.options import BuildOptions
from generator.preview.session import PreviewSession
from generator.report import RecordingReporter

_LONG = " ".join(["mot"] * 700)
_BASE = {"title": "Titre un", "date": "2024-10-05", "slug": "sujet", "lang": "fr", "summary": "Résumé un",
         "topics": "[Starlink]", "people": "[Elon Musk]", "sources": "[Le Monde]", "draft": "false",
         "authors": '"Jeanne Martin, reporter"', "image": '{src: /images/a.jpg, alt: "Un toit"}',
         "body": "Premier paragraphe.\n\n## Partie\n\nSuite du texte."}

# Field name -> the front matter (or body) of the edited article after the edit; before it is _BASE.
FIELD_EDITS: dict[str, dict[str, str]] = {
    "title": {"title": "Titre deux"},
    "date": {"date": "2024-09-20"},
    "updated": {"updated": "2024-11-02"},
    "lang": {"lang": "en"},
    "summary": {"summary": "Résumé deux"},
    "location": {"location": "Kyiv"},
    "slug": {"slug": "autre-sujet"},
    "citations": {"sources": '[{name: Le Monde, url: "https://www.lemonde.fr/a", title: "Un titre"}]'},
    "terms": {"topics": "[Russie]"},
    "byline_roles": {"authors": '"Jeanne Martin, rédactrice"'},
    "image": {"image": '{src: /images/a.jpg, alt: "Une antenne", caption: "Sur un toit", credit: "Photo : X"}'},
    "aliases": {"aliases": "[/2019/05/ancien-sujet/]"},
    "draft": {"draft": "true"},
    "body_html": {"body": "Premier paragraphe.\n\n## Partie\n\nSuite *nouvelle* du texte."},
    "media": {"body": "Premier paragraphe.\n\n![Une antenne](/images/b.jpg)\n\n## Partie\n\nSuite du texte."},
    "toc": {"body": "Premier paragraphe.\n\n## Chapitre\n\nSuite du texte."},
    "word_count": {"body": "Premier paragraphe.\n\n## Partie\n\nSuite du texte, plus longue de quatre mots."},
    "reading_minutes": {"body": "Premier paragraphe.\n\n## Partie\n\n" + _LONG},
}

# A byline taxonomy for a migrated free-text field: the byline_roles field has something to show.
_AUTHORS = AUTHORS_TAXONOMY + 'separators = [" et "]\ndrop_roles = true\n'

# Edits that publish another photo: its files are planned by a full build, never by the quick path.
_NEW_PHOTOS = {"media"}

_PREVIEW = {"base_url": "http://127.0.0.1:8000/", "drafts": True, "future": True, "preview": True}


def _text(**changes: str) -> str:
    fields = {**_BASE, **changes}
    return article(**fields)


def _small_site(site: Site) -> Site:
    """Six articles around the edited one: neighbours, shared terms, lists and feeds that show it."""
    site.write({"site.toml": MINIMAL_CONFIG + _AUTHORS})
    for number in range(6):
        site.write({f"content/articles/n{number}.md": article(
            title=f"Voisin {number}", date=f"2024-10-{number * 4 + 2:02d}", topics="[Starlink]",
            people=f"[Personne {number % 2}]", body=f"Paragraphe {number}.")})
    site.write({"content/articles/sujet.md": _text(), "static/images/a.jpg": _photo(), "static/images/b.jpg": _photo()})
    return site


def _photo() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((520, 300)).save(buffer, "JPEG")
    return buffer.getvalue()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _clean(site: Site, tmp_path: Path, overrides: dict) -> dict[str, bytes]:
    """A clean build of the same input, the same publication history included (moved URLs redirect)."""
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".cache", "preview-out"))
    history = site.root / ".cache/permalinks.json"
    if history.exists():
        (copy / ".cache").mkdir()
        shutil.copy(history, copy / ".cache/permalinks.json")
    build_site(copy, {**overrides, "output_dir": copy / "out"})
    return _tree(copy / "out")


def test_every_declared_field_has_an_edit_in_this_test():
    # A field added to the schema must be added to FIELD_EDITS: then the tests below cover it.
    assert sorted(FIELD_EDITS) == sorted(field.name for field in ARTICLE_SCHEMA)


@pytest.mark.parametrize("name", [field.name for field in ARTICLE_SCHEMA])
def test_editing_a_field_rebuilds_exactly_what_a_clean_build_gives(name, site, tmp_path):
    _small_site(site).build()
    before = site.files()
    site.write({"content/articles/sujet.md": _text(**FIELD_EDITS[name])})
    result = site.build()
    assert result.parsed == 1
    assert site.files() != before, f"editing {name} changed no output: is it shown anywhere?"
    assert site.files() == _clean(site, tmp_path, {})


@pytest.mark.parametrize("name", [field.name for field in ARTICLE_SCHEMA])
def test_editing_a_field_in_the_preview_gives_what_a_fresh_preview_gives(name, site, tmp_path):
    _small_site(site)
    session = PreviewSession()
    options = BuildOptions(overrides={**_PREVIEW, "output_dir": site.root / "preview-out"}, now=NOW)
    session.rebuild(site.root, options, RecordingReporter())
    site.write({"content/articles/sujet.md": _text(**FIELD_EDITS[name])})
    result = session.rebuild(site.root, options, RecordingReporter(), changed={"content/articles/sujet.md"})
    # Fields that do not move the article are applied to the kept model: that is the path under test.
    assert result.quick == (name not in STRUCTURAL_FIELDS and name not in _NEW_PHOTOS)
    assert _tree(site.root / "preview-out") == _clean(site, tmp_path, _PREVIEW)


def test_the_fields_shown_in_lists_are_those_of_the_summary(site):
    summary = _small_site(site).build().site.articles[0].summary
    for field in ARTICLE_SCHEMA:
        assert hasattr(summary, field.name) == (field.shown is Shown.LISTS), field.name


def test_a_field_left_out_of_the_summary_key_gives_a_stale_page_and_the_check_sees_it(site, tmp_path, monkeypatch):
    # The differential check above is what guards the schema: break the key on purpose, it must fail.
    import generator.content.parse
    from generator.site.model import with_keys

    def key_without_title(parsed):
        return replace(with_keys(parsed), summary_key=with_keys(replace(parsed, title="")).summary_key)

    monkeypatch.setattr(generator.content.parse, "with_keys", key_without_title)
    _small_site(site).build()
    site.write({"content/articles/sujet.md": _text(title="Titre deux")})
    assert site.build().parsed == 1
    assert "Titre un" in site.read("index.html")  # stale: its fingerprint did not change
    assert site.files() != _clean(site, tmp_path, {})


# --- Adding a field: declare it, show it in templates, nothing else -------------------------------------

_KICKER = '''    ArticleField("kicker", str, lambda field: clean_field(field.text()), Shown.LISTS,
                 scaffold=lambda new: ('kicker: ""',)),
'''

_PREVIEW_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from generator.options import BuildOptions
    from generator.preview.session import PreviewSession
    from generator.report import RecordingReporter

    root = Path(sys.argv[1])
    options = BuildOptions(overrides={"output_dir": root / "preview-out"})
    session = PreviewSession()
    session.rebuild(root, options, RecordingReporter())
    path = root / "content/articles/sujet.md"
    path.write_text(path.read_text().replace("kicker: Premier", "kicker: Second"))
    result = session.rebuild(root, options, RecordingReporter(), changed={"content/articles/sujet.md"})
    print("quick" if result.quick else "full")
""")


def test_a_new_field_declared_in_the_schema_and_shown_in_templates_is_incremental(tmp_path):
    package = tmp_path / "code" / "generator"
    shutil.copytree(ROOT / "generator", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "themes", tmp_path / "code" / "themes")
    schema = package / "content" / "schema.py"
    marker = "    # From the Markdown body.\n"
    schema.write_text(schema.read_text().replace(marker, _KICKER + marker))
    site = Site(tmp_path / "site")
    default = ROOT / "themes/default/templates"
    site.write({
        "site.toml": (site.root / "site.toml").read_text().replace('timezone = "Europe/Paris"\n',
                                                                   'timezone = "Europe/Paris"\ntheme = "maison"\n'),
        "themes/maison/theme.toml": 'extends = "default"\n',
        "themes/maison/templates/partials/card.html": (default / "partials/card.html").read_text().replace(
            '  <{{ heading }} class="card-title">', '  <p class="surtitre">{{ article.kicker }}</p>\n'
                                                   '  <{{ heading }} class="card-title">'),
        "themes/maison/templates/article.html": (default / "article.html").read_text().replace(
            "data-pagefind-body>", 'data-pagefind-body>\n<p class="surtitre">{{ a.kicker }}</p>'),
        "content/articles/sujet.md": article(title="Sujet", date="2024-10-05", kicker="Premier", topics="[Starlink]"),
        "content/articles/autre.md": article(title="Autre", date="2024-10-01", topics="[Starlink]"),
    })
    environment = {**os.environ, "PYTHONPATH": str(tmp_path / "code")}

    def run(*args: str, cwd: Path = site.root) -> str:
        return subprocess.run([sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True,
                              check=True).stdout

    run("-m", "generator", "build", "--no-search", "-j", "1")
    assert '<p class="surtitre">Premier</p>' in (site.output / "2024/10/sujet/index.html").read_text()
    run("-m", "generator", "new", "Un autre sujet")
    assert 'kicker: ""' in next((site.root / "content/articles").rglob("un-autre-sujet.md")).read_text()
    site.write({"content/articles/sujet.md": article(title="Sujet", date="2024-10-05", kicker="Second",
                                                     topics="[Starlink]")})
    run("-m", "generator", "build", "--no-search", "-j", "1")
    for page in ("2024/10/sujet/index.html", "index.html", "topics/starlink/index.html", "2024/10/autre/index.html"):
        text = (site.output / page).read_text()
        assert "Second" in text and "Premier" not in text, page
    clean = tmp_path / "clean"
    shutil.copytree(site.root, clean, ignore=shutil.ignore_patterns("output", ".cache"))
    run("-m", "generator", "build", "--no-search", "-j", "1", cwd=clean)
    assert _tree(site.output) == _tree(clean / "output")

    site.write({"content/articles/sujet.md": article(title="Sujet", date="2024-10-05", kicker="Premier",
                                                     topics="[Starlink]")})
    assert run("-c", _PREVIEW_SCRIPT, str(site.root)).strip() == "quick"
    assert _tree(site.root / "preview-out") == _tree(clean / "output")
