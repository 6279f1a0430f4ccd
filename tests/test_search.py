"""Search: Pagefind attributes on rendered pages, and the search page in a real headless Chromium."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import NOW, ROOT, article, build_site, build_with_search

from generator.config import load_config
from generator.output.search import SearchIndexError, SearchPage, index_search
from generator.output.search_layout import plan_shards
from generator.report import RecordingReporter

ARTICLE_URL = re.compile(r"/\d{4}/\d{2}/[^/]+/$")


# --- Attributes on rendered pages --------------------------------------------------------------------------

def test_article_pages_carry_body_filters_sort_and_meta(sample_build):
    html = next(sample_build.glob("2024/10/starlink-a-taiwan*/index.html")).read_text()
    assert html.count("data-pagefind-body") == 1
    # Sorted by the instant in UTC (several articles a day keep their order), shown by the local day.
    assert 'data-pagefind-sort="date:2024-10-25T09:00:00Z"' in html
    assert 'data-pagefind-meta="date:2024-10-25"' in html
    assert 'data-pagefind-meta="instant:2024-10-25T09:00:00Z"' in html
    assert 'data-pagefind-filter="year:2024"' in html
    assert 'data-pagefind-meta="title"' in html and 'data-pagefind-meta="summary"' in html
    for key, value in [("topic", "Taïwan"), ("person", "Xi Jinping"), ("source", "Wall Street Journal")]:
        assert re.search(rf'data-pagefind-filter="{key}">{value}</a>', html), (key, value)
    # Related articles and navigation sit outside the indexed region.
    body = html.index("data-pagefind-body")
    assert html.index('class="related"') > html.index("</article>", body)


def test_list_pages_are_not_indexed(sample_build):
    for page in ["index.html", "topics/index.html", "topics/starlink/index.html", "archives/index.html",
                 "2024/index.html", "search/index.html", "404.html", "a-propos/index.html"]:
        assert "data-pagefind-body" not in (sample_build / page).read_text(), page


def test_a_site_taxonomy_becomes_a_filter_without_template_work(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + '[[taxonomies]]\nname = "series"\n'
                'title = "Séries"\n',
                "content/articles/a.md": article(series="[Enquête Starlink]")})
    site.build()
    assert 'data-pagefind-filter="serie">Enquête Starlink</a>' in site.read("2024/10/un-article/index.html")
    assert '"key": "serie", "label": "S\\u00e9ries"' in site.read("search/index.html")


def test_the_index_holds_one_language_and_only_articles(searchable_sample):
    manifest = json.loads((searchable_sample / "pagefind/shards.json").read_text())
    assert [(s["key"], s["path"], s["pages"]) for s in manifest["shards"]] == [("2022-2024", "2022-2024/", 6)]
    for shard in manifest["shards"]:
        entry = json.loads((searchable_sample / "pagefind" / shard["key"] / "pagefind-entry.json").read_text())
        assert list(entry["languages"]) == ["fr"] and entry["languages"]["fr"]["page_count"] == shard["pages"]
        # Only what the search page loads: Pagefind's own UI bundles are left out.
        assert not (searchable_sample / "pagefind" / shard["key"] / "pagefind-ui.js").exists()


# --- Shards ---------------------------------------------------------------------------------------------

def pages_on(*days: str) -> list[SearchPage]:
    return [SearchPage(f"{day}/{number}/index.html", date.fromisoformat(day), "x")
            for number, day in enumerate(days)]


def test_small_years_share_a_shard_and_shards_are_newest_first():
    days = ("2022-03-01", "2024-01-05", "2024-12-31", "2023-06-01")
    assert [(shard.key, len(shard.pages)) for shard in plan_shards(pages_on(*days), 500)] == [("2022-2024", 4)]
    assert [(shard.key, len(shard.pages)) for shard in plan_shards(pages_on(*days), 2)] == [
        ("2024", 2), ("2022-2023", 2)]


def test_a_big_year_is_cut_into_runs_of_whole_months_never_across_years():
    days = ["2024-01-10"] * 2 + ["2024-02-10"] * 2 + ["2024-03-10"] * 3 + ["2024-07-01"] + ["2025-01-01"]
    shards = plan_shards(pages_on(*days), 4)
    assert [(shard.key, len(shard.pages)) for shard in shards] == [
        ("2025", 1), ("2024-03", 4), ("2024-01", 4)]


def test_a_big_month_is_cut_into_days_and_a_big_day_into_parts():
    days = ["2024-05-01"] * 5 + ["2024-05-02"] + ["2024-05-03"]
    shards = plan_shards(pages_on(*days), 2)
    assert [(shard.key, len(shard.pages)) for shard in shards] == [
        ("2024-05-02", 2), ("2024-05-01-3", 1), ("2024-05-01-2", 2), ("2024-05-01-1", 2)]


def test_every_page_is_in_exactly_one_shard_and_no_shard_is_too_big():
    days = [f"20{10 + n % 13}-{1 + n % 12:02d}-{1 + n % 28:02d}" for n in range(997)]
    pages = pages_on(*days)
    for size in (1, 7, 50, 1000):
        shards = plan_shards(pages, size)
        assert sorted(p.path for shard in shards for p in shard.pages) == sorted(p.path for p in pages)
        assert max(len(shard.pages) for shard in shards) <= size
        assert len({shard.key for shard in shards}) == len(shards)
        # Consecutive date ranges, newest first: what lets the search page merge "newest first" by concatenation.
        ranges = [(min(p.date for p in shard.pages), max(p.date for p in shard.pages)) for shard in shards]
        assert all(older[1] <= newer[0] for newer, older in zip(ranges, ranges[1:], strict=False))


def test_a_rebuild_reindexes_only_the_shards_whose_pages_changed(site):
    # With a summary given, a body edit changes the article's page only (neighbours show the summary).
    site.write({"site.toml": (site.root / "site.toml").read_text() + "\n[search]\nshard_size = 2\nrecent_size = 0\n",
                "content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives de Kiev.",
                                                   summary="Archives"),
                "content/articles/new.md": article(title="Neuf", date="2024-05-01", body="Starlink en orbite."),
                "content/articles/new2.md": article(title="Neuf 2", date="2024-06-01", body="Twitter bruisse.")})
    first = site_build(site)
    assert first.indexed == ["2024", "2022"]
    kept = (site.output / "pagefind/2024/pagefind.js").stat().st_ino
    site.write({"content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives d’Odessa.",
                                                   summary="Archives")})
    second = site_build(site)
    assert second.indexed == ["2022"]
    assert (site.output / "pagefind/2024/pagefind.js").stat().st_ino == kept
    assert site_build(site).indexed == []
    (site.root / "content/articles/old.md").unlink()
    # Its neighbour's page lost its "older" link, outside the indexed region: 2024 is not re-indexed.
    assert site_build(site).indexed == []
    assert [s["key"] for s in json.loads(site.read("pagefind/shards.json"))["shards"]] == ["2024"]
    assert not (site.output / "pagefind/2022").exists()
    shutil.rmtree(site.output / "pagefind")
    assert site_build(site).indexed == ["2024"]


def _indexed_texts(bundle) -> str:
    """Every page text of a Pagefind bundle, as its fragments hold it."""
    return "\n".join(gzip.decompress(path.read_bytes()).decode() for path in sorted(bundle.rglob("*.pf_fragment")))


def test_an_edited_shard_indexes_the_new_text_as_a_fresh_index_would(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + "\n[search]\nshard_size = 2\nrecent_size = 0\n",
                "content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives de Kiev."),
                "content/articles/new.md": article(title="Neuf", date="2024-05-01", body="Starlink en orbite."),
                "content/articles/new2.md": article(title="Neuf 2", date="2024-06-01", body="Twitter bruisse.")})
    site_build(site)
    site.write({"content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives d’Odessa.")})
    assert site_build(site).indexed == ["2022"]
    texts = _indexed_texts(site.output / "pagefind/2022")
    assert "Odessa" in texts and "Kiev" not in texts
    kept = _indexed_texts(site.output / "pagefind/2024")
    assert "Starlink" in kept
    shutil.rmtree(site.output / "pagefind")
    site_build(site)
    afresh = _indexed_texts(site.output / "pagefind")
    assert sorted(afresh.splitlines()) == sorted(texts.splitlines() + kept.splitlines())


def test_shard_globs_start_at_the_folder_their_pages_share():
    from generator.output.search import pages_glob

    assert pages_glob(["2024/05/b/index.html", "2024/03/a/index.html"]) == \
        "2024/{03/a/index.html,05/b/index.html}"
    assert pages_glob(["2024/05/b/index.html"]) == "2024/05/b/index.html"
    # No shared folder: their top folders, when no other page to index lives there.
    assert pages_glob(["2007/05/b/index.html", "2006/03/a/index.html"]) == "{2006,2007}/**/*.html"
    assert pages_glob(["a/index.html", "b/index.html"], ["a/index.html", "b/index.html", "c/index.html"]) == \
        "{a,b}/**/*.html"
    assert pages_glob(["2006/03/a/index.html", "2007/05/b/index.html"],
                      ["2006/03/a/index.html", "2007/05/b/index.html", "2007/06/c/index.html"]) is None
    assert pages_glob(["index.html", "b/index.html"]) is None
    assert pages_glob(["2024/05/a{b,c}/index.html", "2024/05/d/index.html"]) is None  # glob syntax in a name
    assert pages_glob(["2024/05/taïwan/index.html", "2024/05/москва/index.html"]) == \
        "2024/05/{taïwan/index.html,москва/index.html}"
    assert pages_glob([f"2024/05/{'x' * 200}-{n}/index.html" for n in range(1000)]) is None  # too long for argv


@pytest.mark.parametrize("permalink", ["/{year}/{month}/{slug}/", "/{slug}/"])
def test_pages_read_in_place_index_like_a_snapshot(site, tmp_path, permalink):
    from generator.output.search import prepare_index, run_index

    site.write({"site.toml": (site.root / "site.toml").read_text().replace(
                    "[", f'permalink = "{permalink}"\n\n[', 1) + "\n[search]\nshard_size = 2\n",
                "content/articles/a.md": article(title="Taïwan", date="2024-05-01", body="Starlink en orbite."),
                "content/articles/b.md": article(title="Москва", date="2024-06-01", body="Starlink, encore."),
                "content/articles/c.md": article(title="Vieux", date="2022-05-01", body="Archives de Kiev.")})
    result = site.build(search=True)  # (a build without search does not list the pages search covers)
    config = load_config(site.root)
    bundles = {}
    for stable in (True, False):
        work = tmp_path / f"work-{stable}"
        plan = prepare_index(config, site.output, result.search_pages, None, work, stable=stable)
        # Without dates in URLs the two 2024 pages share no folder: their own folders are globbed.
        assert set(plan.globs) == ({"2024", "2022"} if stable else set())
        assert (work / "search-pages").exists() == (not stable)
        run_index(plan, tmp_path / f"bundle-{stable}", RecordingReporter())
        assert not (work / "search-pages").exists()
        bundles[stable] = {key: json.loads((tmp_path / f"bundle-{stable}/{key}/pagefind-entry.json").read_text())
                           for key in ("2024", "2022")}
    counts = {stable: {key: {lang: v["page_count"] for lang, v in entry["languages"].items()}
                       for key, entry in shards.items()} for stable, shards in bundles.items()}
    assert counts[True] == counts[False] == {"2024": {"fr": 2}, "2022": {"fr": 1}}


def test_changing_the_shard_size_reshards_the_index(site):
    site.write({"content/articles/a.md": article(title="A", date="2024-05-01"),
                "content/articles/b.md": article(title="B", date="2024-06-01")})
    assert site_build(site).indexed == ["2024"]
    site.write({"site.toml": (site.root / "site.toml").read_text() + "\n[search]\nshard_size = 1\n"})
    assert site_build(site).indexed == ["2024-06", "2024-05"]
    assert sorted(p.name for p in (site.output / "pagefind").iterdir()) == ["2024-05", "2024-06", "shards.json"]


def test_a_foreign_manifest_or_state_is_never_trusted(tmp_path):
    from generator.output.search_layout import MANIFEST_VERSION, load_state, manifest_digest, read_manifest
    from generator.output.search_layout import listed_shards as listed

    def listed_shards(bundle):
        return listed(read_manifest(bundle))

    bundle = tmp_path / "pagefind"
    for key in ("2024", "recent"):
        (bundle / key).mkdir(parents=True)
        (bundle / key / "pagefind.js").write_text("")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/pagefind.js").write_text("")
    good = {"version": MANIFEST_VERSION, "shards": [{"key": "recent", "digest": "r"}, {"key": "2024", "digest": "a"}]}
    (bundle / "shards.json").write_text(json.dumps(good))
    assert listed_shards(bundle) == {"recent": "r", "2024": "a"}
    state = {"version": 2, "manifest": manifest_digest(bundle), "shard_size": 2, "base": {"2024": "a"},
             "recent": "r", "pages": {"2024/05/a/index.html": ["2024", "2024-05-01", "d", "fr_1"]}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    assert load_state(tmp_path / "state.json", bundle).pages["2024/05/a/index.html"].id == "fr_1"
    for bad in ({"version": MANIFEST_VERSION, "shards": [{"key": "../etc", "digest": "b"}]},
                {"version": 1, "shards": []}, {"shards": 3}, [1]):
        (bundle / "shards.json").write_text(json.dumps(bad))
        assert listed_shards(bundle) == {}
    (bundle / "shards.json").write_text("{not json")
    assert listed_shards(bundle) == {}
    # A state belongs to one manifest, and names no folder outside the bundle.
    assert load_state(tmp_path / "state.json", bundle) is None
    (bundle / "shards.json").write_text(json.dumps(good))
    state["manifest"] = manifest_digest(bundle)
    for bad_base in ({"../etc": "a"}, {"2025": "a"}):
        (tmp_path / "state.json").write_text(json.dumps({**state, "base": bad_base}))
        assert load_state(tmp_path / "state.json", bundle) is None


def site_build(site):

    return build_site(site.root, {"output_dir": site.output}, RecordingReporter(), search=True, now=NOW)


def test_a_missing_pagefind_binary_is_a_clear_error(monkeypatch, tmp_path, sample_build):
    import pagefind_bin

    def missing():
        raise FileNotFoundError("pagefind")

    monkeypatch.setattr(pagefind_bin, "get_executable", missing)
    (tmp_path / "a.html").write_text("<html><body data-pagefind-body>x</body></html>")
    config = load_config(sample_build.parent)
    with pytest.raises(SearchIndexError, match=r"pip install 'pagefind\[bin\]"):
        index_search(config, tmp_path, RecordingReporter(), [SearchPage("a.html", date(2024, 1, 1), "x")])


def test_a_site_without_articles_builds_a_working_empty_search_page(site, serve_dir, page):
    site.write({"content/pages/about.md": "---\ntitle: About\n---\nx\n"})
    build_with_search(site.root, site.output)
    server = serve_dir(site.output)
    page.goto(server.url + "/search/?q=starlink")
    page.wait_for_selector("#search-status:has-text('aucun article')")
    assert page.js_errors == []


# --- In the browser ------------------------------------------------------------------------------------------

def results(page) -> list[dict]:
    page.wait_for_selector("#search[data-results-for]", state="attached")
    return page.eval_on_selector_all(".search-result", """nodes => nodes.map(n => ({
        url: new URL(n.querySelector('a').href).pathname,
        title: n.querySelector('a').textContent,
        date: n.querySelector('time').dateTime,
        chips: [...n.querySelectorAll('.chip')].map(c => c.textContent)}))""")


def search(page, server, query: str) -> list[dict]:
    """Open the search page at `query`; its results once they and the facets' counts are on screen."""
    page.goto(server.url + "/search/" + query)
    page.wait_for_selector("#search[data-results-for]", state="attached")
    return results(page)


