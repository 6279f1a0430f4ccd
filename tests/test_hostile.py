"""Hostile and broken input: every case ends as a page or a located error; nothing escapes output/."""

from __future__ import annotations

import errno
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import MINIMAL_CONFIG, NOW, article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_config
from generator.content.parse import parse_article
from generator.errors import BuildFailed, SourceError
from generator.site.model import Source
from generator.site.urls import output_path
from generator.text import slugify

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def all_output_files(site) -> list[Path]:
    return [p for p in site.output.rglob("*") if p.is_file()]


def assert_nothing_outside(site, before: set[Path]) -> None:
    """Every file the build created lies inside output/ (or .cache/, the build's own state)."""
    after = {p for p in site.root.parent.rglob("*") if p.is_file()}
    created = after - before
    allowed = (site.output, site.root / ".cache")
    assert all(any(p.is_relative_to(folder) for folder in allowed) for p in created), sorted(created)


# --- Reading ------------------------------------------------------------------------------------------------

def test_only_regular_visible_markdown_files_are_read(site, tmp_path):
    site.write({"content/articles/good.md": article(title="Bon"),
                **{f"content/articles/{name}": "garbage: [" for name in
                   ("x.md~", ".x.md.swp", "4913", "._x.md", ".#x.md", "#x.md#", ".hidden.md", "notes.txt")},
                "content/articles/folder.md/inner.md": article(title="Dans un dossier", date="2024-09-01")})
    articles = site.root / "content/articles"
    os.mkfifo(articles / "pipe.md")
    (articles / "loop").symlink_to(articles, target_is_directory=True)
    (articles / "dangling.md").symlink_to(articles / "nowhere.md")
    (tmp_path / "outside.md").write_text(article(title="Dehors"))
    (articles / "outside.md").symlink_to(tmp_path / "outside.md")
    (articles / "inside.md").symlink_to(articles / "good.md")
    result = site.build()
    titles = sorted(a.summary.title for a in result.site.articles)
    assert titles == ["Bon", "Dans un dossier"]
    messages = " ".join(w.format() for w in result.warnings)
    assert "content/articles/outside.md: warning: symlink leads outside content/" in messages
    assert "content/articles/dangling.md: warning: dangling symlink" in messages
    assert "content/articles/inside.md: warning: same file as content/articles/good.md, read once" in messages


def test_a_file_over_the_size_limit_names_the_limit(site):
    site.write({"content/articles/big.md": article(body="x" * (2 * 1024 * 1024 + 10))})
    (error,) = site.build_errors()
    assert re.match(r"content/articles/big.md: file is [\d,]+ bytes, over the limit of 2,097,152 bytes", error)


# --- Encoding -----------------------------------------------------------------------------------------------

def test_cr_only_newlines_are_normalised(site):
    site.write({"content/articles/a.md": b"---\rtitle: T\rdate: 2024-01-01\r---\rCorps.\r"})
    assert site.build().site.articles[0].summary.title == "T"


def test_control_characters_never_reach_xml_html_titles_or_the_terminal(site):
    nasty = "Titre\\x00avec\\x07des\\x1bcontr\\x0bôles"  # YAML escapes: real control characters in the value
    site.write({"content/articles/a.md": article(title=f'"{nasty}"', summary='"Résumé\\x01"',
                                                 body="Corps \x00 avec \x08 NUL et ]]> et <![CDATA[x]]>",
                                                 topics='["Sujet\\x02"]')})
    site.build()
    for path in all_output_files(site):
        if path.suffix in (".xml", ".html"):
            assert not CONTROL.search(path.read_text(encoding="utf-8")), path
    assert not feedparser.parse(site.read("feed.xml").encode()).bozo
    ET.parse(site.output / "sitemap.xml")
    site.write({"content/articles/b.md": "---\ntitle: \x1b[31mrouge\n---\n"})
    errors = site.build_errors()
    assert errors[0].startswith("content/articles/b.md:2:8: invalid YAML in front matter: control character U+001B")
    assert all(not CONTROL.search(error) for error in errors)


# --- Front matter: any input ends as an article or a located error ----------------------------------------

@pytest.fixture(scope="module")
def parse_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "site.toml").write_text(MINIMAL_CONFIG)
    (root / "content/articles").mkdir(parents=True)
    return load_config(root), root / "content/articles/a.md"


def parse_text(env, data: bytes):
    config, path = env
    path.write_bytes(data)
    return parse_article(Source("articles/a.md", "article", path), config)


