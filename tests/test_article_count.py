"""The number of published articles, kept by PostgreSQL triggers (migration 0007), always equals a COUNT(*)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.postgres

PUBLISHED = Article.Status.PUBLISHED


def kept() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, sum(n) FROM articles_article_count GROUP BY status HAVING sum(n) <> 0")
        return {status: int(n) for status, n in cursor.fetchall()}


def counted() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Article.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_counts_follow_inserts_status_changes_and_deletes(db):
    first, second = ArticleFactory(), ArticleFactory(status=Article.Status.DRAFT)
    Article.objects.bulk_create(
        [ArticleFactory.build(source=first.source, slug=f"bulk-{i}", sha256=f"bulk-{i}") for i in range(3)]
    )
    assert kept() == counted() == {PUBLISHED: 4, "draft": 1}
    second.status = PUBLISHED
    second.save()
    first.title = "Retitled"  # an update that changes no status
    first.save()
    Article.objects.filter(slug__startswith="bulk-").update(status=Article.Status.WITHDRAWN)
    assert kept() == counted() == {PUBLISHED: 2, "withdrawn": 3}
    Article.objects.filter(slug__in=["bulk-0", first.slug]).delete()
    assert kept() == counted() == {PUBLISHED: 1, "withdrawn": 2}
    assert Article.objects.published_count() == Article.objects.published().count() == 1


def test_a_truncated_table_counts_nothing(db):
    ArticleFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute("TRUNCATE articles_article CASCADE")
    assert kept() == {}
    assert Article.objects.published_count() == 0


def test_a_filtered_queryset_is_counted_not_read_from_the_kept_numbers(db):
    ArticleFactory(title="NATO in Iraq")
    ArticleFactory(title="Something else")
    assert Article.objects.filter(title__startswith="NATO").published_count() == 1
    assert Article.objects.published_count() == 2


def test_the_migration_counts_the_articles_already_there(db):
    ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT)
    migration = importlib.import_module("articles.migrations.0007_article_counts")
    with connection.cursor() as cursor:
        cursor.execute(migration.DROP)
        cursor.execute(migration.COUNTS)
    assert kept() == counted() == {PUBLISHED: 1, "draft": 1}
    ArticleFactory()
    assert kept() == counted() == {PUBLISHED: 2, "draft": 1}


def test_the_article_list_shows_the_kept_number_without_counting_every_article(client, db):
    for _ in range(3):
        ArticleFactory()
    ArticleFactory(status=Article.Status.WITHDRAWN)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/articles/").content.decode()
    assert "All 3 articles" in page
    assert not [q for q in ctx.captured_queries if 'COUNT(*) AS "__count" FROM "articles_article"' in q["sql"]]
    # A filtered list counts its own matches.
    source = Article.objects.published().first().source
    assert "1 matching article<" in client.get(f"/articles/?source={source.slug}").content.decode()