@pytest.fixture(params=["one shard", "shard per article"])
def sample_server(request, serve_dir):
    # Results, facets and sort must not depend on how the index is sharded.
    return serve_dir(request.getfixturevalue("searchable_sample" if request.param == "one shard"
                                             else "sharded_sample"))


def test_a_word_of_the_body_finds_the_articles_and_no_list_page(page, sample_server):
    found = search(page, sample_server, "?q=drones")
    assert found and all(ARTICLE_URL.search(r["url"]) for r in found)
    assert {r["title"] for r in found} == {"L’armée russe utiliserait Starlink pour ses drones en Ukraine",
                                           "Elon Musk aurait de fréquentes discussions avec Vladimir Poutine"}
    assert page.js_errors == []


@pytest.mark.parametrize("query, expected", [
    ("taiwan", "Starlink à Taïwan : la demande que Poutine aurait faite à Musk"),  # accents folded
    ("russie", "Le plan de paix controversé d’Elon Musk pour l’Ukraine"),  # "Russie" in the body
    ("ouragan", "Twitter, un outil au service de la désinformation russe ?"),  # stem of "ouragans"
    ("desinformations", "Twitter, un outil au service de la désinformation russe ?"),
])
def test_french_queries_are_stemmed_and_accent_free(page, sample_server, query, expected):
    assert expected in [r["title"] for r in search(page, sample_server, f"?q={query}")]


