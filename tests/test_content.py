"""Parsing articles: fields, normalisations, and every validation error with its exact position."""

import pytest
from conftest import article


def test_fields_are_parsed_and_summary_and_slug_derived(site):
    site.write({"content/articles/a.md": article(
        title='"Taïwan : l’île convoitée"', date="2024-10-25T09:30:00",
        topics="[Starlink, Taïwan]", people="[Elon Musk]",
        sources="\n  - Wall Street Journal\n  - {name: Le Monde, url: 'https://www.lemonde.fr/', title: Un titre}",
        body="Premier *paragraphe* du texte.\n\nSecond paragraphe.")})
    result = site.build()
    (view,) = result.site.articles
    summary = view.summary
    assert summary.url == "/2024/10/taiwan-l-ile-convoitee/"
    assert summary.summary == "Premier paragraphe du texte."
    assert summary.date.isoformat() == "2024-10-25T09:30:00+02:00"
    assert [ref.name for ref in summary.terms["topics"]] == ["Starlink", "Taïwan"]
    assert [ref.name for ref in summary.terms["sources"]] == ["Wall Street Journal", "Le Monde"]
    assert view.citations[1].url == "https://www.lemonde.fr/"


@pytest.mark.parametrize("date, expected", [
    ("2024-10-25", "2024-10-25T00:00:00+02:00"),
    ("2024-10-25 14:00", "2024-10-25T14:00:00+02:00"),
    ("2024-10-25T14:00:00Z", "2024-10-25T16:00:00+02:00"),
    ("2024-10-25T14:00:00-04:00", "2024-10-25T20:00:00+02:00"),
    ("2014-03-12 10:11:00 -04:00", "2014-03-12T15:11:00+01:00"),
    ("'1871-03-18'", "1871-03-18T00:00:00+00:09:21"),
    ("2015-03-17 9:00:00 -4", "2015-03-17T14:00:00+01:00"),
    ("2015-03-17T09:00:00-0400", "2015-03-17T14:00:00+01:00"),
])
def test_dates_with_and_without_offsets_are_in_the_site_time_zone(site, date, expected):
    site.write({"content/articles/a.md": article(date=date)})
    assert site.build().site.articles[0].summary.date.isoformat() == expected


def test_yaml_1_1_surprises_do_not_happen(site):
    site.write({"content/articles/a.md": article(title="2024", lang="no", slug="0123", draft='"false"')})
    (view,) = site.build().site.articles
    assert view.summary.title == "2024"
    assert view.summary.lang == "no"
    assert view.summary.url == "/2024/10/0123/"


def test_region_codes_are_folded_to_one_language_code(site):
    site.write({"content/articles/a.md": article(lang="fr-FR")})
    assert site.build().site.articles[0].summary.lang == "fr"


def test_drafts_and_future_articles_are_left_out_unless_asked(site):
    site.write({"content/articles/a.md": article(title="Brouillon", draft="true"),
                "content/articles/b.md": article(title="Embargo", date="2030-01-01"),
                "content/articles/c.md": article(title="Publié")})
    result = site.build()
    assert [a.summary.title for a in result.site.articles] == ["Publié"]
    assert any("1 future-dated article" in m for m in site.reporter.messages)
    result = site.build(drafts=True, future=True)
    assert len(result.site.articles) == 3


