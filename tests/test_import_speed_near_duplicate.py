"""The near-duplicate check skips only bodies that cannot reach the score: the same article is found as by comparing all."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz

from articles import services
from tests.factories import ArticleFactory

WORDS = [
    "the",
    "talks",
    "on",
    "border",
    "went",
    "day",
    "round",
    "minister",
    "said",
    "troops",
    "aid",
    "convoy",
    "city",
    "“quoted”",
    "–",
    "Erbil",
    "NATO",
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _edited(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(len(chars) + 1)
        if chars and i < len(chars) and rng.random() < 0.5:
            del chars[i]
        else:
            chars.insert(i, rng.choice("abcdefg ’"))
    return "".join(chars)


def test_the_bound_is_never_below_the_ratio():
    rng = random.Random(7)
    for _ in range(100):
        a = _text(rng, rng.randrange(1, 80))
        others = [
            _edited(rng, a, rng.randrange(0, 60)) if rng.random() < 0.5 else _text(rng, rng.randrange(1, 80))
            for _ in range(5)
        ]
        for other, bound in zip(others, services._ratio_bounds(a, others), strict=True):
            assert bound >= fuzz.ratio(a, other) - 1e-9
    assert services._ratio_bounds("x", []) == []


def test_the_bound_tells_bodies_of_other_characters():
    # Half the characters of each are not in the other: at most half can be in common.
    assert services._ratio_bounds("abcd" * 60, ["abxy" * 60, "abcd" * 60]) == [50.0, 100.0]
    # Characters past U+00FF count together: never less than they could have in common.
    assert services._ratio_bounds("“a” ’", ["‘a’ ”"]) == [100.0]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_duplicate_found_is_the_one_comparing_every_body_finds(seed, monkeypatch):
    rng = random.Random(seed)
    base = _text(rng, 60)
    rows = []
    for i in range(25):
        body = _edited(rng, base, rng.randrange(0, 50)) if i % 3 else _text(rng, 60)
        rows.append(ArticleFactory(title=f"Article {i}", body=body))
    # Equal bodies score alike: the later one wins, as before.
    rows.append(ArticleFactory(title="Copy", body=rows[-1].body))
    article = ArticleFactory(title="New", body=_edited(rng, base, 8))
    # Bodies of other characters: not compared.
    for i in range(3):
        ArticleFactory(title=f"Numbers {i}", body=("0123456789 " * 200)[: len(article.body) + i])
    compared = []
    ratio = fuzz.ratio
    monkeypatch.setattr(services.fuzz, "ratio", lambda a, b, **kw: compared.append(b) or ratio(a, b, **kw))
    found = services._near_duplicate(article)
    assert compared
    assert not any(body.startswith("0123") for body in compared)
    # The check as it was: every body compared.
    monkeypatch.setattr(services, "_ratio_bounds", lambda _text, others: [100.0] * len(others))
    expected = services._near_duplicate(article)
    assert expected is not None
    assert (found.pk if found else None) == expected.pk