def test_pagefind_files_a_host_already_inflated_are_searched_all_the_same(page, searchable_sample, serve_dir):
    # The page inflates Pagefind's gzipped files with the browser's own decompression; bytes that arrive
    # inflated (a host that decoded them on the way) are passed on as they are.
    def inflated(route):
        response = route.fetch()
        route.fulfill(response=response, body=gzip.decompress(response.body()))

    page.route(re.compile(r"\.(pagefind|pf_meta|pf_index|pf_filter|pf_fragment)$"), inflated)
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    found = search(page, serve_dir(searchable_sample), "?q=drones")
    assert len(found) == 2
    assert page.locator('#search-facets fieldset[data-facet="topic"]').count() == 1
    assert page.js_errors == [] and console_errors == []


def test_the_search_box_in_the_header_lands_on_the_search_page(page, sample_server):
    page.goto(sample_server.url + "/")
    page.fill("#header-search-input", "Crimée")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Crim*")
    assert "Le plan de paix controversé d’Elon Musk pour l’Ukraine" in [r["title"] for r in results(page)]


@pytest.mark.parametrize("facet, value, expected_count", [
    ("topic", "Twitter", 2), ("person", "Xi Jinping", 2), ("source", "Wall Street Journal", 4), ("year", "2022", 1),
])
def test_each_facet_narrows_the_results(page, sample_server, facet, value, expected_count):
    everything = search(page, sample_server, "?q=musk")
    assert len(everything) == 6
    labels = page.eval_on_selector_all("#search-facets legend", "nodes => nodes.map(n => n.textContent)")
    assert labels == ["Thèmes", "Personnes", "Sources", "Auteurs", "Année"]
    page.check(f'fieldset[data-facet="{facet}"] input[value="{value}"]')
    page.wait_for_function(f"document.querySelectorAll('.search-result').length === {expected_count}")
    assert f"{facet}=" in page.url


