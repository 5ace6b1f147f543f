"""Public responses cached under the database snapshot: served again only while nothing has been written."""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import caching, services
from articles.models import Article, Quote
from tests.factories import ArticleFactory, QuoteFactory, editor_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed(transactional_db):
    """A published article with a quote, committed (requests then run outside any transaction, as in production)."""
    cache.clear()
    quote = QuoteFactory(article=ArticleFactory(title="Ministers meet in Baghdad", slug="ministers-meet"))
    yield quote.article
    cache.clear()


def _queries(client, url: str, **extra) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content


@pytest.mark.parametrize(
    "url", ["/articles/ministers-meet/", "/articles/", "/", "/timeline/", "/api/v1/articles/ministers-meet/"]
)
def test_a_repeated_anonymous_read_costs_one_query_and_gives_the_same_answer(client, committed, url):
    first_queries, first = _queries(client, url)
    again_queries, again = _queries(client, url)
    assert again == first
    assert first_queries > 1
    assert again_queries == 1  # the snapshot, and nothing else


def test_each_host_gets_its_own_absolute_links(client, committed):
    """Pages and API rows carry absolute URLs: one host's cached answer is never another's."""
    first = client.get("/api/v1/articles/ministers-meet/", HTTP_HOST="localhost").json()["url"]
    other = client.get("/api/v1/articles/ministers-meet/", HTTP_HOST="127.0.0.1").json()["url"]
    assert first.startswith("http://localhost/")
    assert other.startswith("http://127.0.0.1/")


def test_an_editors_change_shows_on_the_next_request(client, committed):
    for url in ("/articles/ministers-meet/", "/api/v1/articles/ministers-meet/"):
        client.get(url)
    services.article_update(article=committed, data={"title": "Ministers meet again in Baghdad"})
    assert b"Ministers meet again in Baghdad" in client.get("/articles/ministers-meet/").content
    assert client.get("/api/v1/articles/ministers-meet/").json()["title"] == "Ministers meet again in Baghdad"


def test_a_withdrawn_article_is_gone_at_once(client, committed):
    assert client.get("/articles/ministers-meet/").status_code == 200
    services.article_withdraw(article=committed, reason="Published in error.")
    assert client.get("/articles/ministers-meet/").status_code == 410
    assert client.get("/api/v1/articles/ministers-meet/").status_code == 410


def test_editors_are_never_served_the_public_answer_nor_leak_theirs(client, committed):
    draft = ArticleFactory(title="Draft not yet public", slug="draft-article", status=Article.Status.DRAFT)
    public = client.get("/api/v1/articles/").json()["results"]
    assert draft.slug not in [row["slug"] for row in public]
    editor = editor_user()
    client.force_login(editor)
    seen = client.get("/api/v1/articles/").json()["results"]
    assert draft.slug in [row["slug"] for row in seen]
    client.logout()
    again = client.get("/api/v1/articles/").json()["results"]
    assert draft.slug not in [row["slug"] for row in again]


