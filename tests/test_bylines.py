"""Bylines: a taxonomy declared with `byline = true` signs the articles, on their pages, cards, feeds and
structured data, with a page and a feed per author."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from conftest import AUTHORS_TAXONOMY, MINIMAL_CONFIG, article

AUTHORS = AUTHORS_TAXONOMY


@pytest.fixture
def signed(site):
    site.write({"site.toml": MINIMAL_CONFIG + AUTHORS,
                "content/articles/a.md": article(title="A", date="2024-10-25", authors="[Jeanne Martin, Karim Benali]"),
                "content/articles/b.md": article(title="B", date="2024-10-20",
                                                 authors="[Jeanne Martin, Karim Benali, AFP]"),
                "content/articles/c.md": article(title="C", date="2024-10-10")})
    site.build()
    return site


def _json_ld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_the_article_page_and_its_card_show_a_linked_localised_byline(signed):
    page = signed.read("2024/10/a/index.html")
    assert ('<p class="byline">Par <a href="/authors/jeanne-martin/" rel="author">Jeanne Martin</a> et '
            '<a href="/authors/karim-benali/" rel="author">Karim Benali</a></p>') in page
    three = signed.read("2024/10/b/index.html")
    assert re.search(r"Par <a[^>]*>Jeanne Martin</a>, <a[^>]*>Karim Benali</a> et <a[^>]*>AFP</a>", three)
    home = signed.read("index.html")
    assert home.count('<p class="byline">') == 2  # C has no author, and no empty byline
    header = signed.read("2024/10/c/index.html").split('<header class="article-header">')[1].split("</header>")[0]
    assert 'class="byline"' not in header


def test_an_english_article_is_signed_in_english(signed):
    signed.write({"content/articles/e.md": article(title="E", date="2024-10-26", lang="en",
                                                   authors="[Jeanne Martin, Karim Benali]")})
    signed.build()
    assert re.search(r"By <a[^>]*>Jeanne Martin</a> and <a[^>]*>Karim Benali</a>", signed.read("2024/10/e/index.html"))


def test_each_author_has_a_page_and_a_feed(signed):
    assert "2024/10/a/" in signed.read("authors/jeanne-martin/index.html")
    feed = feedparser.parse(signed.read("authors/jeanne-martin/feed.xml"))
    assert [entry.title for entry in feed.entries] == ["A", "B"]


def test_structured_data_names_the_authors_as_people_with_their_pages(signed):
    data = _json_ld(signed.read("2024/10/a/index.html"))
    assert data["author"] == [
        {"@type": "Person", "name": "Jeanne Martin", "url": "https://example.org/authors/jeanne-martin/"},
        {"@type": "Person", "name": "Karim Benali", "url": "https://example.org/authors/karim-benali/"}]
    assert '<meta property="article:author" content="https://example.org/authors/karim-benali/">' in \
        signed.read("2024/10/a/index.html")
    unsigned = _json_ld(signed.read("2024/10/c/index.html"))
    assert unsigned["author"] == [{"@type": "Organization", "name": "Test archive", "url": "https://example.org/"}]


def test_feed_entries_carry_their_authors(signed):
    feed = feedparser.parse(signed.read("feed.xml"))
    by_title = {entry.title: entry for entry in feed.entries}
    assert [author.name for author in by_title["A"].authors] == ["Jeanne Martin", "Karim Benali"]
    assert by_title["A"].authors[0].href == "https://example.org/authors/jeanne-martin/"


def test_authors_are_a_search_filter(signed):
    assert 'data-pagefind-filter="author">Jeanne Martin</a>' in signed.read("2024/10/a/index.html")


def test_only_one_taxonomy_can_sign_the_articles(site):
    site.write({"site.toml": MINIMAL_CONFIG + AUTHORS + AUTHORS.replace('"authors"', '"signatures"'),
                "content/articles/a.md": article()})
    assert any("only one taxonomy can give the articles' bylines" in error for error in site.build_errors())


def test_the_sample_articles_are_signed_by_the_newsroom(sample_build):
    page = next(path.read_text() for path in sorted(sample_build.glob("2024/10/*/index.html"))
                if "Elon Musk aurait de fréquentes discussions" in path.read_text())
    assert "Par <a href=\"/authors/la-redaction/\" rel=\"author\">La rédaction</a>" in page
    assert _json_ld(page)["author"][0]["name"] == "La rédaction"


def test_an_author_page_shows_the_term_files_profile_and_carries_profile_page_data(signed):
    signed.write({"content/authors/jeanne-martin.md": (
        "---\ntitle: Jeanne Martin\nrole: Correspondante à Kyiv\naffiliation: L’Archive\n"
        "same_as: [https://www.wikidata.org/wiki/Q1, https://mastodon.social/@jeanne]\nphoto: /images/jeanne.jpg\n"
        "---\n\nJournaliste depuis 2010.\n"),
        "static/images/jeanne.jpg": b"\xff\xd8\xff\xe0 photo",
        "content/authors/afp.md": "---\ntitle: AFP\ntype: organization\n---\n\nAgence France-Presse.\n"})
    result = signed.build()
    assert result.warnings == []
    page = signed.read("authors/jeanne-martin/index.html")
    assert '<p class="term-role">Correspondante à Kyiv, L’Archive</p>' in page
    assert '<a href="https://mastodon.social/@jeanne" rel="me noopener">mastodon.social</a>' in page
    assert '<img class="term-photo" src="/images/jeanne.jpg" alt="Jeanne Martin" width="96" height="96">' in page
    data = _json_ld(page)
    assert data["@type"] == "ProfilePage" and data["mainEntity"] == {
        "@type": "Person", "name": "Jeanne Martin", "url": "https://example.org/authors/jeanne-martin/",
        "jobTitle": "Correspondante à Kyiv", "affiliation": {"@type": "Organization", "name": "L’Archive"},
        "sameAs": ["https://www.wikidata.org/wiki/Q1", "https://mastodon.social/@jeanne"],
        "image": "https://example.org/images/jeanne.jpg"}
    authors = _json_ld(signed.read("2024/10/b/index.html"))["author"]
    assert authors[0]["sameAs"][0] == "https://www.wikidata.org/wiki/Q1"
    assert authors[2] == {"@type": "Organization", "name": "AFP", "url": "https://example.org/authors/afp/"}


def test_a_person_mentioned_carries_person_data_from_the_term_file(signed):
    signed.write({"content/articles/a.md": article(title="A", date="2024-10-25", people="[Elon Musk]"),
                  "content/people/elon-musk.md": "---\ntitle: Elon Musk\nsame_as: [https://www.wikidata.org/wiki/Q317521]\n---\n"})
    signed.build()
    data = _json_ld(signed.read("people/elon-musk/index.html"))
    assert data["@type"] == "Person" and data["sameAs"] == ["https://www.wikidata.org/wiki/Q317521"]
    assert _json_ld(signed.read("2024/10/a/index.html"))["about"][0]["sameAs"] == ["https://www.wikidata.org/wiki/Q317521"]


def test_a_broken_profile_link_is_a_located_error_and_a_missing_photo_a_warning(signed):
    signed.write({"content/authors/karim-benali.md": "---\ntitle: Karim Benali\nsame_as: [mastodon.social/@karim]\n"
                                                     "photo: /images/karim.jpg\n---\n"})
    errors = signed.build_errors()
    assert "content/authors/karim-benali.md:3:11: 'same_as' entry 'mastodon.social/@karim' is not a web address " \
           "(give full profile URLs, e.g. https://www.wikidata.org/wiki/Q317521)" in errors
    assert any("warning: photo /images/karim.jpg is not a file of static/" in error for error in errors)


def test_a_dateline_place_is_shown_with_the_date(signed):
    signed.write({"content/articles/a.md": article(title="A", date="2024-10-25", location="Kyiv",
                                                   authors="[Jeanne Martin]")})
    signed.build()
    assert '<span class="dateline-place">Kyiv</span>, <time datetime="2024-10-25' in signed.read("2024/10/a/index.html")


def test_a_free_text_byline_is_split_into_authors_by_configuration(site):
    config = MINIMAL_CONFIG + AUTHORS.replace('field = "authors"', 'field = "by"') + \
        'separators = [";", " & ", " et ", " and "]\ndrop_roles = true\n'
    site.write({"site.toml": config,
                "content/articles/a.md": article(title="A", date="2024-10-25",
                                                 by='"Jeanne Martin, correspondante à Kyiv et Karim Benali"'),
                "content/articles/b.md": article(title="B", date="2024-10-20", by='"Rob Pike, for the Go team"'),
                "content/articles/c.md": article(title="C", date="2024-10-10", by='"jeanne martin & AFP; Rob Pike"')})
    result = site.build()
    assert result.warnings == []
    authors = {term.name: len(term.articles) for term in result.site.terms["authors"]}
    # Case and accent variants are one author (the spelling most articles use), roles are left out.
    assert authors == {"Jeanne Martin": 2, "Karim Benali": 1, "Rob Pike": 2, "AFP": 1}
    assert re.search(r"Par <a[^>]*>Jeanne Martin</a><span class=\"byline-role\">, correspondante à Kyiv</span> et "
                     r"<a[^>]*>Karim Benali</a>", site.read("2024/10/a/index.html"))


def test_without_separators_a_byline_with_commas_is_still_an_error(site):
    site.write({"site.toml": MINIMAL_CONFIG + AUTHORS, "content/articles/a.md": article(authors='"A, B"')})
    assert any("'authors' is one text containing commas" in error for error in site.build_errors())


def test_handles_and_other_spellings_map_onto_an_author_through_its_term_file(site):
    site.write({"site.toml": MINIMAL_CONFIG + AUTHORS,
                "content/authors/melody.md": "---\ntitle: Melody\naliases: [M. (18F)]\n---\n\nDesigner.\n",
                "content/articles/a.md": article(title="A", date="2024-10-25", authors="[melody]"),
                "content/articles/b.md": article(title="B", date="2024-10-20", authors='["M. (18F)"]')})
    result = site.build()
    (author,) = result.site.terms["authors"]
    assert (author.name, author.url, len(author.articles)) == ("Melody", "/authors/melody/", 2)
    assert re.search(r'Par <a href="/authors/melody/" rel="author">Melody</a>', site.read("2024/10/b/index.html"))


def test_an_author_name_without_letters_or_digits_is_a_located_error(site):
    site.write({"site.toml": MINIMAL_CONFIG + AUTHORS, "content/articles/a.md": article(authors="['—']")})
    assert "content/articles/a.md:4:1: authors entry '—' has no letters or digits" in site.build_errors()
