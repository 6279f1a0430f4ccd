"""site.toml: typed, validated, unknown keys rejected with a suggestion."""

from conftest import MINIMAL_CONFIG, article


def test_unknown_key_is_an_error_suggesting_the_closest_key(site):
    site.write({"site.toml": MINIMAL_CONFIG.replace('language = "fr"', 'langage = "fr"')})
    errors = site.build_errors()
    assert errors == ["site.toml:3: unknown key 'langage' in site.toml (did you mean 'language'?)"]


def test_unknown_taxonomy_key_and_bad_values_are_reported_together(site):
    site.write({"site.toml": MINIMAL_CONFIG.replace('singular = "Thème"', 'singular = "Thème"\nfeeds = true')
                + 'paginate_by = 0\ntimezone_typo = 1\n'})
    errors = "\n".join(site.build_errors())
    assert "unknown key 'feeds' in [[taxonomies]] (did you mean 'feed'?)" in errors
    assert "unknown key 'timezone_typo'" in errors


def test_invalid_toml_points_at_the_line(site):
    site.write({"site.toml": 'title = "x"\nbase_url = \n'})
    (error,) = site.build_errors()
    assert error.startswith("site.toml:2:")
    assert "invalid TOML" in error


def test_unknown_time_zone_and_bad_base_url(site):
    site.write({"site.toml": 'title = "x"\nbase_url = "example.org"\ntimezone = "Mars/Olympus"\n'})
    errors = site.build_errors()
    assert "site.toml:2: invalid base_url 'example.org'" in errors[0]
    assert "site.toml:3: unknown time zone 'Mars/Olympus'" in errors[1]


def test_a_taxonomy_can_read_another_front_matter_field(site):
    site.write({"site.toml": 'title = "x"\nbase_url = "https://e.org/"\n'
                '[[taxonomies]]\nname = "topics"\nfield = "tags"\n'
                '[[taxonomies]]\nname = "series"\ntitle = "Séries"\n',
                "content/articles/a.md": article(tags="[Starlink]", series="[Enquête]")})
    site.build()
    assert "Starlink" in site.read("topics/starlink/index.html")
    assert "Enquête" in site.read("series/enquete/index.html")
    assert "Séries" in site.read("series/index.html")


def test_field_aliases_map_another_generators_front_matter(site):
    site.write({"site.toml": MINIMAL_CONFIG + '[front_matter]\naliases = { date = "publishedDate", '
                'summary = ["excerpt", "description"] }\nignore = ["layout"]\n',
                "content/articles/a.md": "---\ntitle: T\npublishedDate: 2021-03-21\nexcerpt: Le résumé.\n"
                                         "layout: post\n---\nCorps.\n"})
    result = site.build()
    assert result.site.articles[0].summary.summary == "Le résumé."
    assert result.site.articles[0].summary.url == "/2021/03/t/"
    assert result.warnings == []