def test_sort_by_newest_orders_results_by_date(page, sample_server):
    relevance = search(page, sample_server, "?q=ukraine")
    page.check('input[name="sort"][value="date"]')
    page.wait_for_url("**sort=date*")
    page.wait_for_function("document.querySelector('.search-result time')")
    newest = results(page)
    dates = [r["date"] for r in newest]
    assert dates == sorted(dates, reverse=True) and len(newest) == len(relevance)
    assert newest[-1]["date"] == "2022-10-31"


# One evening in Montréal (America/Toronto), where past 20:00 an article's UTC instant falls on the next day:
# fourteen French articles from 22:00, after ten English ones from 20:00.
EVENING = [("fr", f"2024-10-26T{22 + minutes // 60}:{minutes % 60:02d}:00") for minutes in range(0, 14 * 8, 8)] + [
    ("en", f"2024-10-26T{20 + minutes // 60}:{minutes % 60:02d}:00") for minutes in range(0, 100, 10)]


def test_newest_first_merges_languages_by_instant_page_after_page(site, page, serve_dir):
    site.write({f"content/articles/{lang}-{number:02d}.md": article(
        title=f"Starlink {lang} {number:02d}", date=when, lang=lang, body="Starlink et satellites.")
        for number, (lang, when) in enumerate(EVENING)})
    config = (site.root / "site.toml").read_text().replace('"Europe/Paris"', '"America/Toronto"')
    site.write({"site.toml": config})
    build_with_search(site.root, site.output)
    server = serve_dir(site.output)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    search(page, server, "?q=starlink&sort=date")
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 20")
    newest_first = sorted(EVENING, key=lambda pair: pair[1], reverse=True)
    assert _titles(page) == [f"Starlink {lang} {EVENING.index((lang, when)):02d}" for lang, when in newest_first[:20]]
    # Each result's data is fetched once, the lists' heads a page at a time.
    fragments = [url for url in requests if url.endswith(".pf_fragment")]
    assert len(fragments) == len(set(fragments)) <= 30
    assert page.js_errors == []


