"""The REST API at /api/v1/: what the public and editors read and write, and how (pages, filters, caching, errors)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Alias, Article, Person, Quote, Source
from tests.factories import (
    ArticleFactory,
    MentionFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StoryFactory,
    UserFactory,
    editor_user,
)

API = "/api/v1"
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Throttle counters live in the cache: every test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(db):
    return editor_user(username="editor")


@pytest.fixture
def editor_client(editor) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


@pytest.fixture
def archive(db) -> dict:
    """A small archive with every case the public must not see: drafts, withdrawn, rejected, metadata-only."""
    rudaw = SourceFactory(name="Rudaw", slug="rudaw")
    wire = SourceFactory(name="Wire", slug="wire", kind=Source.Kind.WIRE, display_policy=Source.DisplayPolicy.EXCERPT)
    closed = SourceFactory(name="Closed", slug="closed", display_policy=Source.DisplayPolicy.METADATA_ONLY)
    stoltenberg = PersonFactory(name="Jens Stoltenberg", slug="jens-stoltenberg", roles=["NATO Secretary General"])
    Alias.objects.create(person=stoltenberg, name="Stoltenberg", normalized="stoltenberg")
    abadi = PersonFactory(name="Haider al-Abadi", slug="haider-al-abadi")
    nato = PersonFactory(name="NATO", slug="nato", kind=Person.Kind.ORGANISATION)
    ghost = PersonFactory(name="Ghost Writer", slug="ghost-writer")
    author = PersonFactory(name="Lawk Ghafuri", slug="lawk-ghafuri")
    old = PersonFactory(name="J. Stoltenberg", slug="j-stoltenberg", merged_into=stoltenberg)

    a1 = ArticleFactory(
        title="NATO chief stays in Iraq",
        slug="nato-chief",
        source=rudaw,
        published_on=dt.date(2018, 3, 5),
        tags=["NATO", "Iraq"],
        body="NATO chief stays in Iraq.\n\nStoltenberg spoke in Baghdad about the training mission.",
    )
    a1.authors.set([author])
    a2 = ArticleFactory(
        title="Alliance expands mission",
        slug="alliance-expands",
        source=wire,
        published_on=dt.date(2020, 2, 12),
        body="Alliance expands mission. " + "Long paragraph. " * 100,
    )
    draft = ArticleFactory(title="Secret draft", slug="secret-draft", source=rudaw, status=Article.Status.DRAFT)
    withdrawn = ArticleFactory(
        title="Retracted story",
        slug="retracted",
        source=rudaw,
        status=Article.Status.WITHDRAWN,
        withdrawn_reason="The quotes were misattributed.",
    )
    undated = ArticleFactory(
        title="Undated piece",
        slug="undated",
        source=closed,
        published_on=None,
        review_reasons=["date_unknown"],
        body="Undated piece about NATO.",
    )
    story = StoryFactory(title="NATO in Iraq", slug="nato-in-iraq")
    story.articles.set([a1, undated])

    quotes = {
        "verified": QuoteFactory(article=a1, speaker=stoltenberg, text="We stay", status=Quote.Status.VERIFIED),
        "auto": QuoteFactory(article=a1, speaker=abadi, text="Cooperation matters"),
        "rejected": QuoteFactory(article=a1, speaker=nato, text="Not a quote", status=Quote.Status.REJECTED),
        "draft": QuoteFactory(article=draft, speaker=ghost, text="Hidden words"),
        "wire": QuoteFactory(article=a2, speaker=stoltenberg, text="Training goes on"),
        "closed": QuoteFactory(article=undated, speaker=stoltenberg, text="Closed words"),
        "anonymous": QuoteFactory(article=a2, speaker=None, text="Said someone"),
    }
    MentionFactory(article=a1, person=stoltenberg, text="Stoltenberg")
    MentionFactory(article=a1, person=abadi, text="Abadi")
    MentionFactory(article=a2, person=nato, text="NATO")
    MentionFactory(article=draft, person=ghost, text="Ghost")
    return {
        "sources": {"rudaw": rudaw, "wire": wire, "closed": closed},
        "people": {"stoltenberg": stoltenberg, "abadi": abadi, "nato": nato, "ghost": ghost, "old": old},
        "articles": {"a1": a1, "a2": a2, "draft": draft, "withdrawn": withdrawn, "undated": undated},
        "quotes": quotes,
        "story": story,
    }


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every error has the one documented shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "detail", "fields"}
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if code is not None:
        assert body["code"] == code
    return body


# --- reading: fields and who sees what ---------------------------------------------------------


def test_article_list_shows_the_public_only_published_articles_with_canonical_urls(anon, archive):
    response = anon.get(f"{API}/articles/")
    assert set(slugs(response)) == {"nato-chief", "alliance-expands", "undated"}
    row = next(r for r in response.json()["results"] if r["slug"] == "nato-chief")
    assert row["url"] == "http://testserver/api/v1/articles/nato-chief/"
    assert row["web_url"] == "http://testserver/articles/nato-chief/"
    assert row["source"] == {"url": "http://testserver/api/v1/sources/rudaw/", "slug": "rudaw", "name": "Rudaw"}
    assert [a["slug"] for a in row["authors"]] == ["lawk-ghafuri"]
    assert row["stories"] == [{"slug": "nato-in-iraq", "title": "NATO in Iraq"}]
    assert row["published_on"] == "2018-03-05"
    assert row["tags"] == ["NATO", "Iraq"]
    assert row["version"] == 1
    assert row["review_reasons"] is None
    assert row["locked_fields"] is None
    assert "body" not in row  # lists stay light; the detail has the text


def test_editors_see_drafts_withdrawn_and_review_state(editor_client, archive):
    response = editor_client.get(f"{API}/articles/")
    assert set(slugs(response)) == {"nato-chief", "alliance-expands", "undated", "secret-draft", "retracted"}
    undated = next(r for r in response.json()["results"] if r["slug"] == "undated")
    assert undated["review_reasons"] == ["date_unknown"]
    assert undated["locked_fields"] == []


def test_article_detail_has_body_quotes_mentions_and_hides_rejected_quotes(anon, archive):
    response = anon.get(f"{API}/articles/nato-chief/")
    assert response.status_code == 200
    data = response.json()
    assert data["url"] == "http://testserver/api/v1/articles/nato-chief/"
    assert data["display_policy"] == "full"
    assert data["body"].startswith("NATO chief stays in Iraq.")
    assert [q["text"] for q in data["quotes"]] == ["We stay", "Cooperation matters"]
    quote = data["quotes"][0]
    assert quote["url"] == f"http://testserver/api/v1/quotes/{archive['quotes']['verified'].pk}/"
    assert quote["speaker"]["slug"] == "jens-stoltenberg"
    assert {m["person"]["slug"] for m in data["mentions"]} == {"jens-stoltenberg", "haider-al-abadi"}


def test_article_detail_follows_the_outlets_display_policy(anon, editor_client, archive):
    excerpt = anon.get(f"{API}/articles/alliance-expands/").json()
    assert excerpt["display_policy"] == "excerpt"
    assert excerpt["body"].endswith("…")
    assert len(excerpt["body"]) < len(archive["articles"]["a2"].body)
    closed = anon.get(f"{API}/articles/undated/").json()
    assert closed["display_policy"] == "metadata"
    assert closed["body"] == ""
    assert closed["quotes"] == []
    # Editors read everything.
    full = editor_client.get(f"{API}/articles/undated/").json()
    assert full["body"] == "Undated piece about NATO."
    assert [q["text"] for q in full["quotes"]] == ["Closed words"]


def test_drafts_are_not_found_and_withdrawn_articles_are_gone_for_the_public(anon, editor_client, archive):
    assert_error(anon.get(f"{API}/articles/secret-draft/"), 404, "not_found")
    gone = assert_error(anon.get(f"{API}/articles/retracted/"), 410, "gone")
    assert "misattributed" in gone["detail"]
    assert editor_client.get(f"{API}/articles/secret-draft/").status_code == 200


def test_quotes_public_sees_only_unrejected_quotes_of_published_articles(anon, editor_client, archive):
    q = archive["quotes"]
    assert ids(anon.get(f"{API}/quotes/")) == {q["verified"].pk, q["auto"].pk, q["wire"].pk, q["anonymous"].pk}
    assert ids(editor_client.get(f"{API}/quotes/")) == {quote.pk for quote in q.values()}
    assert_error(anon.get(f"{API}/quotes/{q['draft'].pk}/"), 404)
    assert_error(anon.get(f"{API}/quotes/{q['rejected'].pk}/"), 404)
    detail = anon.get(f"{API}/quotes/{q['verified'].pk}/").json()
    assert detail["id"] == q["verified"].pk
    assert detail["url"] == f"http://testserver/api/v1/quotes/{q['verified'].pk}/"
    assert detail["web_url"] == f"http://testserver/articles/nato-chief/#quote-{q['verified'].pk}"
    assert detail["article"]["slug"] == "nato-chief"
    assert detail["source"]["slug"] == "rudaw"
    assert detail["speaker"]["name"] == "Jens Stoltenberg"
    assert detail["status"] == "verified"


def test_people_public_sees_only_people_of_published_articles(anon, editor_client, archive):
    public = set(slugs(anon.get(f"{API}/people/")))
    assert public == {"jens-stoltenberg", "haider-al-abadi", "nato", "lawk-ghafuri"}  # not the ghost, nor merged
    assert "ghost-writer" in slugs(editor_client.get(f"{API}/people/"))
    assert_error(anon.get(f"{API}/people/ghost-writer/"), 404)
    person = anon.get(f"{API}/people/jens-stoltenberg/").json()
    assert person["url"] == "http://testserver/api/v1/people/jens-stoltenberg/"
    assert person["aliases"] == ["Stoltenberg"]
    assert person["quote_count"] == 2  # the verified one and the wire's; not the metadata-only outlet's
    assert person["quotes_url"] == "http://testserver/api/v1/quotes/?speaker=jens-stoltenberg"


def test_a_merged_persons_old_slug_redirects_to_the_survivor(anon, archive):
    response = anon.get(f"{API}/people/j-stoltenberg/?format=json")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/people/jens-stoltenberg/?format=json"


def test_sources_list_counts_the_articles_the_reader_may_see(anon, editor_client, archive):
    rows = {r["slug"]: r for r in anon.get(f"{API}/sources/").json()["results"]}
    assert rows["rudaw"]["article_count"] == 1
    assert rows["closed"]["article_count"] == 1
    assert rows["rudaw"]["url"] == "http://testserver/api/v1/sources/rudaw/"
    assert rows["rudaw"]["articles_url"] == "http://testserver/api/v1/articles/?source=rudaw"
    assert rows["wire"]["display_policy"] == "excerpt"
    editor_rows = {r["slug"]: r for r in editor_client.get(f"{API}/sources/").json()["results"]}
    assert editor_rows["rudaw"]["article_count"] == 3
    assert slugs(anon.get(f"{API}/sources/?kind=wire")) == ["wire"]
    assert anon.get(f"{API}/sources/wire/").json()["domain"] == archive["sources"]["wire"].domain


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=rudaw", {"nato-chief"}),
        ("source=rudaw,wire", {"nato-chief", "alliance-expands"}),
        ("story=nato-in-iraq", {"nato-chief", "undated"}),
        ("published_after=2019-01-01", {"alliance-expands"}),
        ("published_before=2019-01-01", {"nato-chief"}),
        ("published_after=2018-03-05&published_before=2020-02-12", {"nato-chief", "alliance-expands"}),
        ("has_unknown_date=true", {"undated"}),
        ("has_unknown_date=false", {"nato-chief", "alliance-expands"}),
        ("person=haider-al-abadi", {"nato-chief"}),
        ("person=j-stoltenberg", {"nato-chief"}),  # a merged person's old slug still finds the articles
        ("quoted=jens-stoltenberg", {"nato-chief", "alliance-expands"}),  # not the metadata-only outlet's
        ("quoted=nato", set()),  # only a rejected quote: not quoted
        ("author=lawk-ghafuri", {"nato-chief"}),
        ("tag=Iraq", {"nato-chief"}),
        ("tag=Ira", set()),
        ("language=en", {"nato-chief", "alliance-expands", "undated"}),
        ("q=baghdad", {"nato-chief"}),
    ],
)
def test_article_filters(anon, archive, query, expected):
    assert set(slugs(anon.get(f"{API}/articles/?{query}"))) == expected


def test_status_and_review_reason_filters_are_for_editors(anon, editor_client, archive):
    assert_error(anon.get(f"{API}/articles/?status=draft"), 403, "permission_denied")
    assert_error(anon.get(f"{API}/articles/?review_reason=date_unknown"), 403)
    assert slugs(editor_client.get(f"{API}/articles/?status=draft")) == ["secret-draft"]
    assert slugs(editor_client.get(f"{API}/articles/?review_reason=date_unknown")) == ["undated"]


def test_updated_after_lists_what_changed_since(anon, archive):
    Article.objects.filter(slug="nato-chief").update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert slugs(anon.get(f"{API}/articles/?updated_after=2029-12-31T00:00:00Z")) == ["nato-chief"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speaker=jens-stoltenberg", {"verified", "wire"}),
        ("speaker=j-stoltenberg", {"verified", "wire"}),
        ("speaker=jens-stoltenberg,haider-al-abadi", {"verified", "wire", "auto"}),
        ("speaker=nobody-of-that-name", set()),
        ("has_speaker=false", {"anonymous"}),
        ("article=nato-chief", {"verified", "auto"}),
        ("source=wire", {"wire", "anonymous"}),
        ("date_after=2019-01-01", {"wire", "anonymous"}),
        ("date_before=2019-01-01", {"verified", "auto"}),
        ("status=verified", {"verified"}),
        ("status=rejected", set()),  # the public never sees rejected quotes
        ("q=training", {"wire"}),
    ],
)
def test_quote_filters(anon, archive, query, expected):
    quotes = archive["quotes"]
    assert ids(anon.get(f"{API}/quotes/?{query}")) == {quotes[name].pk for name in expected}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=organisation", {"nato"}),
        ("name=jens", {"jens-stoltenberg"}),
        ("name=stolt", {"jens-stoltenberg"}),  # through the alias
        ("name=HAIDER", {"haider-al-abadi"}),
        ("has_quotes=true", {"jens-stoltenberg", "haider-al-abadi"}),
        ("has_quotes=false", {"nato", "lawk-ghafuri"}),
    ],
)
def test_person_filters(anon, archive, query, expected):
    assert set(slugs(anon.get(f"{API}/people/?{query}"))) == expected


@pytest.mark.parametrize(
    "query",
    ["published_after=yesterday", "has_unknown_date=perhaps", "page_size=0", "page_size=lots", "ordering=bogus"],
)
def test_invalid_parameters_get_400_naming_the_parameter(anon, archive, query):
    body = assert_error(anon.get(f"{API}/articles/?{query}"), 400, "invalid")
    assert query.split("=")[0] in body["fields"] or query.startswith("published_after")
    assert body["fields"]


def test_nul_characters_are_dropped_from_parameters_and_refused_in_bodies(anon, editor_client, archive):
    """PostgreSQL cannot compare text with NUL characters: a query ignores them, a write is refused."""
    assert slugs(anon.get(f"{API}/articles/", {"q": "bagh\x00dad"})) == ["nato-chief"]
    assert ids(anon.get(f"{API}/quotes/", {"speaker": "jens-stoltenberg\x00"})) == {
        archive["quotes"]["verified"].pk,
        archive["quotes"]["wire"].pk,
    }
    for body in ({"version": 1, "source": "rud\x00aw"}, {"version": 1, "tags": ["a\x00"]}):
        assert_error(editor_client.patch(f"{API}/articles/nato-chief/", body, format="json"), 400)
    unpaired = b'{"version": 1, "title": "\\ud800"}'
    response = editor_client.patch(f"{API}/articles/nato-chief/", unpaired, content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert Article.objects.get(slug="nato-chief").version == 1


# --- editors' writes ----------------------------------------------------------------------------


def test_anonymous_clients_cannot_write(anon, archive):
    response = anon.patch(f"{API}/articles/nato-chief/", {"title": "Hacked", "version": 1}, format="json")
    assert_error(response, 403)
    assert_error(anon.put(f"{API}/articles/nato-chief/", {}, format="json"), 403)
    assert Article.objects.get(slug="nato-chief").title == "NATO chief stays in Iraq"


def test_signed_in_users_without_permission_cannot_write(archive):
    client = APIClient()
    client.force_login(UserFactory())
    response = client.patch(f"{API}/articles/nato-chief/", {"title": "Nope", "version": 1}, format="json")
    assert_error(response, 403)
    # Without the view permission they read like the public.
    assert "secret-draft" not in slugs(client.get(f"{API}/articles/"))


def test_editor_patch_saves_locks_and_records_history(editor_client, editor, archive):
    response = editor_client.patch(
        f"{API}/articles/nato-chief/",
        {"version": 1, "title": "NATO chief: we stay in Iraq", "tags": ["NATO"], "source": "wire"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"] == "NATO chief: we stay in Iraq"
    assert data["version"] == 2
    assert data["source"]["slug"] == "wire"
    assert response["ETag"].startswith('"2-')
    article = Article.objects.get(slug="nato-chief")
    assert article.title == "NATO chief: we stay in Iraq"
    assert article.tags == ["NATO"]
    assert {"title", "tags", "source"} <= set(article.locked_fields)
    assert article.title_origin == "editor"
    assert article.source_origin == "editor"
    latest = article.history.first()
    assert latest.title == "NATO chief: we stay in Iraq"
    assert latest.history_user == editor


def test_a_stale_version_gets_409_and_changes_nothing(editor_client, archive):
    first = editor_client.patch(f"{API}/articles/nato-chief/", {"version": 1, "title": "First"}, format="json")
    assert first.status_code == 200
    stale = editor_client.patch(f"{API}/articles/nato-chief/", {"version": 1, "title": "Second"}, format="json")
    body = assert_error(stale, 409, "conflict")
    assert "version 1, now 2" in body["detail"]
    assert Article.objects.get(slug="nato-chief").title == "First"


def test_if_match_carries_the_version_read(editor_client, archive):
    etag = editor_client.get(f"{API}/articles/nato-chief/")["ETag"]
    ok = editor_client.patch(f"{API}/articles/nato-chief/", {"dateline": "BAGHDAD"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.content
    stale = editor_client.patch(f"{API}/articles/nato-chief/", {"dateline": "ERBIL"}, format="json", HTTP_IF_MATCH=etag)
    assert_error(stale, 409, "conflict")
    assert Article.objects.get(slug="nato-chief").dateline == "BAGHDAD"


def test_a_write_without_a_version_is_refused(editor_client, archive):
    response = editor_client.patch(f"{API}/articles/nato-chief/", {"title": "Blind"}, format="json")
    assert_error(response, 428, "precondition_required")
    invalid = editor_client.patch(f"{API}/articles/nato-chief/", {"title": ""}, format="json", HTTP_IF_MATCH='"1-x"')
    assert_error(invalid, 400)


def test_editor_invalid_patch_names_the_fields(editor_client, archive):
    response = editor_client.patch(
        f"{API}/articles/nato-chief/", {"version": 1, "published_on": "soon", "source": "nowhere"}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"published_on", "source"}


def test_editor_withdraws_an_article_and_the_public_is_told_why(editor_client, anon, archive):
    missing_reason = editor_client.patch(f"{API}/articles/nato-chief/", {"version": 1, "status": "withdrawn"})
    assert "withdrawn_reason" in assert_error(missing_reason, 400)["fields"]
    response = editor_client.patch(
        f"{API}/articles/nato-chief/",
        {"version": 1, "status": "withdrawn", "withdrawn_reason": "Copyright claim."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert "Copyright claim." in assert_error(anon.get(f"{API}/articles/nato-chief/"), 410)["detail"]
    republished = editor_client.patch(
        f"{API}/articles/nato-chief/", {"version": response.json()["version"], "status": "published"}, format="json"
    )
    assert republished.status_code == 200
    assert anon.get(f"{API}/articles/nato-chief/").status_code == 200


@pytest.mark.django_db
def test_editor_sets_a_date_and_relative_dates_resolve_again(editor_client, seeded):
    """Through the pipeline, as in the admin: the date locks, and 'Monday' now resolves from it."""
    article = seeded["003"]
    assert article.published_on is None
    resolved = article.dated_mentions.filter(date__isnull=False).count()
    response = editor_client.patch(
        f"{API}/articles/{article.slug}/", {"version": article.version, "published_on": "2019-02-14"}, format="json"
    )
    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert article.published_on == dt.date(2019, 2, 14)
    assert "published_on" in article.locked_fields
    assert article.published_origin == "editor"
    assert "date_unknown" not in article.review_reasons
    assert article.dated_mentions.filter(date__isnull=False).count() > resolved  # 'Friday', 'Today', ...


def test_editor_corrects_a_quote(editor_client, editor, archive):
    quote = archive["quotes"]["auto"]
    response = editor_client.patch(
        f"{API}/quotes/{quote.pk}/", {"version": 1, "speaker": "jens-stoltenberg", "status": "verified"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["speaker"]["slug"] == "jens-stoltenberg"
    assert response.json()["status"] == "verified"
    quote.refresh_from_db()
    assert quote.speaker.slug == "jens-stoltenberg"
    assert quote.status == "verified"
    assert "speaker" in quote.locked_fields
    assert quote.version == 3
    assert quote.history.first().history_user == editor
    stale = editor_client.patch(f"{API}/quotes/{quote.pk}/", {"version": 1, "status": "rejected"}, format="json")
    assert_error(stale, 409)
    assert Quote.objects.get(pk=quote.pk).status == "verified"


def test_editor_renames_a_person_and_the_old_name_stays_an_alias(editor_client, archive):
    response = editor_client.patch(
        f"{API}/people/haider-al-abadi/", {"version": 1, "name": "Haider al-Abadi (PM)"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["slug"] == "haider-al-abadi"  # slugs never change
    person = Person.objects.get(slug="haider-al-abadi")
    assert person.name == "Haider al-Abadi (PM)"
    assert "name" in person.locked_fields
    assert "Haider al-Abadi" in set(person.aliases.values_list("name", flat=True))
    assert_error(editor_client.patch(f"{API}/people/haider-al-abadi/", {"version": 1, "kind": "person"}), 409)


def test_session_authentication_works_for_editors(editor, archive):
    client = APIClient()
    client.force_login(editor)
    response = client.patch(f"{API}/people/nato/", {"version": 1, "description": "The alliance."}, format="json")
    assert response.status_code == 200, response.content


# --- pages --------------------------------------------------------------------------------------


def _walk(client, url: str) -> list[dict]:
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        rows.extend(response.json()["results"])
        url = response.json()["next"]
    return rows


def test_cursor_pages_stay_stable_while_rows_are_added(anon, db):
    source = SourceFactory()
    dates = [dt.date(2020, 1, d) for d in (9, 8, 8, 8, 5, 3)] + [None, None]
    originals = {ArticleFactory(source=source, published_on=d).slug for d in dates}
    first = anon.get(f"{API}/articles/?page_size=3").json()
    seen = [r["slug"] for r in first["results"]]
    # New rows land before, between and after the pages already read; none may repeat or push one out.
    ArticleFactory(source=source, published_on=dt.date(2021, 1, 1))
    ArticleFactory(source=source, published_on=dt.date(2020, 1, 8))
    ArticleFactory(source=source, published_on=None)
    seen += [r["slug"] for r in _walk(anon, first["next"])]
    assert len(seen) == len(set(seen))
    assert originals <= set(seen)
    # Nulls (unknown dates) come last, newest first before them.
    dated = [s for s in seen if Article.objects.get(slug=s).published_on]
    assert dated == sorted(
        dated, key=lambda s: (Article.objects.get(slug=s).published_on, Article.objects.get(slug=s).pk), reverse=True
    )


@pytest.mark.parametrize("ordering", ["title", "-title", "published_on", "-published_on", "updated_at", "-created_at"])
def test_every_ordering_pages_through_every_row_once_and_back(anon, db, ordering):
    source = SourceFactory()
    for i, day in enumerate([3, 1, 1, None, 2, None, 5]):
        ArticleFactory(source=source, title=f"T{i % 3}", published_on=dt.date(2020, 1, day) if day else None)
    rows = _walk(anon, f"{API}/articles/?page_size=2&ordering={ordering}")
    assert len(rows) == 7
    assert len({r["slug"] for r in rows}) == 7
    # The previous link of the last page leads back to the page before it.
    url, pages = f"{API}/articles/?page_size=2&ordering={ordering}", []
    while url:
        page = anon.get(url).json()
        pages.append([r["slug"] for r in page["results"]])
        last, url = page, page["next"]
    back = anon.get(last["previous"]).json()
    assert [r["slug"] for r in back["results"]] == pages[-2]
    assert back["next"] is not None


def test_page_size_is_capped(anon, db):
    source = SourceFactory()
    Article.objects.bulk_create(
        [
            Article(
                source=source,
                slug=f"bulk-{i}",
                sha256=hashlib.sha256(str(i).encode()).hexdigest(),
                raw_text="x",
                original_filename=f"{i}.txt",
                status="published",
            )
            for i in range(105)
        ]
    )
    page = anon.get(f"{API}/articles/?page_size=1000").json()
    assert len(page["results"]) == 100
    assert page["next"]
    assert len(anon.get(f"{API}/articles/").json()["results"]) == 20


def test_a_tampered_cursor_is_a_404_not_a_crash(anon, archive):
    for cursor in ["garbage", "eyJvIjoiLXB1Ymxpc2hlZF9vbiIsInYiOlsibm90LWEtZGF0ZSIsMV19", "e30"]:
        assert_error(anon.get(f"{API}/articles/", {"cursor": cursor}), 404, "not_found")
    # A cursor of one ordering is refused by another.
    nxt = anon.get(f"{API}/articles/?page_size=1").json()["next"]
    cursor = re.search(r"cursor=([^&]+)", nxt).group(1)
    assert_error(anon.get(f"{API}/articles/", {"cursor": cursor, "ordering": "title"}), 404)


LIST_ENDPOINTS = ["articles", "quotes", "people", "sources"]


@pytest.fixture
def big_archive(db):
    sources = [SourceFactory() for _ in range(3)]
    people = [PersonFactory() for _ in range(6)]
    for person in people:
        Alias.objects.create(person=person, name=f"{person.name} alias", normalized=f"{person.slug} alias")
    story = StoryFactory()
    for i in range(110):
        article = ArticleFactory(source=sources[i % 3], published_on=dt.date(2020, 1, 1) + dt.timedelta(days=i))
        article.authors.set(people[:2])
        story.articles.add(article)
        QuoteFactory(article=article, speaker=people[i % 6])
        MentionFactory(article=article, person=people[i % 6])


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_query_count_does_not_grow_with_page_size(anon, big_archive, endpoint, django_assert_max_num_queries):
    counts = []
    for size in (1, 100):
        with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as queries:
            response = anon.get(f"{API}/{endpoint}/?page_size={size}")
        assert response.status_code == 200
        rows = len(response.json()["results"])
        assert rows == 1 if size == 1 else rows >= (100 if endpoint in ("articles", "quotes") else 3)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_query_count_for_editors_and_details_is_constant(editor_client, big_archive, django_assert_max_num_queries):
    for size in (1, 100):
        with django_assert_max_num_queries(8):
            assert editor_client.get(f"{API}/articles/?page_size={size}").status_code == 200
    slug = Article.objects.first().slug
    with django_assert_max_num_queries(10):
        assert editor_client.get(f"{API}/articles/{slug}/").status_code == 200


@pytest.mark.parametrize("path", ["articles", "articles/nato-chief", "articles/alliance-expands", "quotes", "quote"])
def test_rows_are_the_ones_the_declared_fields_write(anon, editor_client, archive, path):
    """Lists and details are written by hand for speed; a `.json` address takes DRF's field-by-field way.

    Both give the same rows, for the public and for editors (whose rows carry the review state), on every field
    the schema declares.
    """
    if path == "quote":
        path = f"quotes/{archive['quotes']['verified'].pk}"
    for client in (anon, editor_client):
        fast = client.get(f"{API}/{path}/")
        slow = client.get(f"{API}/{path}.json")
        assert fast.status_code == slow.status_code == 200
        fast_rows = fast.json().get("results", [fast.json()])
        slow_rows = slow.json().get("results", [slow.json()])
        assert fast_rows
        assert json.loads(re.sub(r'\.json"', '/"', json.dumps(slow_rows))) == fast_rows


# --- HTTP: conditional requests, throttling, CORS, CSV, errors ----------------------------------


@pytest.mark.parametrize("path", ["articles/", "articles/nato-chief/", "quotes/", "people/jens-stoltenberg/"])
def test_conditional_get_answers_304_until_something_changes(anon, archive, path):
    first = anon.get(f"{API}/{path}")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = anon.get(f"{API}/{path}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    Article.objects.filter(slug="nato-chief").update(title="A new headline")
    Person.objects.filter(slug="jens-stoltenberg").update(name="Jens Stoltenberg (NATO)")
    changed = anon.get(f"{API}/{path}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_anonymous_clients_are_throttled_and_editors_are_not(anon, editor_client, archive, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    for _ in range(3):
        assert anon.get(f"{API}/sources/").status_code == 200
    throttled = anon.get(f"{API}/sources/")
    assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    for _ in range(5):
        assert editor_client.get(f"{API}/sources/").status_code == 200


def test_cors_allows_reads_from_any_origin_but_not_writes(anon, archive):
    response = anon.get(f"{API}/articles/", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = anon.options(
        f"{API}/articles/nato-chief/",
        HTTP_ORIGIN="https://newsroom.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
    )
    assert "PATCH" not in preflight.get("Access-Control-Allow-Methods", "")
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_quotes_csv_streams_every_matching_row_with_the_same_filters(anon, archive, db):
    article = archive["articles"]["a2"]
    for i in range(30):
        QuoteFactory(article=article, speaker=archive["people"]["abadi"], text=f"=HYPERLINK(evil) {i}")
    rows = _csv_rows(anon.get(f"{API}/quotes/?format=csv&speaker=haider-al-abadi"))
    assert len(rows) == 31  # more than a page: every row
    assert {r["speaker_slug"] for r in rows} == {"haider-al-abadi"}
    assert all(r["text"].startswith("'=") for r in rows if "HYPERLINK" in r["text"])  # no formulas in spreadsheets
    everything = _csv_rows(anon.get(f"{API}/quotes/?format=csv"))
    assert not {r["text"] for r in everything} & {"Not a quote", "Hidden words"}
    first = everything[0]
    assert first["url"] == f"http://testserver/api/v1/quotes/{first['id']}/"
    assert set(first) >= {"id", "text", "speaker", "article_slug", "published_on", "source", "status"}
    # Errors stay JSON even when CSV was asked for.
    assert_error(anon.get(f"{API}/quotes/?format=csv&date_after=never"), 400)


def test_unknown_objects_and_routes_give_json_errors(anon, archive):
    assert_error(anon.get(f"{API}/articles/no-such-article/"), 404, "not_found")
    assert_error(anon.get(f"{API}/quotes/999999999/"), 404)
    assert_error(anon.get(f"{API}/articles/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")
    assert_error(anon.get(f"{API}/articles/not a slug!/"), 404, "not_found")
    assert_error(anon.get(f"{API}/no-such-endpoint/"), 404, "not_found")
    assert_error(anon.patch(f"{API}/quotes/-1/", {}), 404, "not_found")
    assert anon.get(f"{API}/articles")["Location"].endswith("/api/v1/articles/")  # APPEND_SLASH still works


# --- full-text search ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_full_text_search_finds_rows_written_by_bulk_create_and_ranks_them(anon, db):
    """search_vector is kept by a trigger: rows that never went through save() are searchable too."""
    source = SourceFactory()
    Article.objects.bulk_create(
        [
            Article(
                source=source,
                slug=slug,
                title=title,
                body=body,
                sha256=hashlib.sha256(slug.encode()).hexdigest(),
                raw_text=body,
                original_filename=f"{slug}.txt",
                status="published",
            )
            for slug, title, body in [
                ("in-body", "A quiet week", "Talks on a ceasefire went on."),
                ("in-title", "Ceasefire agreed", "The sides signed."),
                ("elsewhere", "Markets", "Shares rose."),
            ]
        ]
    )
    response = anon.get(f"{API}/articles/", {"q": "ceasefires"})  # stemming: the plural finds the singular
    assert slugs(response) == ["in-title", "in-body"]  # the title weighs more
    ranks = [r["rank"] for r in response.json()["results"]]
    assert ranks[0] > ranks[1] > 0
    article = Article.objects.get(slug="in-title")
    Quote.objects.bulk_create(
        [Quote(article=article, text="The ceasefire holds", start=0, end=19, raw_start=0, raw_end=19)]
    )
    quotes = anon.get(f"{API}/quotes/", {"q": "ceasefire"}).json()["results"]
    assert [q["text"] for q in quotes] == ["The ceasefire holds"]
    assert slugs(anon.get(f"{API}/articles/", {"q": '"ceasefire agreed" -markets'})) == ["in-title"]


@pytest.mark.postgres
def test_search_results_page_on_rank_and_id(anon, db):
    source = SourceFactory()
    for i in range(5):
        ArticleFactory(source=source, title=f"Mission {i}", body="The training mission." * (i + 1))
    ArticleFactory(source=source, title="Unrelated", body="Nothing here.")
    rows = _walk(anon, f"{API}/articles/?q=mission&page_size=2")
    assert len(rows) == 5
    assert len({r["slug"] for r in rows}) == 5
    ranks = [(r["rank"], int(r["slug"].split("-")[-1])) for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    by_title = slugs(anon.get(f"{API}/articles/?q=mission&ordering=title"))
    assert by_title == sorted(by_title, key=lambda s: Article.objects.get(slug=s).title)


@pytest.mark.postgres
def test_search_pages_through_equal_ranks_and_ranks_each_row_once(anon, db):
    """Equal ranks go by id across pages (the rank survives the cursor exactly); the query ranks once per row."""
    source = SourceFactory()
    same = [ArticleFactory(source=source, title="Border talks", body="Talks on the border went on.") for _ in range(4)]
    ArticleFactory(source=source, title="Border talks and border talks", body="Talks on the border.")
    with CaptureQueriesContext(connection) as ctx:
        rows = _walk(anon, f"{API}/articles/?q=border&page_size=1")
    assert [r["slug"] for r in rows][1:] == [a.slug for a in sorted(same, key=lambda a: -a.pk)]
    searches = [q["sql"] for q in ctx.captured_queries if "ts_rank" in q["sql"]]
    assert searches
    assert all(sql.count("ts_rank") == 1 for sql in searches[:1])  # the first page: in the select list only


def test_search_falls_back_to_substring_match_on_sqlite(anon, archive):
    """On PostgreSQL full text, on SQLite a case-insensitive substring: both find a plain word."""
    assert slugs(anon.get(f"{API}/articles/?q=Baghdad")) == ["nato-chief"]
    if connection.vendor == "sqlite":
        assert slugs(anon.get(f"{API}/articles/?q=aghda")) == ["nato-chief"]


# --- schema and docs ----------------------------------------------------------------------------


def test_schema_lists_every_endpoint_and_describes_every_parameter_and_field(anon, db):
    response = anon.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/v1/articles/", "/api/v1/articles/{slug}/", "/api/v1/quotes/", "/api/v1/quotes/{id}/"]:
        assert path in schema["paths"]
    for path in ["/api/v1/people/", "/api/v1/people/{slug}/", "/api/v1/sources/", "/api/v1/sources/{slug}/"]:
        assert path in schema["paths"]
    undescribed = []
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/articles", "/api/v1/quotes", "/api/v1/people", "/api/v1/sources")):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    undescribed.append(f"{method} {path} ?{parameter['name']}")
            assert "application/json" in operation["responses"]["400"]["content"]
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    ours = ["Article", "Quote", "Person", "Source", "Mention", "DatedMention", "StoryBrief", "Error"]
    for name, component in schema["components"]["schemas"].items():
        if not any(name.startswith(prefix) or name.startswith(f"Patched{prefix}") for prefix in ours):
            continue
        for prop, spec in component.get("properties", {}).items():
            if not spec.get("description") and not {"$ref", "allOf", "oneOf"} & set(spec):
                undescribed.append(f"{name}.{prop}")
    assert undescribed == []
    assert "text/csv" in schema["paths"]["/api/v1/quotes/"]["get"]["responses"]["200"]["content"]
    assert "409" in schema["paths"]["/api/v1/articles/{slug}/"]["patch"]["responses"]


def test_swagger_ui_is_served_from_local_files_without_inline_scripts(anon, db):
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "cdn" not in html.lower()
    assert "//unpkg" not in html
    script_url = re.search(r'<script src="([^"]*\?script[^"]*)"', html).group(1).replace("&amp;", "&")
    assert anon.get(script_url).status_code == 200


# --- the README's examples ------------------------------------------------------------------------


def _readme_api_paths() -> list[str]:
    text = README.read_text()
    section = text[text.find("## REST API") :]
    return re.findall(r"curl -s '?http://127\.0\.0\.1:8000(/api/v1/[^' ]+)'?", section)


def test_readme_curl_examples_work_against_the_seeds(seeded):
    paths = _readme_api_paths()
    assert len(paths) >= 6
    client = APIClient()
    for path in paths:
        cache.clear()
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        if response["Content-Type"].startswith("application/json") and "results" in response.json():
            assert response.json()["results"], path
