"""End to end: the sample site and small inline sites, built and inspected."""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import feedparser
import pytest
from conftest import NOW, SHARED, article, build_site, config_with

from generator.check import find_broken_links
from generator.errors import UsageError
from generator.report import RecordingReporter
from generator.site.contexts import page_links

SEED_URL = "2024/10/elon-musk-aurait-de-frequentes-discussions-avec-vladimir-poutine/index.html"


def test_sample_article_page_has_every_part_of_a_news_article(sample_build):
    html = (sample_build / SEED_URL).read_text()
    assert '<html lang="fr">' in html
    assert ">Elon Musk aurait de fréquentes discussions avec Vladimir Poutine</h1>" in html
    assert ">25 octobre 2024</time>" in html
    assert "min de lecture" in html
    assert 'href="/topics/starlink/" data-pagefind-filter="topic">Starlink</a>' in html
    assert 'href="/topics/russia/" data-pagefind-filter="topic">Russie</a>' in html
    assert 'href="/people/vladimir-poutine/" data-pagefind-filter="person">Vladimir Poutine</a>' in html
    assert 'href="/sources/wall-street-journal/" data-pagefind-filter="source">Wall Street Journal</a>' in html
    assert '<section class="article-sources"' in html
    assert "<blockquote>" in html and "champ de mines" in html
    assert html.count("<li>Poutine aurait demandé à Musk") == 1
    assert "À lire également" in html
    related = re.search(r'<aside class="related".*?</aside>', html, re.S).group(0)
    assert 3 <= related.count('class="card-title"') <= 5
    assert 'rel="prev"' in html or 'rel="next"' in html
    assert '<link rel="canonical" href="https://example.org/2024/10/elon-musk' in html
    assert '<meta property="og:type" content="article">' in html


def test_article_json_ld_is_a_news_article(sample_build):
    html = (sample_build / SEED_URL).read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "NewsArticle"
    assert data["headline"].startswith("Elon Musk aurait")
    assert data["datePublished"] == "2024-10-25T09:00:00+02:00"
    assert {"@type": "Person", "name": "Vladimir Poutine",
            "url": "https://example.org/people/vladimir-poutine/"} in data["about"]
    assert data["author"] == [{"@type": "Organization", "name": "La rédaction",
                               "url": "https://example.org/authors/la-redaction/"}]


def test_sample_term_pages_exist_for_starlink_russia_and_twitter(sample_build):
    for slug, name in [("starlink", "Starlink"), ("russia", "Russie"), ("twitter", "Twitter")]:
        html = (sample_build / "topics" / slug / "index.html").read_text()
        assert f'<h1 class="page-title">{name}</h1>' in html
        assert "Elon Musk aurait de fréquentes discussions" in html
    index = (sample_build / "topics/index.html").read_text()
    assert re.search(r'href="/topics/starlink/">Starlink</a> <span class="count">\d+ articles', index)
    wsj = (sample_build / "sources/wall-street-journal/index.html").read_text()
    assert 'href="https://www.wsj.com/"' in wsj


def test_sample_archives_list_years_and_months(sample_build):
    index = (sample_build / "archives/index.html").read_text()
    assert 'href="/2024/">2024</a>' in index and 'href="/2022/10/">Octobre</a>' in index
    assert "Octobre 2024" in (sample_build / "2024/10/index.html").read_text()
    assert (sample_build / "2022/index.html").is_file()