def test_a_deep_link_restores_query_filters_and_sort(page, sample_server):
    found = search(page, sample_server, "?q=starlink&topic=Russie&sort=date")
    assert page.input_value("#search-input") == "starlink"
    assert page.is_checked('fieldset[data-facet="topic"] input[value="Russie"]')
    assert page.is_checked('input[name="sort"][value="date"]')
    assert len(found) == 4 and all("Russie" in r["chips"] for r in found)
    assert [r["date"] for r in found] == sorted((r["date"] for r in found), reverse=True)


def test_filters_alone_list_matching_articles_newest_first(page, sample_server):
    found = search(page, sample_server, "?person=Tim+Walz")
    assert [r["date"] for r in found] == ["2024-10-25", "2024-10-25"]


def test_the_search_page_works_from_the_keyboard(page, sample_server):
    page.goto(sample_server.url + "/search/")
    page.wait_for_selector("#search-facets fieldset")
    page.focus("#search-input")
    page.keyboard.type("starlink")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-result")
    page.focus('fieldset[data-facet="year"] input[value="2024"]')
    page.keyboard.press("Space")
    page.wait_for_url("**year=2024*")
    assert all(r["date"].startswith("2024") for r in results(page))


def test_search_works_under_a_sub_path(tmp_path, page, serve_dir):
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "site.toml", root / "site.toml")
    build_with_search(root, tmp_path / "www" / "archive", base_url="https://example.org/archive/")
    server = serve_dir(tmp_path / "www")
    page.goto(server.url + "/archive/search/?q=taiwan")
    page.wait_for_selector(".search-result")
    found = results(page)
    assert found and all(r["url"].startswith("/archive/2024/") for r in found)
    page.click(".search-result a")
    page.wait_for_selector("h1.article-title")
    assert page.url.startswith(server.url + "/archive/2024/")


def test_every_language_is_searched_from_a_french_page_with_a_language_facet(site, page, serve_dir):
    site.write({"content/articles/fr.md": article(title="Le réseau Starlink", body="Les satellites de Starlink."),
                "content/articles/en.md": article(title="Starlink outage", lang="en", date="2024-10-26",
                                                  body="The satellites went dark.")})
    build_with_search(site.root, site.output)
    entry = (site.output / "pagefind/2024/pagefind-entry.json").read_text()
    assert '"fr":' in entry and '"en":' in entry
    server = serve_dir(site.output)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    assert sorted(r["title"] for r in search(page, server, "?q=starlink")) == ["Le réseau Starlink", "Starlink outage"]
    # Two languages, two WebAssembly files (their stemmers), one download of Pagefind's script.
    assert sum(url.endswith("/pagefind.js") for url in requests) == 1
    assert sorted(url.rsplit("/", 1)[1] for url in requests if ".pagefind" in url) == [
        "wasm.en.pagefind", "wasm.fr.pagefind"]
    names = page.locator('fieldset[data-facet="lang"] .facet-name').all_inner_texts()
    assert names == ["Français", "Anglais"]  # the page's own language first
    page.locator('fieldset[data-facet="lang"] input[value="en"]').check()
    page.wait_for_url("**lang=en**")
    page.wait_for_selector("#search[data-results-for]", state="attached")
    assert [r["title"] for r in search(page, server, "?q=starlink&lang=en")] == ["Starlink outage"]
    assert [r["title"] for r in search(page, server, "?q=went")] == ["Starlink outage"]
    assert page.js_errors == []


# --- The recent shard: edits cost what they change -----------------------------------------------------------

LOG_SITE = "\n[search]\nshard_size = 2\n"


def _manifest(site) -> dict:
    return json.loads(site.read("pagefind/shards.json"))


def _fragment_ids(site, key) -> list[str]:
    return [path.stem for path in (site.output / f"pagefind/{key}/fragment").glob("*.pf_fragment")]


