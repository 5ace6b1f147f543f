"""The near-duplicate check at import: the most alike article of those sharing the body's fingerprint."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from articles import services
from articles.extraction import fingerprints
from articles.models import Article, ArticleFingerprint
from tests.factories import ArticleFactory

BODY = " ".join(f"Paragraph {i} tells how the talks on the border went on day {i} of the round." for i in range(12))


@pytest.mark.django_db
def test_the_most_alike_earlier_article_is_the_duplicate():
    close = ArticleFactory(title="Talks", body=BODY.replace("day 3 ", "day three "))
    ArticleFactory(title="Other", body=BODY.replace("day 1", "week 1").replace("day 2", "week 2"))
    ArticleFactory(title="Unrelated", body="Nothing alike at all, about something else entirely. " * 12)
    article = ArticleFactory(title="Talks again", body=BODY)
    found = services._near_duplicate(article)
    assert found is not None
    assert found.pk == close.pk


@pytest.mark.django_db
def test_of_equally_alike_articles_the_later_is_the_duplicate():
    ArticleFactory(title="First", body=BODY.replace("day 3 ", "day 4 "))
    later = ArticleFactory(title="Second", body=BODY.replace("day 5 ", "day 6 "))
    found = services._near_duplicate(ArticleFactory(title="Third", body=BODY))
    assert found is not None
    assert found.pk == later.pk


@pytest.mark.django_db
def test_nothing_alike_enough_is_no_duplicate():
    ArticleFactory(title="Unrelated", body="Nothing alike at all, about something else entirely. " * 12)
    assert services._near_duplicate(ArticleFactory(title="Talks", body=BODY)) is None


WIRE = (
    "Iraqi officers finished the first course at the new school near Baghdad on Sunday, the alliance said. "
    "The course, taught by instructors from six countries, covered demining, logistics and field medicine. "
    "A second group of 120 officers starts in March, and the school expects to train 2,000 a year by 2020. "
    "“We are here for as long as the government of Iraq wants us to be,” the mission's commander told reporters."
)


def _filler(n: int) -> list[Article]:
    """``n`` articles of bodies as long as WIRE and nothing like it, written as a bulk import would."""
    rows = [
        Article(
            title=f"Filler {i}",
            slug=f"filler-{i}",
            body=(f"Item {i} of a market report: prices of grain and fuel moved again today. " * 6)[: len(WIRE)],
            raw_text="x",
            sha256=f"{i:064x}",
            original_filename=f"filler-{i}.txt",
        )
        for i in range(n)
    ]
    return Article.objects.bulk_create(rows)


@pytest.mark.django_db
def test_a_copy_of_an_article_imported_long_before_is_found():
    # Another outlet's copy of the wire text: other headline, a dateline first, other quotation marks.
    original = ArticleFactory(title="School trains officers", body=WIRE)
    # More articles of the same length since than the check ever compared by recency.
    _filler(520)
    copy = ArticleFactory(
        title="Alliance school's first class",
        body="BAGHDAD - " + WIRE.replace("“", '"').replace("”", '"').replace("2,000", "2000"),
    )
    found = services._near_duplicate(copy)
    assert found is not None
    assert found.pk == original.pk


@pytest.mark.django_db
def test_only_bodies_sharing_the_fingerprint_are_read(django_assert_max_num_queries, monkeypatch):
    ArticleFactory(title="School trains officers", body=WIRE)
    for i in range(5):
        ArticleFactory(body=f"Item {i} of a market report: prices of grain and fuel moved again today. " * 6)
    compared = []
    ratio = services.fuzz.ratio
    monkeypatch.setattr(services.fuzz, "ratio", lambda a, b, **kw: compared.append(b) or ratio(a, b, **kw))
    article = ArticleFactory(title="Another", body=WIRE.replace("Sunday", "Monday"))
    with django_assert_max_num_queries(2):
        found = services._near_duplicate(article)
    assert found is not None
    assert compared == [WIRE]


def test_the_fingerprint_ignores_case_punctuation_and_spacing():
    assert fingerprints.body_fingerprints(WIRE) == fingerprints.body_fingerprints(
        WIRE.lower().replace(", ", " ,  ").replace("“", "'").replace("'s", "’s")
    )
    assert len(fingerprints.body_fingerprints(WIRE)) == fingerprints.SIZE
    assert set(fingerprints.body_fingerprints(WIRE)).isdisjoint(
        fingerprints.body_fingerprints("Prices of grain and fuel moved again on the market today. " * 6)
    )
    assert fingerprints.body_fingerprints("Too short.") == []


@pytest.mark.django_db
def test_the_fingerprint_follows_the_body(admin_client):
    article = ArticleFactory(body=WIRE)
    assert sorted(article.fingerprints.values_list("hash", flat=True)) == fingerprints.body_fingerprints(WIRE)
    article.body = "A new body, nothing like the wire text, about the market and its prices."
    services.article_fingerprints_sync(article=article)
    assert sorted(article.fingerprints.values_list("hash", flat=True)) == fingerprints.body_fingerprints(article.body)


@pytest.mark.django_db
def test_the_migration_fingerprints_the_articles_already_there():
    article = ArticleFactory(body=WIRE)
    ArticleFingerprint.objects.all().delete()
    migration = importlib.import_module("articles.migrations.0008_article_fingerprints")
    migration.fingerprint_every_article(django_apps, None)
    assert sorted(article.fingerprints.values_list("hash", flat=True)) == fingerprints.body_fingerprints(WIRE)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_headline_and_opening_lookup_reads_only_matching_articles_through_indexes():
    article = ArticleFactory(title="School trains officers", body=WIRE)
    query = services._same_headline_or_opening(article).values("id")
    with connection.cursor() as cursor:
        # As on a large archive, where reading every article costs more than the indexes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_title_upper" in plan, plan
    assert "article_body_opening" in plan, plan


def test_a_body_with_a_lone_surrogate_has_a_fingerprint():
    assert len(fingerprints.body_fingerprints(WIRE + " \udc80 " + WIRE)) == fingerprints.SIZE