# --- Validation: each error with its exact path:line:col ------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("---\ndate: 2024-01-01\n---\nx\n", "content/articles/a.md:1: missing 'title'"),
    ("---\ntitle: T\n---\nx\n", "content/articles/a.md:1: missing 'date'"),
    ("---\ntitle: T\ndate: 2024-02-30\n---\n", "content/articles/a.md:3:7: invalid date '2024-02-30': "
                                               "day is out of range for month"),
    ("---\ntitle: T\ndate: hier\n---\n", "content/articles/a.md:3:7: invalid date 'hier': not a date"),
    ("---\ntitle: T\ndate: 2024-01-01T25:00\n---\n", "content/articles/a.md:3:7: invalid date '2024-01-01T25:00': "
                                                     "hour must be in 0..23"),
    ("---\ntitle: T\ndate: 2024-01-01\ntopics: \"politique, économie\"\n---\n",
     "content/articles/a.md:4:9: 'topics' is one text containing commas: 'politique, économie' "
     "(write a list instead: topics: [politique, économie])"),
    ("---\ntitle: T\ndate: 2024-01-01\ntopics: [[a, b]]\n---\n",
     "content/articles/a.md:4:10: each entry of 'topics' must be a name, not a list"),
    ("---\ntitle: T\ndate: 2024-01-01\nsummary: [a\n---\n", "content/articles/a.md:5:1: invalid YAML"),
    ("---\ntitle: T\ndate: 2024-01-01\n\tdraft: true\n---\n", "content/articles/a.md:4:1: invalid YAML"),
    ("---\ntitle: T\ndate: 2024-01-01\n", "content/articles/a.md:1:1: front matter is never closed"),
    ("+++\ntitle = 'T'\n+++\n", "content/articles/a.md:1:1: TOML front matter (+++) is not supported"),
    ("Just text\n", "content/articles/a.md:1:1: missing front matter"),
    ("---\n- a\n- b\n---\n", "content/articles/a.md:2:1: front matter must be a mapping"),
    ("---\ntitle: T\ndate: 2024-01-01\ntitle: U\n---\n",
     "content/articles/a.md:4:1: duplicate key 'title' (first given on line 2)"),
    ("---\ntitle: &t T\ndate: 2024-01-01\nsummary: *t\n---\n", "content/articles/a.md:2:8: YAML anchors"),
    ("---\ntitle: !!python/object:os.system T\ndate: 2024-01-01\n---\n",
     "content/articles/a.md:2:8: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
    ("---\ntitle: T\ndate: 2024-01-01\ndraft: peut-être\n---\n",
     "content/articles/a.md:4:8: 'draft' must be true or false"),
    ("---\ntitle: T\ndate: 2024-01-01\nsources:\n  - {name: X, url: 'javascript:alert(1)'}\n---\n",
     "content/articles/a.md:5:20: 'sources.url' must be an http(s) or relative link, not javascript:"),
    ("---\ntitle: T\ndate: 2024-01-01\nimage: ' JaVaScRiPt:alert(1)'\n---\n",
     "content/articles/a.md:4:8: 'image' must be an http(s) or relative link"),
])
def test_validation_errors_are_located_in_the_file(site, text, expected):
    site.write({"content/articles/a.md": text})
    errors = site.build_errors()
    assert any(error.startswith(expected) for error in errors), errors


def test_invalid_utf8_names_line_and_byte(site):
    site.write({"content/articles/a.md": b"---\ntitle: T\ndate: 2024-01-01\n---\nOk\nbad \xff here\n"})
    (error,) = site.build_errors()
    assert error.startswith("content/articles/a.md:6:5: not valid UTF-8: byte 0xff")


def test_bom_and_crlf_are_accepted(site):
    site.write({"content/articles/a.md": b"\xef\xbb\xbf---\r\ntitle: T\r\ndate: 2024-01-01\r\n---\r\nCorps.\r\n"})
    assert site.build().site.articles[0].summary.title == "T"


def test_all_errors_of_a_build_are_reported_together(site):
    site.write({"content/articles/a.md": "---\ntitle: A\n---\n",
                "content/articles/b.md": "---\ndate: 2024-01-01\n---\n",
                "content/articles/c.md": "---\ntitle: C\ndate: 2024-13-01\n---\n"})
    errors = site.build_errors()
    assert [e.split(":")[0] for e in errors] == ["content/articles/a.md", "content/articles/b.md",
                                                 "content/articles/c.md"]


def test_duplicate_article_urls_name_both_files(site):
    site.write({"content/articles/a.md": article(title="Même titre"),
                "content/articles/b.md": article(title="Même Titre !")})
    (error,) = site.build_errors()
    assert error == ("content/articles/b.md: same URL /2024/10/meme-titre/ as content/articles/a.md "
                     "(give one of them a different 'slug' in its front matter)")


def test_unknown_key_is_a_warning_with_a_suggestion_and_an_error_under_strict(site):
    site.write({"content/articles/a.md": "---\ntitle: T\ndate: 2024-01-01\ntopic: [Starlink]\n---\n"})
    result = site.build()
    assert [w.format() for w in result.warnings] == [
        "content/articles/a.md:4:1: warning: unknown front-matter key 'topic' (did you mean 'topics'?)"]
    (error,) = site.build_errors(strict=True)
    assert error == "content/articles/a.md:4:1: unknown front-matter key 'topic' (did you mean 'topics'?)"


def test_a_lone_name_is_a_one_item_list_and_empty_entries_are_dropped(site):
    site.write({"content/articles/a.md": article(topics="Starlink", people="['', Elon Musk, ~]")})
    summary = site.build().site.articles[0].summary
    assert [ref.name for ref in summary.terms["topics"]] == ["Starlink"]
    assert [ref.name for ref in summary.terms["people"]] == ["Elon Musk"]


def test_date_from_jekyll_file_name_when_configured(site):
    site.write({"site.toml": (site.root / "site.toml").read_text() + "[front_matter]\ndate_from_filename = true\n",
                "content/articles/2014-03-19-hello-world.md": "---\ntitle: Hello, world\n---\nHi.\n"})
    (view,) = site.build().site.articles
    assert view.summary.url == "/2014/03/hello-world/"