def test_an_edit_reindexes_only_the_recent_shard_and_shadows_the_base_copy(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + LOG_SITE,
                "content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives de Kiev.",
                                                   summary="Archives", topics="[Ukraine]"),
                "content/articles/new.md": article(title="Neuf", date="2024-05-01", body="Starlink en orbite."),
                "content/articles/new2.md": article(title="Neuf 2", date="2024-06-01", body="Twitter bruisse.")})
    assert site_build(site).indexed == ["2024", "2022"]
    kept = {key: (site.output / f"pagefind/{key}/pagefind.js").stat().st_ino for key in ("2024", "2022")}
    site.write({"content/articles/old.md": article(title="Vieux", date="2022-05-01", body="Archives d’Odessa.",
                                                   summary="Archives", topics="[Ukraine]")})
    assert site_build(site).indexed == ["recent"]
    assert {key: (site.output / f"pagefind/{key}/pagefind.js").stat().st_ino for key in ("2024", "2022")} == kept
    manifest = _manifest(site)
    assert [(s["key"], s.get("recent", False)) for s in manifest["shards"]] == [
        ("recent", True), ("2024", False), ("2022", False)]
    assert "Odessa" in _indexed_texts(site.output / "pagefind/recent")
    # The base copy still says Kiev: it is shadowed, with the filters to count it out.
    [(old_id, shadow)] = manifest["shadowed"].items()
    old = site.output / f"pagefind/2022/fragment/{old_id}.pf_fragment"
    assert "Kiev" in gzip.decompress(old.read_bytes()).decode()
    assert shadow["filters"]["topic"] == ["Ukraine"] and shadow["filters"]["year"] == ["2022"]
    [recent_id] = _fragment_ids(site, "recent")
    assert manifest["shards"][0]["dates"] == {recent_id: "2022-05-01"}
    assert manifest["shards"][0]["filters"][recent_id] == {"topic": ["Ukraine"], "year": ["2022"]}
    # The whole archive's counts, for the search page before any query: the shadowed copy counted out.
    assert manifest["totals"]["fr"]["topic"] == {"Ukraine": 1}
    assert manifest["totals"]["fr"]["year"] == {"2022": 1, "2024": 2}
    assert site_build(site).indexed == []  # nothing changed: nothing indexed
    # A new article joins the recent shard; a deleted one is shadowed and indexed nowhere.
    site.write({"content/articles/newest.md": article(title="Plus neuf", date="2024-07-01", body="Encore.")})
    (site.root / "content/articles/new.md").unlink()
    assert site_build(site).indexed == ["recent"]
    manifest = _manifest(site)
    assert manifest["shards"][0]["pages"] == 2 and len(manifest["shadowed"]) == 2
    assert "Starlink" not in _indexed_texts(site.output / "pagefind/recent")
    assert manifest["totals"]["fr"]["year"] == {"2022": 1, "2024": 2}  # one 2024 article gone, one added


def test_the_recent_shard_is_merged_into_the_base_past_its_size(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + LOG_SITE + "recent_size = 2\n",
                "content/articles/a.md": article(title="A", date="2022-05-01"),
                "content/articles/b.md": article(title="B", date="2024-05-01"),
                "content/articles/c.md": article(title="C", date="2024-06-01")})
    assert site_build(site).indexed == ["2024", "2022"]
    site.write({"content/articles/d.md": article(title="D", date="2025-01-01")})
    assert site_build(site).indexed == ["recent"]
    site.write({"content/articles/a.md": article(title="A", date="2022-05-01", body="Modifié.")})
    # Three changes (D new, A edited, its base copy shadowed) exceed two: the base is planned again, and
    # only the shards whose pages changed are indexed.
    assert site_build(site).indexed == ["2025", "2022"]
    manifest = _manifest(site)
    assert [s["key"] for s in manifest["shards"]] == ["2025", "2024", "2022"] and manifest["shadowed"] == {}
    assert not (site.output / "pagefind/recent").exists()


def test_a_lost_cache_means_a_fresh_index_never_a_wrong_one(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + LOG_SITE,
                "content/articles/a.md": article(title="A", date="2022-05-01"),
                "content/articles/b.md": article(title="B", date="2024-05-01")})
    site_build(site)
    site.write({"content/articles/a.md": article(title="A", date="2022-05-01", body="Modifié.")})
    shutil.rmtree(site.root / ".cache")
    assert site_build(site).indexed == ["2022-2024"]  # everything, afresh
    assert [s["key"] for s in _manifest(site)["shards"]] == ["2022-2024"]


# Queries compared between a log-structured index (base shards of two articles, the recent shard holding
# an edit, a new article in another language, a deletion) and a single index of the same articles.
EQUIVALENCE_QUERIES = ["?q=starlink", "?q=starlink&sort=date", "?topic=Ukraine", "?q=satellites&topic=Russie",
                       "?year=2024", "?q=starlink&lang=en", ""]


def _search_state(page, server, query: str) -> dict:
    page.goto(server.url + "/search/" + query)
    page.wait_for_selector("#search[data-results-for]", state="attached")
    return {"status": page.inner_text("#search-status"),
            "titles": page.eval_on_selector_all(".search-result-title a", "nodes => nodes.map(n => n.textContent)"),
            "facets": page.eval_on_selector_all("#search-facets fieldset", """sets => Object.fromEntries(sets.map(
                s => [s.dataset.facet, [...s.querySelectorAll('label')].map(l => l.textContent.trim())]))""")}


