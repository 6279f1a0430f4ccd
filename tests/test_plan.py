"""The pure stages on their own, without build(): assembling a model, planning its outputs through the
page-kind registry, replacing one article in a model, swapping objects in page contexts."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

from conftest import NOW, Site, article, config_with

from generator.config import load_config
from generator.content.parse import parse_article, parse_page
from generator.content.values import Source
from generator.preview.quick import swap_objects
from generator.site.assemble import assemble_site, replace_article
from generator.site.contexts import ArticleDates
from generator.site.kinds import PAGE_KINDS, reserved_segments
from generator.site.model import summarize, view_of
from generator.site.plan import plan_jobs


def _model(site: Site, texts: dict[str, str], pages: dict[str, str] | None = None):
    """Parse `texts` (article file name -> text) from bytes and assemble them: no build, no files read."""
    config = load_config(site.root)
    articles = [_parsed(site, name, text) for name, text in texts.items()]
    standalone = [parse_page(Source(f"pages/{name}", "page", str(site.root / name)), config, text.encode())[0]
                  for name, text in (pages or {}).items()]
    model, problems = assemble_site(config, articles, standalone, [], NOW.astimezone(config.tz))
    assert problems == []
    return config, model


def _parsed(site: Site, name: str, text: str):
    parsed, problems = parse_article(Source(f"articles/{name}", "article", str(site.root / name)),
                                     load_config(site.root), text.encode())
    assert parsed is not None, problems
    return parsed


_ARTICLES = {
    "a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink, Russie]", people="[Elon Musk]"),
    "b.md": article(title="Bravo", date="2024-09-10", topics="[Russie]"),
    "c.md": article(title="Charlie", date="2023-05-01", topics="[Starlink]", sources="[Le Monde]"),
}


def test_planning_gives_each_kind_its_outputs_and_each_article_page_its_article(site):
    config, model = _model(site, _ARTICLES, {"a-propos.md": "---\ntitle: À propos\n---\n\nNous.\n"})
    jobs, problems = plan_jobs(config, model)
    assert problems == []
    by_kind: dict[str, list[str]] = {}
    for job in jobs:
        by_kind.setdefault(job.kind, []).append(job.output_path)
    # No URL moved, no host file asked for, no theme or static files given, no photo or attachment.
    assert set(by_kind) == {kind.name for kind in PAGE_KINDS} - {"redirect", "host", "asset", "static", "image",
                                                                 "attachment"}
    assert by_kind["article"] == ["2024/10/alpha/index.html", "2024/09/bravo/index.html", "2023/05/charlie/index.html"]
    assert "topics/starlink/index.html" in by_kind["term"] and "topics/starlink/feed.xml" in by_kind["feed"]
    assert by_kind["archive"] == ["2024/index.html", "2023/index.html", "2024/10/index.html", "2024/09/index.html",
                                  "2023/05/index.html"]
    assert [job.article.summary.title for job in jobs if job.article is not None] == ["Alpha", "Bravo", "Charlie"]
    assert len({job.output_path for job in jobs}) == len(jobs)


def test_the_sitemap_lists_what_every_kind_declares_and_articles_by_their_last_change(site):
    texts = {**_ARTICLES, "b.md": article(title="Bravo", date="2024-09-10", updated="2024-11-02", topics="[Russie]")}
    config, model = _model(site, texts, {"a-propos.md": "---\ntitle: À propos\n---\n\nNous.\n"})
    sitemap = next(job for job in plan_jobs(config, model)[0] if job.kind == "sitemap")
    entries = {}
    for entry in sitemap.context["entries"]:
        if isinstance(entry, ArticleDates):
            entries.update({summary.url: summary.updated or summary.date for summary in entry.articles})
        else:
            entries[entry.url] = entry.lastmod
    assert {"/", "/2024/10/alpha/", "/topics/", "/topics/starlink/", "/people/elon-musk/", "/archives/", "/2024/",
            "/2024/09/", "/a-propos/"} <= set(entries)
    assert entries["/2024/09/bravo/"].date().isoformat() == "2024-11-02"
    assert entries["/topics/russie/"] == entries["/2024/10/alpha/"]  # a term's newest article
    assert "/search/" not in entries and "/404.html" not in entries


def test_two_outputs_at_one_path_are_reported_with_both_origins(site):
    config, model = _model(site, _ARTICLES, {"topics.md": "---\ntitle: Thèmes\nslug: topics\n---\n\nUne page.\n"})
    _, problems = plan_jobs(config, model)
    assert [problem.format() for problem in problems] == [
        "content/pages/topics.md: writes topics/index.html, which taxonomy topics also writes "
        "(change the slug of one of them)"]


def test_the_page_kinds_reserve_their_url_segments_for_taxonomies(site):
    assert {"page", "archives", "search", "feed.xml", "sitemap.xml", "assets", "pagefind"} <= reserved_segments()
    text = config_with("") + ('\n[[taxonomies]]\nname = "lieux"\ntitle = "Lieux"\nsingular = "Lieu"\n'
                              'segment = "archives"\n')
    site.write({"site.toml": text, "content/articles/a.md": article()})
    line = text.splitlines().index('segment = "archives"') + 1
    assert f"site.toml:{line}: taxonomy segment 'archives' is reserved for other pages" in site.build_errors()


def test_replacing_an_article_makes_new_lists_holding_it_and_leaves_the_old_model_as_it_was(site):
    config, model = _model(site, _ARTICLES)
    old = model.articles[0]
    parsed = _parsed(site, "a.md", _ARTICLES["a.md"].replace("Alpha", "Alpha revu"))
    summary = summarize(parsed, old.summary.url, old.summary.future, old.summary.terms)
    new = replace_article(model, 0, view_of(parsed, summary))
    assert [view.summary.title for view in new.articles] == ["Alpha revu", "Bravo", "Charlie"]
    assert [view.summary.title for view in model.articles] == ["Alpha", "Bravo", "Charlie"]
    starlink = next(term for term in new.terms["topics"] if term.slug == "starlink")
    assert [s.title for s in starlink.articles] == ["Alpha revu", "Charlie"]
    assert new.months[0].articles[0] is summary and new.years[0].articles[0] is summary
    assert all(summary in related or old.summary not in related for related in new.related.values())
    assert not any(old.summary in related for related in new.related.values())
    untouched = next(term for term in model.terms["sources"] if term.slug == "le-monde")
    assert untouched in new.terms["sources"]  # a term not holding the article is the same object
    assert new.months[1] is model.months[1]


@dataclass(frozen=True)
class _Holder:
    items: tuple
    label: str


def test_swapping_objects_rebuilds_only_what_holds_them():
    old, new, other = object(), object(), object()
    Pair = namedtuple("Pair", "left right")
    untouched = _Holder((other,), "b")
    context = {"a": _Holder((old, other), "a"), "b": untouched, "pair": Pair(old, 1), "n": 3}
    swapped = swap_objects(context, {id(old): new})
    assert swapped["a"] == _Holder((new, other), "a") and swapped["b"] is untouched
    assert swapped["pair"] == Pair(new, 1) and type(swapped["pair"]) is Pair
    assert context["a"].items[0] is old  # nothing changed in place
    assert swap_objects(untouched, {id(old): new}) is untouched
