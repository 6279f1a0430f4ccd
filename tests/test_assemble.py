"""Assembly: the related-article choice, and the memo that spares re-scoring it on every rebuild."""

from __future__ import annotations

import bisect
import random
from collections import Counter
from typing import Any

import pytest
from conftest import article, config_with

from generator.site.assemble import _RELATED_WINDOW, RELATED_MAX, RELATED_MIN, related_positions


def test_related_articles_share_the_most_terms_ties_going_to_the_most_recent():
    starlink, russie, twitter = ("topics", "starlink"), ("topics", "russie"), ("topics", "twitter")
    musk = ("people", "elon-musk")
    terms_by_position = [
        (starlink, musk),           # 0, newest
        (starlink,),                # 1
        (starlink, musk, russie),   # 2
        (twitter,),                 # 3
        (russie, musk),             # 4
        (starlink, musk),           # 5
        (twitter,),                 # 6
    ]
    chosen = related_positions(terms_by_position)
    assert chosen[0] == (2, 5, 1, 4)  # two shared terms first, then one; each group newest first
    assert chosen[3] == (6, 2, 4)  # one sharer only: filled up to three by the nearest in time
    assert all(position not in best for position, best in enumerate(chosen))
    assert all(RELATED_MIN <= len(best) <= RELATED_MAX for best in chosen)


def _reference_choice(terms_by_position):
    """The rule spelled out plainly: count every candidate of the windows, rank by (-count, position)."""
    positions_by_term = {}
    for position, terms in enumerate(terms_by_position):
        for term in terms:
            positions_by_term.setdefault(term, []).append(position)
    chosen = []
    for position, terms in enumerate(terms_by_position):
        counts = Counter()
        for term in terms:
            positions = positions_by_term[term]
            if len(positions) > 2 * _RELATED_WINDOW:
                index = bisect.bisect_left(positions, position)
                positions = positions[max(0, index - _RELATED_WINDOW): index + _RELATED_WINDOW]
            counts.update(positions)
        counts.pop(position, None)
        best = sorted(counts, key=lambda other: (-counts[other], other))[:RELATED_MAX]
        nearest = sorted((other for other in range(len(terms_by_position)) if other != position),
                         key=lambda other: (abs(other - position), other))
        best += [other for other in nearest if other not in best][:max(0, RELATED_MIN - len(best))]
        chosen.append(tuple(best))
    return chosen


@pytest.mark.parametrize("seed", range(4))
def test_related_choice_of_a_large_archive_is_the_plain_rule(seed):
    rng = random.Random(seed)
    topics = [("topics", f"t{n}") for n in range(6)]
    people = [("people", f"p{n}") for n in range(30)]
    terms_by_position = [tuple(rng.sample(topics, rng.randint(0, 3)) + rng.sample(people, rng.randint(0, 2)))
                         for _ in range(600)]
    # Topics hold more than two windows of articles each: the windows are in play.
    assert min(sum(topic in terms for terms in terms_by_position) for topic in topics) > 2 * _RELATED_WINDOW
    chosen = related_positions(terms_by_position)
    assert chosen == _reference_choice(terms_by_position)
    assert all(position not in best and len(set(best)) == len(best) for position, best in enumerate(chosen))


class CountingMemo:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.derived = 0

    def get(self, digest: str) -> Any | None:
        return self.values.get(digest)

    def put(self, digest: str, value: Any) -> None:
        self.derived += 1
        self.values = {digest: value}


def _related_urls(site) -> dict[str, list[str]]:
    return {url: [summary.url for summary in related] for url, related in site.related.items()}


def test_the_related_choice_is_reused_until_terms_or_order_change(site, monkeypatch):
    import generator.cache
    from generator.build import load_site, read_inputs
    from generator.options import BuildOptions
    from generator.report import RecordingReporter

    memo = CountingMemo()
    monkeypatch.setattr(generator.cache, "DerivedCache", lambda config, name, problems, memory=None: memo)

    def related() -> dict[str, list[str]]:
        reporter = RecordingReporter()
        model = load_site(read_inputs(site.root, BuildOptions(), reporter), reporter).site
        return {url: [summary.url for summary in chosen] for url, chosen in model.related.items()}

    site.write({"site.toml": config_with(""),
                "content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink, Russie]"),
                "content/articles/b.md": article(title="Bravo", date="2024-09-10", topics="[Russie]"),
                "content/articles/c.md": article(title="Charlie", date="2023-05-01", topics="[Twitter]"),
                "content/articles/d.md": article(title="Delta", date="2023-04-01", topics="[Starlink]")})
    first = related()
    site.write({"content/articles/a.md": article(title="Alpha", date="2024-10-25", topics="[Starlink, Russie]",
                                                 body="Autre texte.")})
    assert related() == first and memo.derived == 1  # a body edit: reused
    site.write({"content/articles/c.md": article(title="Charlie", date="2023-05-01", topics="[Russie]")})
    retagged = related()
    assert memo.derived == 2 and retagged != first
    memo.values = {}
    assert related() == retagged  # the same choice when derived afresh


def test_a_corrupt_related_memo_is_discarded_with_a_warning(site):
    site.write({"site.toml": config_with(""), "content/articles/a.md": article(title="Alpha")})
    site.build()
    (site.root / ".cache/related.pickle").write_bytes(b"not a pickle")
    # A new topic: the site is assembled again (a body edit would take the quick path, which does not).
    (site.root / "content/articles/a.md").write_text(article(title="Alpha", body="Autre.", topics="[Starlink]"))
    result = site.build()
    assert any("corrupt or foreign build cache, discarded" in w.format() for w in result.warnings)
    assert "Alpha" in site.read("index.html")