def _edits(root):
    articles = sorted((root / "content/articles").rglob("*.md"))
    text = articles[0].read_text()
    articles[0].write_text(text.replace("\n\n", "\n\nDes satellites au-dessus de la Russie. ", 1))
    articles[1].unlink()
    (root / "content/articles/ajout.md").write_text(article(
        title="Starlink, again", date="2024-11-02T08:30:00", body="Starlink satellites.",
        topics="[Ukraine, Russie]", lang="en"))


def _manifest_of(root) -> dict:
    return json.loads((root / "output/pagefind/shards.json").read_text())


def test_a_log_structured_index_searches_like_a_single_index(tmp_path, page, serve_dir):
    logged, single = tmp_path / "logged", tmp_path / "single"
    for root in (logged, single):
        shutil.copytree(ROOT / "content", root / "content")
    (logged / "site.toml").write_text((ROOT / "site.toml").read_text() + LOG_SITE)
    build_with_search(logged, logged / "output")
    _edits(logged)
    build_with_search(logged, logged / "output")
    assert _manifest_of(logged)["shards"][0]["key"] == "recent" and _manifest_of(logged)["shadowed"]
    _edits(single)
    shutil.copy(ROOT / "site.toml", single / "site.toml")
    build_with_search(single, single / "output")
    assert len(_manifest_of(single)["shards"]) == 1
    servers = serve_dir(logged / "output"), serve_dir(single / "output")
    for query in EQUIVALENCE_QUERIES:
        ours, reference = (_search_state(page, server, query) for server in servers)
        if "sort=date" not in query and "q=" in query:  # scores use each shard's statistics: compare as sets
            ours["titles"], reference["titles"] = sorted(ours["titles"]), sorted(reference["titles"])
        assert ours == reference, query
    assert page.js_errors == []


def _recording_shifts(browser, viewport: dict):
    """A page of that size that lists its layout shifts in `window.shifts`."""
    page = browser.new_page(viewport=viewport)
    page.add_init_script("""window.shifts = []; new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.shifts.push(entry.value);
    }).observe({ type: "layout-shift", buffered: true });""")
    return page


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_the_search_page_does_not_shift_while_results_load(browser, searchable_sample, serve_dir, viewport):
    server = serve_dir(searchable_sample)
    page = _recording_shifts(browser, viewport)
    for query in ("", "?q=starlink"):
        page.goto(server.url + "/search/" + query)
        page.wait_for_selector("#search[data-results-for]", state="attached")
        page.wait_for_timeout(200)
        assert page.evaluate("window.shifts") == [], query
    # On a phone the filters are folded away and the first result is above the fold.
    panel_open = page.evaluate("document.querySelector('.search-filters-panel').open")
    assert panel_open == (viewport["width"] > 800)
    first = page.locator(".search-result").first.bounding_box()
    assert first["y"] < viewport["height"]
    page.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_the_search_page_is_painted_whole_before_the_index_answers(browser, searchable_sample, serve_dir, viewport):
    server = serve_dir(searchable_sample)
    page = _recording_shifts(browser, viewport)
    held = []
    page.route("**/pagefind/shards.json", lambda route: held.append(route))  # the manifest does not answer yet
    page.goto(server.url + "/search/")
    page.wait_for_function("() => document.querySelector('.search-filters-panel').open === "
                           + ("true" if viewport["width"] > 800 else "false"))
    assert held, "the page asked for the index"
    assert page.locator("#search-input").is_visible()
    assert page.locator("#search-status").inner_text().startswith("Tapez un mot")
    assert page.locator(".search-sort").is_visible() == (viewport["width"] > 800)
    assert page.get_attribute("#search", "data-ready") is None
    held[0].continue_()
    page.wait_for_selector("#search[data-ready]", state="attached")
    page.wait_for_selector("#search-facets fieldset", state="attached")
    page.wait_for_timeout(200)
    assert page.evaluate("window.shifts") == []
    page.close()


def test_without_javascript_the_search_page_offers_the_lists_instead_of_dead_controls(browser, searchable_sample,
                                                                                      serve_dir):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(serve_dir(searchable_sample).url + "/search/")
    assert not page.locator(".search-layout").is_visible()
    assert page.locator(".notice").is_visible()
    context.close()


# --- Newest first: what a reader downloads does not grow with the archive --------------------------------

# Three articles a year from 2014 to 2021, two years per base shard: 2020-2021, 2018-2019, 2016-2017, 2014-2015.
YEARLY = {f"content/articles/{year}-{month:02d}.md": article(
    title=f"Starlink {year}-{month:02d}", date=f"{year}-{month:02d}-15T10:00:00", body="Starlink et satellites.",
    topics="[Espace]") for year in range(2014, 2022) for month in (2, 6, 10)}
NEWEST_FIRST = [f"Starlink {year}-{month:02d}" for year in range(2021, 2013, -1) for month in (10, 6, 2)]


@pytest.fixture(scope="module")
def yearly_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("yearly")
    for relative, text in YEARLY.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    shutil.copy(ROOT / "site.toml", root / "site.toml")
    with (root / "site.toml").open("a") as config:
        config.write("\n[search]\nshard_size = 7\n")
    build_with_search(root, root / "output")
    assert [s["key"] for s in _manifest_of(root)["shards"]] == ["2020-2021", "2018-2019", "2016-2017", "2014-2015"]
    return root / "output"