def test_a_cached_api_answer_keeps_its_etag_and_conditional_get(client, committed):
    first = client.get("/api/v1/articles/ministers-meet/")
    again = client.get("/api/v1/articles/ministers-meet/")
    assert again["ETag"] == first["ETag"]
    assert first["ETag"].startswith(f'"{committed.version}-')
    assert client.get("/api/v1/articles/ministers-meet/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_inside_a_transaction_nothing_is_cached(client, db):
    """Within an open transaction our own writes do not move the snapshot, so the cache stands aside."""
    ArticleFactory(slug="in-transaction")
    assert caching.database_state() is None
    first_queries, _ = _queries(client, "/articles/in-transaction/")
    again_queries, _ = _queries(client, "/articles/in-transaction/")
    assert again_queries == first_queries > 1


# ---------------------------------------------------------------- compiled rows


@contextlib.contextmanager
def _orm_compiles():
    """The queries the ORM compiles in the block (not counting raw SQL)."""
    from django.db.models.sql.compiler import SQLCompiler

    compiles: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiles.append(self.query.model.__name__)
        return as_sql(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counted):
        yield compiles


def test_compiled_rows_are_read_afresh_each_call_from_sql_compiled_once(db):
    built = []

    def newest():
        built.append(1)
        return Article.objects.published().order_by("-id").values_list("slug", "title")[:2]

    rows = caching.CompiledRows(newest)
    ArticleFactory(slug="first", title="First")
    assert rows.rows() == [("first", "First")]
    ArticleFactory(slug="second", title="Second")
    ArticleFactory(slug="draft", title="Draft", status=Article.Status.DRAFT)
    assert rows.rows() == [("second", "Second"), ("first", "First")]  # new rows, the read rule and the limit kept
    assert len(built) == 2  # built twice to compile (see CompiledRows._compile), never again
    with CaptureQueriesContext(connection) as ctx:
        rows.rows()
    assert len(ctx.captured_queries) == 1


def test_compiled_rows_leave_columns_the_orm_converts_to_the_orm(db):
    ArticleFactory(slug="tagged", tags=["nato", "iraq"])
    rows = caching.CompiledRows(lambda: Article.objects.filter(slug="tagged").values_list("slug", "tags"))
    assert rows.rows() == [("tagged", ["nato", "iraq"])]  # a JSON list, not its text
    assert rows.rows() == [("tagged", ["nato", "iraq"])]


def test_compiled_rows_take_ids_compiled_once_per_shape_and_read_each_call_s_rows(db):
    built = []

    def by_ids(outlet, ids):
        built.append(1)
        return Article.objects.filter(source_id=outlet, pk__in=ids).order_by("pk").values_list("slug", "tags")

    rows = caching.CompiledRows(by_ids, kept=2)
    a, b, c = (ArticleFactory(slug=slug, tags=[slug]) for slug in ("a", "b", "c"))
    other = ArticleFactory(slug="elsewhere", tags=["elsewhere"])
    assert rows.rows(a.source_id, [a.pk, b.pk]) == [("a", ["a"])]  # each argument in its place; JSON converted
    assert rows.rows(b.source_id, (c.pk, b.pk)) == [("b", ["b"])]
    assert rows.rows(c.source_id, [c.pk, other.pk]) == [("c", ["c"])]
    assert len(built) == 2  # one shape (an outlet, two ids): compiled once (built twice for it)
    assert rows.rows(other.source_id, [other.pk]) == [("elsewhere", ["elsewhere"])]
    assert len(built) == 4  # a new shape (one id)
    assert rows.rows(a.source_id, []) == []  # no ids: no SQL to compile (EmptyResultSet), the ORM answers
    assert len(built) == 6  # built to compile, refused, then built for the ORM
    assert len(rows._compiled) <= 2  # kept shapes are bounded
    with pytest.raises(TypeError, match="ints or sequences of ints"):
        rows.rows("a", [a.pk])


def test_compiled_rows_leave_to_the_orm_sql_that_does_not_hold_an_argument_as_a_parameter(db):
    """An argument the queryset drops cannot be substituted: every call is built again, and answers right."""
    built = []

    def ignoring(pk):
        built.append(1)
        return Article.objects.order_by("pk").values_list("slug")

    rows = caching.CompiledRows(ignoring)
    ArticleFactory(slug="only")
    assert rows.rows(1) == [("only",)]
    ArticleFactory(slug="later")
    assert rows.rows(2) == [("only",), ("later",)]
    assert len(built) == 3  # compiled (and refused) once, then the ORM's on each call


def test_compiled_rows_refuse_sql_that_reads_an_argument_differently_out_of_its_column_s_range(db):
    """Django drops `start > x` for an x below what the column holds: a stand-in there must not drop it for all."""
    from django.db.models import Q

    quote = QuoteFactory(start=0)
    QuoteFactory(article=quote.article, start=quote.article_id + 50)
    rows = caching.CompiledRows(
        lambda article: (
            Quote.objects.filter(Q(article_id=article) & Q(start__gt=article)).order_by("start").values_list("start")
        )
    )
    expected = [(quote.article_id + 50,)]  # not the quote at 0
    assert rows.rows(quote.article_id) == expected
    assert rows.rows(quote.article_id) == expected


def test_compiled_rows_give_the_orm_s_columns_when_the_sql_reads_more(db):
    """DISTINCT ordered by a column not read: the SQL selects it too, the rows do not carry it."""
    quote = QuoteFactory(text="Twice said", start=5)
    QuoteFactory(article=quote.article, text="Twice said", start=1)
    rows = caching.CompiledRows(
        lambda article: Quote.objects.filter(article_id=article).order_by("start").values_list("text").distinct()
    )
    orm = list(Quote.objects.filter(article_id=quote.article_id).order_by("start").values_list("text").distinct())
    assert rows.rows(quote.article_id) == orm
    assert all(len(row) == 1 for row in orm)
    with pytest.raises(TypeError, match="ints or sequences of ints"):
        rows.rows([quote.article_id, None])


def test_person_pages_read_their_quotes_and_cards_from_sql_compiled_once(client, committed):
    """Two people's pages in a row: the second's quotes, reports and cards are read with the SQL compiled for the
    first, each with its own person's rows."""
    from tests.factories import PersonFactory

    first = committed.quotes.get().speaker
    QuoteFactory(speaker=first, text="And train them", article=ArticleFactory(slug="his-second"))
    second = PersonFactory(name="Jane Roe", slug="jane-roe")
    for n in range(2):  # as many quotes and articles as the first: the same shape of arguments
        QuoteFactory(speaker=second, text=f"Her words {n}", article=ArticleFactory(slug=f"hers-{n}"))
    assert "We will stay" in client.get(f"/people/{first.slug}/").content.decode()
    with _orm_compiles() as compiles:
        page = client.get(f"/people/{second.slug}/").content.decode()
    assert "Her words 0" in page
    assert "Her words 1" in page
    assert "We will stay" not in page
    assert "/articles/hers-0/" in page
    assert f"/articles/{committed.slug}/" not in page
    # The person and their aliases are read through the ORM; quotes, reports and cards are not built again.
    assert set(compiles) <= {"Person", "Alias"}, compiles


def test_fixed_card_lists_compile_each_slice_once_and_read_fresh_rows(db, monkeypatch):
    """The published list's cards (home page, unfiltered article list) give what the ORM gives, read afresh,
    from SQL compiled once per slice; the compiled slices kept are bounded."""
    from articles import presentation

    monkeypatch.setattr(presentation, "_FIXED_SLICES", {})
    compiled = []
    compile_once = caching.CompiledRows._compile
    monkeypatch.setattr(caching.CompiledRows, "_compile", lambda self, *a: compiled.append(1) or compile_once(self, *a))

    def cards(**fixed) -> list:
        return presentation.ArticleCards(Article.objects.published(), **fixed)[0:3]

    for n in range(4):
        ArticleFactory(slug=f"older-{n}", published_on=f"2019-0{n + 1}-01")
    assert cards(fixed="published") == cards()
    quoted = ArticleFactory(slug="newest", published_on="2020-01-01")
    QuoteFactory(article=quoted)
    ArticleFactory(slug="draft", published_on="2021-01-01", status=Article.Status.DRAFT)
    fresh = cards(fixed="published")
    assert fresh == cards()
    assert [card.url for card in fresh] == ["/articles/newest/", "/articles/older-3/", "/articles/older-2/"]
    assert fresh[0].quote_count == 1
    assert len(compiled) == 1  # the same slice again: compiled once
    with _orm_compiles() as compiles:
        assert cards(fixed="published") == fresh
    assert compiles == []  # and its SQL sent as compiled, not built again by the ORM (quote counts converted too)
    for start in range(presentation.FIXED_SLICES_KEPT + 5):
        presentation.ArticleCards(Article.objects.published(), fixed="published")[start : start + 1]
    assert len(presentation._FIXED_SLICES) <= presentation.FIXED_SLICES_KEPT


def test_home_lists_stories_with_published_articles_and_their_counts(client, committed):
    from tests.factories import StoryFactory

    story = StoryFactory(title="Training mission")
    story.articles.add(committed, ArticleFactory(status=Article.Status.DRAFT))
    StoryFactory(title="Empty story")
    page = client.get("/").content.decode()
    assert 'Training mission</a> <span class="meta">1 article</span>' in page
    assert "Empty story" not in page
    story.articles.add(ArticleFactory())
    assert 'Training mission</a> <span class="meta">2 articles</span>' in client.get("/").content.decode()
