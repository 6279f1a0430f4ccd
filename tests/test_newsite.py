"""A site of one's own: the package installed from a wheel, `init`, a site's static/ folder, the base URL,
and the messages a person reads on the first day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import NOW, ROOT, article, build_site, config_with

from generator.content.schema import front_matter_keys
from generator.init import init_site
from generator.preview.watch import classify


def cli(*args: str, cwd: Path | None = None, executable: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run([executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


# --- The package on its own ---------------------------------------------------------------------------


def test_a_wheel_installed_in_a_fresh_venv_creates_builds_and_checks_a_site_outside_the_repository(tmp_path):
    wheel = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert wheel.returncode == 0, wheel.stderr
    said = wheel.stdout + wheel.stderr
    assert "Warning" not in said and "deprecated" not in said.lower(), said
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin/python")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                              "--no-index", *map(str, (tmp_path / "dist").glob("*.whl"))],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    assert "deprecated" not in (install.stdout + install.stderr).lower()
    # The dependencies come from the test environment (its site-packages as a plain path: no editable
    # finder of this repository comes with it).
    packages = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                            text=True).strip())
    (packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.check_output([python, "-c", "import generator; print(generator.__file__)"], text=True,
                                    cwd=tmp_path)
    assert where.startswith(str(venv))

    command = str(venv / "bin/news-archive")
    created = subprocess.run([command, "init", "journal", "--title", "Le Journal", "--base-url",
                              "https://example.org/journal/"], cwd=tmp_path, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    assert "news-archive serve" in created.stdout
    site = tmp_path / "journal"
    assert not (site / "themes").exists()
    built = subprocess.run([command, "build", "--strict"], cwd=site, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    checked = subprocess.run([command, "check"], cwd=site, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    home = (site / "output/index.html").read_text()
    assert "Premier article" in home and 'rel="icon"' in home
    assert (site / "output/static/favicon.ico").is_file() and (site / "output/static/favicon.svg").is_file()


# --- init ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_init_writes_a_site_that_builds_without_a_warning(lang, tmp_path):
    written = init_site(tmp_path / "site", NOW, "Archive", lang, "https://example.org/", "github")
    root = tmp_path / "site"
    assert {path.relative_to(root).as_posix() for path in written} >= {
        "site.toml", ".gitignore", ".github/workflows/publish.yml"}
    assert (root / "static").is_dir() and "/output/" in (root / ".gitignore").read_text()
    result = build_site(root)
    assert result.warnings == [] and result.articles == 1
    example = next((root / "content/articles").rglob("*.md")).read_text()
    # The example shows every field an article may have (an added field must be added to it too).
    from generator.config import load_config
    for key in front_matter_keys(load_config(root)):
        assert f"\n{key}:" in example or f"\n# {key}:" in example, key


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site/notes.txt").write_text("mine")
    result = cli("init", "site", cwd=tmp_path)
    assert result.returncode == 2 and "is not empty" in result.stderr
    assert [path.name for path in (tmp_path / "site").iterdir()] == ["notes.txt"]


# --- static/ ------------------------------------------------------------------------------------------


def test_static_files_are_published_updated_and_pruned(site):
    site.write({"content/articles/a.md": article(),
                "static/favicon.ico": b"\x00\x00\x01\x00ico", "static/CNAME": "archive.example.org\n",
                "static/docs/rapport.pdf": b"%PDF-1.4 rapport", "static/.well-known/security.txt": "Contact: x\n",
                "static/.DS_Store": b"junk", "static/docs/rapport.pdf~": b"backup", "static/#notes#": "x"})
    site.build()
    assert (site.output / "favicon.ico").read_bytes() == b"\x00\x00\x01\x00ico"
    assert (site.output / "CNAME").read_text() == "archive.example.org\n"
    assert (site.output / "docs/rapport.pdf").read_bytes() == b"%PDF-1.4 rapport"
    assert (site.output / ".well-known/security.txt").is_file()
    assert not any((site.output / name).exists() for name in (".DS_Store", "docs/rapport.pdf~", "#notes#"))
    site.write({"static/docs/rapport.pdf": b"%PDF-1.4 rapport v2"})
    again = site.build()
    assert again.write.written == ["docs/rapport.pdf"] and again.parsed == 0
    assert (site.output / "docs/rapport.pdf").read_bytes() == b"%PDF-1.4 rapport v2"
    site.remove("static/docs/rapport.pdf")
    pruned = site.build()
    assert pruned.write.pruned == ["docs/rapport.pdf"] and not (site.output / "docs").exists()
    assert site.build().site is None  # nothing changed: the no-op check covers static/ too


def test_a_static_file_where_a_page_or_the_generators_files_go_is_a_located_error(site):
    site.write({"content/articles/a.md": article(), "static/index.html": "<p>mine</p>",
                "static/assets/style.css": "body{}"})
    errors = site.build_errors()
    assert "static/index.html: writes index.html, which the home page also writes (rename or remove the file " \
           "from static/)" in errors
    assert any(error.startswith("static/assets/style.css: assets/ is where news-archive writes its own files")
               for error in errors)


def test_the_preview_watches_static_files_but_not_hidden_ones_or_leftovers():
    assert classify("static/logo.png") == "static"
    assert classify("static/.well-known/security.txt") == "static"
    assert classify("static/.DS_Store") is None and classify("static/logo.png~") is None


# --- base URL -----------------------------------------------------------------------------------------


def test_a_build_without_base_url_names_the_key_and_the_preview_needs_none(site):
    site.write({"site.toml": (site.root / "site.toml").read_text().replace('base_url = "https://example.org/"\n', ""),
                "content/articles/a.md": article()})
    assert site.build_errors() == [
        "site.toml: 'base_url' is missing: canonical links, feeds and the sitemap need the address the site is "
        "published at (add base_url = \"https://example.org/\" to site.toml, or pass --base-url)"]
    assert site.build(base_url="https://example.org/").articles == 1
    assert build_site(site.root, {"preview": True, "output_dir": site.root / "p"}).articles == 1


def test_check_of_a_site_built_for_another_base_url_says_so_in_one_line(site):
    site.write({"content/articles/a.md": article()})
    assert cli("build", "--no-search", "--base-url", "https://example.org/archive/", cwd=site.root).returncode == 0
    result = cli("check", cwd=site.root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "output: built for https://example.org/archive/, checking against https://example.org/ "
        "(pass --base-url https://example.org/archive/, or rebuild with --base-url https://example.org/)")
    assert len(result.stderr.splitlines()) == 2


# --- Messages read once -------------------------------------------------------------------------------


def test_a_template_error_is_reported_once_with_the_pages_it_broke(site):
    site.write({"site.toml": config_with('theme = "maison"'), "themes/maison/theme.toml": 'extends = "default"\n',
                "themes/maison/templates/partials/card.html": "{% macro card(article, heading='h2') %}"
                                                               "{{ article.nope }}{% endmacro %}"})
    for number in range(3):
        site.write({f"content/articles/a{number}.md": article(title=f"A{number}", topics="[Starlink]")})
    errors = site.build_errors()
    card = [error for error in errors if "card.html" in error]
    assert len(card) == 1
    assert "'nope'" in card[0] and "pages, e.g. " in card[0]


def test_a_site_toml_typo_is_reported_once_under_its_own_table(site):
    text = config_with("").replace('singular = "Thème"', 'singular = "Thème"\ntitel = "x"').replace(
        'singular = "Personne"', 'singular = "Personne"\ntitel = "y"')
    site.write({"site.toml": text, "content/articles/a.md": article()})
    errors = site.build_errors()
    lines = text.splitlines()
    expected = [f"site.toml:{number}: unknown key 'titel' in [[taxonomies]] (did you mean 'title'?)"
                for number, line in enumerate(lines, 1) if line.startswith("titel")]
    assert errors == expected and len(expected) == 2


def test_did_you_mean_only_for_close_names(site):
    site.write({"content/articles/a.md": article(auteur="X", topic="[Starlink]")})
    warnings = [w.format() for w in site.build().warnings]
    assert any("unknown front-matter key 'topic'" in w and "did you mean 'topics'?" in w for w in warnings)
    auteur = next(w for w in warnings if "'auteur'" in w)
    assert "did you mean" not in auteur and "front_matter] ignore" in auteur


def test_bad_flag_values_exit_2(site):
    site.write({"content/articles/a.md": article()})
    for flags in (["--base-url", "example.org"], ["-j", "0"], ["-j", "deux"]):
        result = cli("build", "--no-search", *flags, cwd=site.root)
        assert result.returncode == 2 and "Traceback" not in result.stderr, flags


# --- Smaller bugs -------------------------------------------------------------------------------------


def test_a_cited_source_with_a_date_shows_the_date_in_words(site):
    site.write({"content/articles/a.md": article(sources='[{name: Le Monde, date: 2023-06-01}]'),
                "content/articles/b.md": article(title="B", lang="en", sources='[{name: Reuters, date: 2023-06}]')})
    site.build()
    assert "Le Monde, <span class=\"citation-date\">1er juin 2023</span>" in site.read("2024/10/un-article/index.html")
    assert "Reuters, <span class=\"citation-date\">June 2023</span>" in site.read("2024/10/b/index.html")


def test_a_drafts_build_does_not_publish_the_drafts_urls(site):
    site.write({"content/articles/a.md": article(), "content/articles/d.md": article(title="Brouillon", draft="true")})
    site.build(drafts=True)
    assert "2024/10/brouillon/" not in json.dumps(json.loads((site.root / ".cache/permalinks.json").read_text()))
    assert site.build(strict=True).articles == 1  # no "published URL would disappear"


def test_switching_to_strict_renders_nothing_again(site):
    site.write({"content/articles/a.md": article()})
    site.build()
    assert site.build(strict=True).rendered == []


def test_emoji_terms_get_distinct_working_urls(site):
    site.write({"content/articles/a.md": article(topics="[🔥]"),
                "content/articles/b.md": article(title="B", topics="[🔥🔥]")})
    site.build()
    assert "🔥" in site.read("topics/fire/index.html") and "🔥🔥" in site.read("topics/fire-fire/index.html")


def test_a_slug_with_a_control_character_is_a_located_error(site):
    site.write({"content/articles/a.md": article(slug='"bad\\0slug"'),
                "content/pages/p.md": '---\ntitle: P\nslug: "x\\x07y"\n---\n\nTexte.\n'})
    errors = site.build_errors()
    assert "content/articles/a.md:4:1: 'slug' contains the control character U+0000 (write the slug with letters, " \
           "digits and hyphens only, e.g. 'my-article')" in errors
    assert any(error.startswith("content/pages/p.md:3:1: 'slug' contains the control character U+0007")
               for error in errors)


def test_the_sample_site_pages_link_a_favicon_and_the_theme_ships_it(sample_build):
    page = (sample_build / "index.html").read_text()
    assert 'rel="icon"' in page and (sample_build / "static/favicon.svg").is_file()
    assert os.path.getsize(sample_build / "static/favicon.ico") > 0


def test_a_link_written_from_the_site_root_survives_sub_path_hosting(site):
    site.write({"content/articles/a.md": article(title="A", body="Voir [l’autre article](/2024/10/b/)."),
                "content/articles/b.md": article(title="B")})
    site.build(search=True, base_url="https://example.org/archive/")
    assert 'href="/archive/2024/10/b/"' in site.read("2024/10/a/index.html")
    assert "href=&#34;/archive/2024/10/b/&#34;" in site.read("feed.xml") or \
        'href="/archive/2024/10/b/"' in site.read("feed.xml").replace("&quot;", '"')
    assert cli("check", "--base-url", "https://example.org/archive/", cwd=site.root).returncode == 0