def _shards_fetched(requests: list[str]) -> set[str]:
    return {match.group(1) for url in requests if (match := re.search(r"/pagefind/([\w-]+)/", url))}


def _open_recording(page, server, query: str) -> list[str]:
    """Open the search page at `query` and wait for its results; the URLs it requests, as they come."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + "/search/" + query)
    page.wait_for_selector("#search[data-results-for]", state="attached")
    return requests


def _titles(page) -> list[str]:
    return page.eval_on_selector_all(".search-result-title a", "nodes => nodes.map(n => n.textContent)")


def test_a_query_opens_the_newest_shards_first_and_older_ones_as_the_reader_asks(yearly_archive, page, serve_dir):
    requests = _open_recording(page, serve_dir(yearly_archive), "?q=starlink&sort=date")
    # Two shards give a page of results: the two older ones are not even downloaded.
    assert _shards_fetched(requests) == {"2020-2021", "2018-2019"}
    assert page.inner_text("#search-status") == "12 résultats depuis le 15 février 2018"
    assert _titles(page) == NEWEST_FIRST[:10]
    assert page.locator("#search-wider").is_visible() and page.locator("#search-more").is_visible()
    assert _facet_labels(page, "year") == [f"{year} (3)" for year in range(2021, 2017, -1)]
    page.click("#search-more")  # the last two of the window, then the older shards: the list goes on in order
    page.wait_for_function("document.querySelectorAll('.search-result').length === 20")
    assert _titles(page) == NEWEST_FIRST[:20]
    assert page.inner_text("#search-status") == "24 résultats"
    assert _shards_fetched(requests) == {"2020-2021", "2018-2019", "2016-2017", "2014-2015"}
    assert not page.locator("#search-wider").is_visible()
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 24")
    assert _titles(page) == NEWEST_FIRST and not page.locator("#search-more").is_visible()
    assert page.js_errors == []


def test_the_whole_archive_is_one_click_away_and_counts_as_one_index(yearly_archive, page, serve_dir):
    _open_recording(page, serve_dir(yearly_archive), "?q=starlink")
    page.click("#search-wider")
    page.wait_for_selector("#search[data-results-for]", state="attached")
    assert page.locator("#search-status").inner_text() == "24 résultats"
    assert "from=2014" in page.url and page.input_value("#search-from") == "2014"
    assert _facet_labels(page, "year") == [f"{year} (3)" for year in range(2021, 2013, -1)]
    assert _facet_labels(page, "topic") == ["Espace (24)"]
    assert page.js_errors == []


def test_a_period_filter_searches_exactly_those_years_and_only_their_shards(yearly_archive, page, serve_dir):
    # 2019 and 2020 lie in two shards that also hold 2018 and 2021: counted a year at a time.
    requests = _open_recording(page, serve_dir(yearly_archive), "?q=satellites&from=2019&to=2020&sort=date")
    assert page.inner_text("#search-status") == "6 résultats"
    assert _titles(page) == [t for t in NEWEST_FIRST if t.split()[1][:4] in ("2019", "2020")]
    assert _facet_labels(page, "year") == ["2020 (3)", "2019 (3)"]
    assert _shards_fetched(requests) <= {"2020-2021", "2018-2019"}
    # Without words: the period alone lists its articles, newest first; the selects drive the same state.
    page.fill("#search-input", "")
    page.select_option("#search-to", "2014")  # before "from": the two ends are swapped
    page.wait_for_function("new URLSearchParams(location.search).get('from') === '2014'")
    page.wait_for_function("document.querySelector('#search-status').textContent === '18 résultats'")
    assert page.input_value("#search-from") == "2014" and page.input_value("#search-to") == "2019"
    assert _titles(page)[0] == "Starlink 2019-10"
    assert page.js_errors == []


def _facet_labels(page, facet: str) -> list[str]:
    return [" ".join(label.split()) for label in page.eval_on_selector_all(
        f'#search-facets fieldset[data-facet="{facet}"] label:not([hidden])', "nodes => nodes.map(n => n.textContent)")]


def test_filter_counts_are_read_from_pagefinds_files_and_a_damaged_file_is_skipped(tmp_path):
    from generator.output.pagefind_files import filter_counts

    folder = tmp_path / "filter"
    folder.mkdir()
    # ["year", [["2024", [0, 1, 300]], ["2023", [2]]]] in CBOR, gzipped after Pagefind's header
    cbor = bytes([0x82, 0x64]) + b"year" + bytes([0x82, 0x82, 0x64]) + b"2024" + bytes([0x83, 0, 1, 0x19, 1, 44]) \
        + bytes([0x82, 0x64]) + b"2023" + bytes([0x81, 2])
    (folder / "fr_1.pf_filter").write_bytes(gzip.compress(b"pagefind_dcd" + cbor))
    (folder / "fr_2.pf_filter").write_bytes(gzip.compress(b"pagefind_dcd" + cbor[:-3]))  # truncated
    (folder / "en_3.pf_filter").write_bytes(b"not gzip at all")
    assert filter_counts(tmp_path) == {"fr": {"year": {"2024": 3, "2023": 1}}}