def assert_outcome(result) -> None:
    value, problems = result
    if value is None:
        errors = [p for p in problems if not p.is_warning]
        assert errors, "no article and no error"
        for error in errors:
            assert isinstance(error, SourceError) and error.path == "content/articles/a.md"
            assert error.line is None or error.line >= 1
    else:
        assert value.title and value.slug and re.fullmatch(r"[\w-]+", value.slug)


front_matter_values = st.one_of(
    st.text(max_size=40), st.integers().map(str), st.sampled_from(
        ["no", "yes", "~", "null", "0123", "2024-02-30", "[a, [b]]", "{a: 1}", "&x a", "*x",
         "!!python/object:os.system", "'''", '"\\x"', "- a\n- b", "|\n  bloc", ">", "2024-10-25T25:99:00",
         "1e400", "@", "`", "%TAG"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["title", "date", "updated", "lang", "slug", "topics", "people",
                                               "sources", "draft", "image", "aliases", "summary", "topic", "x"]),
                              front_matter_values, max_size=8))
def test_any_front_matter_gives_an_article_or_located_errors(parse_env, fields):
    text = "---\n" + "\n".join(f"{key}: {value}" for key, value in fields.items()) + "\n---\nCorps.\n"
    assert_outcome(parse_text(parse_env, text.encode("utf-8", "surrogatepass")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_any_bytes_give_an_article_or_located_errors(parse_env, data):
    assert_outcome(parse_text(parse_env, b"---\ntitle: T\ndate: 2024-01-01\n" + data))
    assert_outcome(parse_text(parse_env, data))


REGRESSIONS = sorted((Path(__file__).parent / "fuzz_regressions").glob("*"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_inputs_found_by_the_fuzzer_give_an_article_or_located_errors(parse_env, path):
    assert_outcome(parse_text(parse_env, path.read_bytes()))


@given(text=st.text())
def test_slugs_are_safe_path_segments_whatever_the_text(text):
    slug = slugify(text)
    assert slug not in (".", "..") and "/" not in slug and "\\" not in slug and "\x00" not in slug
    assert re.fullmatch(r"[\w-]*", slug) and len(slug) <= 82
    assert slug.lower() not in ("con", "nul", "aux", "prn")


@given(path=st.text())
def test_output_paths_never_leave_the_output(path):
    from dataclasses import replace

    from generator.config import Config

    config = replace(Config(Path("/site"), "t", "https://e.org/"))
    relative = output_path(config, "/" + "/".join(slugify(part) or "x" for part in path.split("/")) + "/")
    assert not relative.startswith("/") and ".." not in relative.split("/")


# --- Paths and URLs -----------------------------------------------------------------------------------------

HOSTILE_NAMES = ["../../etc/passwd", "/etc/passwd", "%2e%2e%2f%2e%2e", "..\\..\\windows", "a\x00b", ".", "..",
                 "CON", "nul", "x" * 500, "Taïwan/../../", "~root", "$(rm -rf /)", "<script>"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_slugs_and_terms_stay_inside_the_output(site, name):
    quoted = '"' + name.replace("\\", "\\\\").replace("\x00", "\\0").replace('"', '\\"') + '"'
    site.write({"content/articles/a.md": article(title=quoted, slug=quoted, topics=f"[{quoted}]",
                                                 people=f"[{quoted}]")})
    before = {p for p in site.root.parent.rglob("*") if p.is_file()}
    try:
        site.build()
    except BuildFailed as failed:
        assert all(error.path.startswith("content/") for error in failed.errors)
    assert_nothing_outside(site, before)
    for path in all_output_files(site):
        assert path.resolve().is_relative_to(site.output.resolve())


def test_articles_differing_by_case_or_unicode_form_are_reported_with_both_files(site):
    site.write({"content/articles/a.md": article(title="Caf\u00e9 Taïwan"),
                "content/articles/b.md": article(title="CAFE\u0301 TAI\u0308WAN")})
    (error,) = site.build_errors()
    assert error.startswith("content/articles/b.md: same URL /2024/10/cafe-taiwan/ as content/articles/a.md")


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,x", "vbscript:x", "file:///etc/passwd"])
def test_only_http_and_relative_links_are_accepted_in_sources_and_images(site, url):
    site.write({"content/articles/a.md": article(sources=f'[{{name: X, url: "{url}"}}]')})
    assert any("'sources.url' must be an http(s) or relative link" in e or "not a valid link" in e
               for e in site.build_errors())


def test_unsafe_body_html_is_removed_but_safe_html_kept(site):
    body = ('<script>alert(1)</script><div class="encadre" onclick="x()">Texte</div>\n\n'
            '[lien](javascript:alert(1)) <iframe src="https://video.example/embed/1"></iframe>'
            '<img src="x" onerror="alert(1)">')
    site.write({"content/articles/a.md": article(body=body)})
    site.build()
    html = site.read("2024/10/un-article/index.html")
    assert "<script>alert" not in html and "onclick" not in html and "onerror" not in html
    assert "javascript:" not in html
    assert '<div class="encadre">Texte</div>' in html and 'src="https://video.example/embed/1"' in html


def test_unsafe_html_can_be_allowed_for_trusted_content(site):
    site.write({"site.toml": MINIMAL_CONFIG + "[markdown]\nunsafe_html = true\n",
                "content/articles/a.md": article(body='<div onclick="x()">Texte</div>')})
    site.build()
    assert 'onclick="x()"' in site.read("2024/10/un-article/index.html")


# --- Injection ----------------------------------------------------------------------------------------------

def test_fields_are_escaped_in_html_xml_and_json_ld_and_never_evaluated(site):
    evil = '"{{ 7*7 }} {% raw %}</script><!-- ]]> & <b>\'"'
    site.write({"content/articles/a.md": article(title=evil, summary=evil, topics=f"[{evil}]",
                                                 sources=f"[{{name: {evil}, title: {evil}}}]")})
    site.build()
    for path in all_output_files(site):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "</script><!--" not in text and ">49<" not in text, path
        if path.suffix == ".xml":
            ET.parse(path)
    html = next(site.output.glob("2024/10/*/index.html")).read_text()
    assert "{{ 7*7 }}" in html


# --- Dates --------------------------------------------------------------------------------------------------

def test_mixed_date_forms_sort_correctly_and_old_dates_work(site):
    site.write({"content/articles/a.md": article(title="Naïve", date="2024-10-25 23:30"),
                "content/articles/b.md": article(title="Aware", date="2024-10-25T22:00:00Z"),
                "content/articles/c.md": article(title="Date", date="2024-10-25"),
                "content/articles/d.md": article(title="Vieux", date="0789-07-14")})
    titles = [a.summary.title for a in site.build().site.articles]
    assert titles == ["Aware", "Naïve", "Date", "Vieux"]  # 22:00Z is 00:00 on the 26th in Paris
    assert (site.output / "0789/07/vieux/index.html").is_file()


def test_updated_before_date_warns(site):
    site.write({"content/articles/a.md": article(updated="2020-01-01")})
    assert [w.message for w in site.build().warnings] == ["'updated' is before 'date'"]


# --- Markdown -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 30000, "[a](" * 20000, "\n".join("  " * i + "- x" for i in range(600)),
                                  ">" * 5000 + " x", "*a" * 20000])
def test_pathological_markdown_is_an_error_or_a_page_never_a_hang(site, body):
    site.write({"site.toml": MINIMAL_CONFIG + "[markdown]\ntime_budget = 1\n",
                "content/articles/a.md": article(body=body), "content/articles/b.md": article(title="Sain")})
    try:
        site.build()
    except BuildFailed as failed:
        (error,) = failed.errors
        assert error.path == "content/articles/a.md" and error.line == 5
        assert "took more than 1 s" in error.message or "nested too deeply" in error.message


# --- Output -------------------------------------------------------------------------------------------------

def test_the_build_never_deletes_a_directory_it_did_not_create(site, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("only copy")
    site.write({"content/articles/a.md": article()})
    with pytest.raises(Exception, match="not created by news-archive"):
        site.build(output_dir=precious)
    assert (precious / "thesis.txt").read_text() == "only copy"


def test_watcher_survives_handler_errors_and_restarts_and_falls_back_to_polling(site, monkeypatch):
    from watchdog.events import FileModifiedEvent

    from generator.preview import watch

    messages: list[str] = []
    watcher = watch.Watcher(site.root, lambda changes: None, messages.append)
    watcher.handler.debouncer.add = lambda *args: (_ for _ in ()).throw(RuntimeError("boom"))
    watcher.handler.on_any_event(FileModifiedEvent(str(site.root / "content/articles/a.md")))
    assert messages == ["watcher: RuntimeError: boom"]

    original_start = watch.Observer.start

    def no_inotify(self):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(watch.Observer, "start", no_inotify)
    watcher.start()
    assert watcher.polling and "falling back to polling" in messages[-1]
    watcher.observer.stop()
    watcher.observer.join()
    monkeypatch.setattr(watch.Observer, "start", original_start)
    watcher.polling = False
    watcher.ensure_alive()  # the observer died: started again
    assert watcher.observer.is_alive() and "restarting" in messages[-1]
    watcher.stop()


def test_build_time_is_deterministic_given_now(site):
    site.write({"content/articles/a.md": article(date="2026-11-24")})  # after NOW: future
    result = site.build()
    assert result.site.excluded_future == 1 and NOW.year == 2026