def test_sample_site_has_feeds_sitemap_robots_and_404(sample_build):
    feed = feedparser.parse((sample_build / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 6
    assert feed.entries[0].link.startswith("https://example.org/2024/10/")
    term_feed = feedparser.parse((sample_build / "topics/starlink/feed.xml").read_bytes())
    assert not term_feed.bozo and term_feed.feed.title.startswith("Starlink")
    assert all("Starlink" in [t.label for t in entry.tags] for entry in term_feed.entries)
    sitemap = ET.parse(sample_build / "sitemap.xml").getroot()
    locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/" + SEED_URL.removesuffix("index.html") in locations
    assert "Sitemap: https://example.org/sitemap.xml" in (sample_build / "robots.txt").read_text()
    assert "Page introuvable" in (sample_build / "404.html").read_text()


def test_every_internal_link_of_the_sample_site_resolves(sample_build):
    assert [broken.format() for broken in find_broken_links(sample_build, "https://example.org/")] == []


def test_a_sub_path_base_url_makes_every_link_work_there(site, tmp_path):
    for number in range(12):
        site.write({f"content/articles/a{number}.md": article(title=f"Article {number}",
                                                              date=f"2024-{number % 3 + 1:02d}-{number + 1:02d}",
                                                              topics="[Starlink]")})
    site.write({"content/pages/about.md": "---\ntitle: About\nmenu: true\n---\nText.\n"})
    site.build(base_url="https://example.org/archive")
    assert find_broken_links(site.output, "https://example.org/archive/") == []
    home = site.read("index.html")
    hrefs = re.findall(r'(?:href|src|action)="([^"]+)"', home)
    assert hrefs and all(h.startswith(("/archive/", "https://example.org/archive/", "#", "https://pypi.org"))
                         for h in hrefs), hrefs
    assert "https://example.org/archive/feed.xml" in site.read("feed.xml")


def test_home_term_and_archive_pages_are_paginated(site):
    site.write({"site.toml": config_with("paginate_by = 5")})
    for number in range(12):
        site.write({f"content/articles/a{number:02d}.md": article(title=f"Article {number}",
                                                                 date=f"2024-05-{number + 1:02d}",
                                                                 topics="[Starlink]")})
    site.build()
    assert "Article 11" in site.read("index.html") and "Article 6" not in site.read("index.html")
    assert "Article 6" in site.read("page/2/index.html")
    assert "Article 0" in site.read("page/3/index.html")
    assert not (site.output / "page/4").exists()
    assert 'rel="next" href="/page/3/"' in site.read("page/2/index.html")
    # Taxonomy pagination follows the taxonomy's own paginate_by (default: the site's).
    assert "Article 0" in site.read("topics/starlink/page/3/index.html")
    assert "Article 0" in site.read("2024/05/page/3/index.html")


@pytest.mark.parametrize(("number", "shown"), [
    (1, [1, 2, 3, 0, 40]), (4, [1, 2, 3, 4, 5, 6, 0, 40]), (5, [1, 2, 3, 4, 5, 6, 7, 0, 40]),
    (20, [1, 0, 18, 19, 20, 21, 22, 0, 40]), (40, [1, 0, 38, 39, 40])])
def test_a_pagination_bar_shows_the_ends_and_the_pages_around_the_current_one(number, shown):
    urls = [f"/page/{page}/" for page in range(1, 41)]
    links = page_links(number, urls)
    assert [link.number for link in links] == shown  # 0: a gap; a gap of one page shows that page
    assert [link.number for link in links if link.current] == [number]
    assert all(link.url == urls[link.number - 1] for link in links if link.number)


def test_a_long_archive_links_a_few_pages_not_all_of_them(site):
    site.write({"site.toml": config_with("paginate_by = 1")})
    for number in range(30):
        site.write({f"content/articles/a{number:02d}.md": article(title=f"Article {number}",
                                                                 date=f"2024-05-{number + 1:02d}")})
    site.build()
    page = site.read("page/15/index.html")
    bar = page.split('<nav class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r">(\d+)<", bar) == ["1", "13", "14", "15", "16", "17", "30"]
    assert bar.count('class="gap"') == 2 and '<span aria-current="page">15</span>' in bar


def test_two_builds_of_the_same_input_are_byte_identical(sample_build, tmp_path):
    root = sample_build.parent
    again = build_site(root, {"output_dir": tmp_path / "again"}, RecordingReporter(), search=False, now=NOW)
    assert again.write.written
    first = {p.relative_to(sample_build): p.read_bytes() for p in sample_build.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*")
              if p.is_file()}
    assert first == second


def test_a_second_build_writes_nothing_and_keeps_mtimes(site):
    site.write({"content/articles/a.md": article()})
    site.build()
    mtimes = {p: p.stat().st_mtime_ns for p in site.output.rglob("*") if p.is_file()}
    result = site.build()
    assert result.write.written == [] and result.write.pruned == []
    assert {p: p.stat().st_mtime_ns for p in site.output.rglob("*") if p.is_file()} == mtimes


def test_an_edit_rewrites_changed_files_only_and_prunes_removed_ones(site):
    site.write({"content/articles/a.md": article(title="A", topics="[Starlink]"),
                "content/articles/b.md": article(title="B", date="2023-01-01")})
    site.build()
    untouched = next((site.output / "assets").glob("style.*.css"))
    before = untouched.stat().st_mtime_ns
    site.remove("content/articles/b.md")
    result = site.build()
    assert "2023/01/b/index.html" in result.write.pruned
    assert not (site.output / "2023").exists()
    assert untouched.stat().st_mtime_ns == before


def test_a_failed_build_leaves_the_previous_site_untouched(site):
    site.write({"content/articles/a.md": article(title="Bon")})
    site.build()
    before = site.files()
    site.write({"content/articles/a.md": "---\ntitle: Cassé\n---\n"})
    site.build_errors()
    assert site.files() == before
    assert not any(p.name.endswith(".staging") for p in site.root.iterdir())


def test_an_interrupted_swap_is_recovered_by_the_next_build(site):
    site.write({"content/articles/a.md": article(title="A")})
    site.build()
    staging = site.root / ".output.staging"
    shutil.copytree(site.output, staging)
    (staging / "half-written.html").write_text("partial")
    site.build()
    assert not staging.exists() and not (site.output / "half-written.html").exists()


def test_a_small_change_is_applied_in_place_and_a_big_one_through_a_staging_swap(site, monkeypatch):
    import generator.output.write

    site.write({"content/articles/a.md": article(title="A"), "content/articles/b.md": article(title="B")})
    assert site.build().write.swapped  # a first build goes live in one swap
    stylesheet = next((site.output / "assets").glob("style.*.css"))
    inode = stylesheet.stat().st_ino
    site.write({"content/articles/a.md": article(title="A", body="Nouveau.")})
    small = site.build()
    assert small.write.in_place and not small.write.swapped and "2024/10/a/index.html" in small.write.written
    assert stylesheet.stat().st_ino == inode  # untouched files are the same files
    monkeypatch.setattr(generator.output.write, "IN_PLACE_MAX", 0)
    site.write({"content/articles/a.md": article(title="A", body="Encore.")})
    big = site.build()
    assert big.write.swapped and not big.write.in_place
    assert "Encore." in site.read("2024/10/a/index.html")
    assert not list(site.output.rglob("*" + generator.output.write.TEMPORARY_SUFFIX))


def test_a_template_error_after_pages_were_streamed_to_staging_leaves_nothing_behind(site, monkeypatch):
    import generator.output.write

    site.write({"content/articles/a.md": article(title="A"), "content/articles/b.md": article(title="B")})
    site.build()
    before = site.files()
    monkeypatch.setattr(generator.output.write, "IN_PLACE_MAX", 0)  # every rendered page goes to staging at once
    site.write({"site.toml": config_with('theme = "casse"'), "themes/casse/theme.toml": 'extends = "default"\n',
                "themes/casse/templates/page.html": "{{ page.title.nope() }}",
                "content/pages/p.md": "---\ntitle: P\n---\nx\n"})
    assert any("page.html" in error for error in site.build_errors())
    assert site.files() == before
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".output")] == []


@pytest.mark.parametrize("committed", [True, False])
def test_an_in_place_update_cut_short_is_finished_or_undone_by_the_next_build(site, committed):
    from generator.output.write import TEMPORARY_SUFFIX, journal_path, recover

    site.write({"content/articles/a.md": article(title="A")})
    site.build()
    before = site.read("2024/10/a/index.html")
    page = site.output / "2024/10/a/index.html"

    def killed_update() -> None:
        # A build killed after writing the new bytes beside their target, before or after committing.
        page.with_name(page.name + TEMPORARY_SUFFIX).write_text("new bytes")
        journal_path(site.output).write_text(json.dumps({"write": ["2024/10/a/index.html"], "prune": ["404.html"],
                                                         "committed": committed}))

    killed_update()
    recover(site.output)
    assert site.read("2024/10/a/index.html") == ("new bytes" if committed else before)
    assert (site.output / "404.html").exists() != committed
    assert not journal_path(site.output).exists()
    assert not list(site.output.rglob("*" + TEMPORARY_SUFFIX))
    site.build()
    site.write({"content/articles/a.md": article(title="A", body="Nouveau.")})
    killed_update()  # the build of this edit was killed
    site.build()  # the next build recovers, then puts the site right
    assert "Nouveau." in site.read("2024/10/a/index.html") and (site.output / "404.html").exists()
    assert not journal_path(site.output).exists()


@pytest.mark.parametrize("output", [".", "content", "content/out", "themes", "/", "~"])
def test_dangerous_output_directories_are_refused(site, output):
    site.write({"content/articles/a.md": article()})
    target = os.path.expanduser(output) if output.startswith("~") else output
    with pytest.raises(UsageError):
        site.build(output_dir=site.root / target if not target.startswith("/") else target)


def test_a_foreign_non_empty_output_directory_is_refused(site):
    site.write({"content/articles/a.md": article(), "output/precious.txt": "keep me"})
    with pytest.raises(UsageError, match="not created by news-archive"):
        site.build()
    assert (site.output / "precious.txt").read_text() == "keep me"


def test_content_is_escaped_everywhere_and_never_evaluated_as_a_template(site):
    title = '"</script><script>alert(1)</script> {{ 7*7 }} & <b>"'
    site.write({"content/articles/a.md": article(title=title, summary='"{% raw %}<i>x</i>"')})
    site.build()
    html = site.read("2024/10/script-script-alert-1-script-7-7-b/index.html")
    assert "<script>alert(1)" not in html
    assert "{{ 7*7 }}" in html and ">49<" not in html
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(json_ld)["headline"].startswith("</script>")
    assert not feedparser.parse(site.read("feed.xml").encode()).bozo


def test_terms_spelled_differently_are_merged_under_one_page(site):
    site.write({"content/articles/a.md": article(title="A", topics="[Taïwan]"),
                "content/articles/b.md": article(title="B", topics="[Taiwan]"),
                "content/articles/c.md": article(title="C", topics="[TAÏWAN]"),
                "content/articles/d.md": article(title="D", topics="[Taïwan]")})
    result = site.build()
    (term,) = result.site.terms["topics"]
    assert (term.slug, term.name, len(term.articles)) == ("taiwan", "Taïwan", 4)


def test_a_term_file_gives_name_description_aliases_and_body(site):
    site.write({"content/articles/a.md": article(topics="[Russie]"),
                "content/topics/russia.md": "---\ntitle: Russie\ndescription: Le pays.\naliases: [Russia]\n---\n"
                                            "Un **texte** de présentation.\n"})
    site.build()
    html = site.read("topics/russia/index.html")
    assert "Le pays." in html and "<strong>texte</strong>" in html


def test_standalone_pages_are_built_and_listed_in_the_menu(site):
    site.write({"content/articles/a.md": article(),
                "content/pages/a-propos.md": "---\ntitle: À propos\nmenu: true\n---\nQui sommes-nous.\n"})
    site.build()
    assert "Qui sommes-nous." in site.read("a-propos/index.html")
    assert 'href="/a-propos/">À propos</a>' in site.read("index.html")


def test_a_page_slug_colliding_with_a_generated_page_is_reported(site):
    site.write({"content/articles/a.md": article(),
                "content/pages/topics.md": "---\ntitle: Topics\n---\nx\n"})
    (error,) = site.build_errors()
    assert error.startswith("content/pages/topics.md: writes topics/index.html, which taxonomy topics also writes")


def test_a_child_theme_overrides_one_template_and_inherits_the_rest(site):
    site.write({"site.toml": config_with('theme = "maison"'),
                "themes/maison/theme.toml": 'name = "maison"\nextends = "default"\n',
                "themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Perdu !{% endblock %}',
                "content/articles/a.md": article()})
    site.build()
    assert "Perdu !" in site.read("404.html")
    assert "Dernières actualités" in site.read("index.html")


def test_a_template_error_is_located_in_the_template(site):
    site.write({"site.toml": config_with('theme = "maison"'),
                "themes/maison/theme.toml": 'extends = "default"\n',
                "themes/maison/templates/404.html": '{% extends "base.html" %}\n{% block main %}\n{{ nope.x }}'
                                                    '{% endblock %}\n',
                "content/articles/a.md": article()})
    (error,) = site.build_errors()
    assert re.match(r".*themes/maison/templates/404.html:3: template error: 'nope' is undefined \(rendering 404.html\)",
                    error), error


def test_english_articles_get_english_dates_and_strings(site):
    site.write({"content/articles/a.md": article(title="Hello", lang="en", date="2026-11-23")})
    html = site.read("2026/11/hello/index.html") if site.build() else ""
    assert '<html lang="en">' in html and ">November 23, 2026</time>" in html and "1 min read" in html


def test_an_empty_site_builds(site):
    site.write({"content/articles/.keep": ""})
    site.build()
    assert "Aucun article" in site.read("index.html")
    assert not feedparser.parse(site.read("feed.xml").encode()).bozo


CORPUS_18F = SHARED / "corpora/18f/content/posts"


@pytest.mark.skipif(not CORPUS_18F.is_dir(), reason="the 18F corpus is not beside this checkout")
def test_the_18f_blog_builds_by_configuration_alone(tmp_path):
    root = tmp_path / "18f"
    shutil.copytree(CORPUS_18F, root / "content/articles")
    (root / "site.toml").write_text(CONFIG_18F, encoding="utf-8")
    result = build_site(root, {}, RecordingReporter(), search=False, now=NOW)
    # One post has a key that is really a paragraph of HTML: a warning naming its line, not a failure.
    photos = [w for w in result.warnings if "static/" in w.message or "single file" in w.message]
    assert [w.line for w in result.warnings if w not in photos] == [11]
    # The corpus comes without its /assets/ folder: each lead image it names is reported missing, once.
    assert len(photos) == len({(w.path, w.line, w.col) for w in photos}) > 250
    assert all("not a file of static/" in w.message for w in photos if "single file" not in w.message)
    assert len(result.site.articles) == 509
    assert len(result.site.terms["authors"]) > 100
    assert (root / "output/2014/03/19/hello-world-we-are-18f/index.html").is_file()
    # The posts' author handles sign them: bylines, author pages and feeds, by configuration alone.
    assert (root / "output/authors/melody/index.html").is_file() and (root / "output/authors/melody/feed.xml").is_file()
    signed = [path for path in (root / "output").glob("20*/*/*/*/index.html")
              if '<a href="/authors/melody/" rel="author">melody</a>' in path.read_text(encoding="utf-8")]
    assert len(signed) >= 5
    broken = find_broken_links(root / "output", "https://18f.example.org/")
    # Links inside the posts' own bodies point at pages of the old site that this corpus does not hold.
    assert [b for b in broken if not b.page.startswith(("20", "page/"))] == []


CONFIG_18F = """\
title = "18F blog"
base_url = "https://18f.example.org/"
language = "en"
timezone = "America/New_York"
permalink = "/{year}/{month}/{day}/{slug}/"

[[taxonomies]]
name = "topics"
title = "Tags"
singular = "Tag"
field = "tags"

[[taxonomies]]
name = "authors"
title = "Authors"
singular = "Author"
field = "authors"
byline = true

[front_matter]
aliases = { summary = ["excerpt", "description"], aliases = "redirect_from" }
ignore = ["layout", "hero", "tumblr_url", "image_alt", "image_figcaption", "image_caption", "github",
          "permalink", "locale", "images", "description"]
date_from_filename = true
"""


def test_a_previous_tree_half_deleted_by_a_kill_is_cleaned_up(site):
    site.write({"content/articles/a.md": article(title="A")})
    site.build()
    leftover = site.root / ".output.staging"
    leftover.mkdir()  # what a kill during the final delete can leave: the marker goes last, so empty
    site.write({"content/articles/a.md": article(title="A", body="Changé.")})
    site.build()
    assert not leftover.exists() and "Changé." in site.read("2024/10/a/index.html")
    leftover.mkdir()
    (leftover / "mine.txt").write_text("not the generator's")
    with pytest.raises(UsageError, match="was not created by news-archive"):
        site.build()
    assert (leftover / "mine.txt").read_text() == "not the generator's"


def test_a_worker_killed_in_the_middle_of_a_build_is_a_clear_error_not_a_hang(site, monkeypatch):
    import generator.render.render
    from generator.pool import WorkerDied

    def killed(shared, jobs):  # what the kernel's out-of-memory killer leaves: a process gone without a word
        os._exit(9)

    monkeypatch.setattr(generator.render.render, "render_and_hash_chunk", killed)
    site.write({f"content/articles/a{number:02d}.md": article(title=f"Article {number}") for number in range(70)})
    with pytest.raises(WorkerDied, match="out of memory"):
        build_site(site.root, {}, jobs=2)
    assert not site.output.exists()
