"""The body store: article bodies live in packs in .cache/bodies/, not in memory; the cache heals when it
is cleared, drops packs nobody uses and compacts packs mostly dead."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import NOW, article, build_site

from generator.content import bodies
from generator.content.bodies import BodyPack, StoredHtml, compact, prune_store, stored_packs
from generator.report import RecordingReporter


def test_stored_bodies_read_back_as_html_from_one_pack(tmp_path):
    with BodyPack(tmp_path) as pack:
        first = pack.add("<p>Taïwan</p>")
        second = pack.add("<p>Starlink</p>")
        empty = pack.add("")
    assert str(first) == "<p>Taïwan</p>" and first.__html__() == "<p>Taïwan</p>" and str(second) == "<p>Starlink</p>"
    assert first and not empty and str(empty) == ""
    assert first.path == second.path and second.offset == first.size == len("<p>Taïwan</p>".encode())
    assert list(stored_packs(tmp_path).values()) == [first.size + second.size]
    with BodyPack(tmp_path) as other:
        third = other.add("<p>Twitter</p>")
    assert third.path != first.path and len(stored_packs(tmp_path)) == 2
    (tmp_path / "ab").mkdir()  # a body file of the store's earlier layout
    (tmp_path / "ab" / "ab12.html").write_text("<p>ancien</p>")
    assert prune_store(tmp_path, {first.path}) == 1
    assert list(stored_packs(tmp_path)) == [first.path] and not (tmp_path / "ab").exists()
    assert str(first) == "<p>Taïwan</p>"


def test_live_bodies_are_copied_out_of_packs_mostly_dead(tmp_path, monkeypatch):
    monkeypatch.setattr(bodies, "COMPACT_MIN_DEAD", 10)
    with BodyPack(tmp_path) as pack:
        kept = pack.add("<p>gardé</p>")
        handles = [pack.add(f"<p>remplacé {number}</p>") for number in range(5)]
    assert compact(tmp_path, [kept, *handles], stored_packs(tmp_path)) == {}  # nothing dead yet
    moved = compact(tmp_path, [kept], stored_packs(tmp_path))
    assert list(moved) == [kept] and moved[kept].path != kept.path and str(moved[kept]) == "<p>gardé</p>"
    assert moved[kept].digest == kept.digest


def test_parsed_articles_carry_a_handle_and_pages_show_the_body(site):
    from generator.build import parse_sources
    from generator.config import load_config
    from generator.content.discover import discover_sources

    site.write({"content/articles/a.md": article(body="Un **paragraphe** sur Starlink.")})
    result = site.build()
    assert "Un <strong>paragraphe</strong> sur Starlink." in site.read("2024/10/un-article/index.html")
    assert "paragraphe" in site.read("feed.xml")
    config = load_config(site.root)
    articles = parse_sources(discover_sources(config)[0], config)[0]
    assert result.parsed == 1 and isinstance(articles[0].body_html, StoredHtml)


def test_packs_no_longer_used_are_pruned_and_a_cleared_store_is_refilled(site):
    site.write({"content/articles/a.md": article(body="Première version.")})
    site.build()
    store = site.root / ".cache/bodies"
    assert len(stored_packs(store)) == 1
    # A new topic: a full build, which saves the whole parse cache (a quick one leaves the pruning to it).
    site.write({"content/articles/a.md": article(body="Seconde version.", topics="[Starlink]")})
    site.build()
    packs = list(stored_packs(store))
    assert len(packs) == 1 and "Seconde" in Path(packs[0]).read_text(encoding="utf-8")
    shutil.rmtree(store)
    (site.output / "2024/10/un-article/index.html").unlink()
    again = site.build()
    assert again.parsed == 1 and "Seconde version." in site.read("2024/10/un-article/index.html")


def test_a_build_compacts_the_store_and_later_builds_read_through_the_new_handles(site, monkeypatch):
    monkeypatch.setattr(bodies, "COMPACT_MIN_DEAD", 10)
    names = ["a", "b", "c", "d"]
    long_text = " Un long passage." * 10  # the first versions outweigh what replaces them
    site.write({f"content/articles/{name}.md": article(title=f"Article {name}", body=f"Texte {name}.{long_text}")
                for name in names})
    site.build()
    store = site.root / ".cache/bodies"
    first_pack = set(stored_packs(store))
    site.write({f"content/articles/{name}.md": article(title=f"Article {name}", body=f"Texte {name}, revu.",
                                                       topics="[Starlink]")  # a full build, as above
                for name in names[1:]})
    assert site.build().parsed == 3
    # Three of the first pack's four bodies are dead: "a" was copied out, the first pack deleted.
    packs = stored_packs(store)
    assert len(packs) == 2 and not first_pack & set(packs)
    live = sum(len(f"<p>Texte {name}.{long_text}</p>") for name in names[:1]) \
        + sum(len(f"<p>Texte {name}, revu.</p>") for name in names[1:])
    assert sum(packs.values()) == live
    # The stored model holds the moved handles too: a quick build's feed reads "a" through them.
    site.write({"content/articles/b.md": article(title="Article b", body="Texte b, corrigé.", topics="[Starlink]")})
    quick = site.build()
    assert quick.quick and "feed.xml" in quick.rendered
    assert "Texte a." in site.read("feed.xml") and "Texte b, corrigé." in site.read("feed.xml")
    site.write({"content/articles/d.md": article(title="Article d", body="Texte d, encore.", topics="[Russie]")})
    result = site.build()
    assert result.parsed == 1 and result.cached == 3  # the moved handles are valid cache entries
    assert "Texte a." in site.read("2024/10/article-a/index.html")
    fresh = build_site(site.root, {}, RecordingReporter(), search=False, now=NOW)
    assert fresh.rendered == []  # moving bodies between packs changes no fingerprint


def test_a_moved_site_does_not_read_bodies_through_its_old_paths(site, tmp_path):
    site.write({"content/articles/a.md": article(body="Texte d'origine.")})
    site.build()
    moved = tmp_path / "moved"
    shutil.copytree(site.root, moved)
    shutil.rmtree(site.root / ".cache")  # the old location's store is gone
    result = build_site(moved, {}, RecordingReporter(), search=False, now=NOW)
    assert result.parsed == 1
    assert "Texte d'origine." in (moved / "output/2024/10/un-article/index.html").read_text()
