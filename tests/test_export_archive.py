"""export_archive: JSON Lines in the documented order with the documented fields (the contract; later fields extend it)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.conftest import SEEDS

ARTICLE_FIELDS = {
    "type",
    "id",
    "original_filename",
    "sha256",
    "url",
    "source",
    "title",
    "authors",
    "published_on",
    "published_origin",
    "dateline",
    "tags",
    "language",
    "status",
    "review_reasons",
    "body",
    "captions",
    "removed_spans",
    "quotes",
    "event_mentions",
}


def export() -> list[dict]:
    out = io.StringIO()
    call_command("export_archive", "--output", "-", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_export_lists_sources_people_events_then_articles_each_by_id(seeded):
    records = export()
    types = [r["type"] for r in records]
    order = ["source", "person", "event", "article", "story", "statement"]
    assert types == sorted(types, key=order.index)
    for kind in order:
        ids = [r["id"] for r in records if r["type"] == kind]
        assert ids == sorted(ids)
    assert types.count("article") == 5


@pytest.mark.django_db
def test_export_article_records_have_every_contract_field(seeded):
    articles = [r for r in export() if r["type"] == "article"]
    for record in articles:
        assert set(record) >= ARTICLE_FIELDS
        for q in record["quotes"]:
            assert set(q) >= {"id", "text", "speaker", "speaker_mention", "start", "end", "confidence", "status"}
            assert record["body"][q["start"] : q["end"]] == q["text"]
        for d in record["event_mentions"]:
            assert set(d) >= {"event_id", "date", "end_date", "precision", "expression", "sentence", "start", "end"}
            # Every dated happening is on the timeline; an undated one waits for an editor's date.
            assert (d["event_id"] is not None) == (d["date"] is not None)
            assert record["body"][d["start"] : d["end"]] == d["expression"]
    first = next(r for r in articles if r["original_filename"].startswith("000"))
    assert first["source"] == "Rudaw"
    assert first["published_on"] == "2018-03-05"
    assert first["published_origin"] == "text"
    assert all({"raw_start", "raw_end", "reason", "restored"} == set(s) for s in first["removed_spans"])


@pytest.mark.django_db
def test_export_includes_every_article_whatever_its_status(seeded):
    seeded["001"].status = "withdrawn"
    seeded["001"].save()
    seeded["002"].status = "draft"
    seeded["002"].save()
    statuses = sorted(r["status"] for r in export() if r["type"] == "article")
    assert statuses == ["draft", "published", "published", "published", "withdrawn"]


@pytest.mark.django_db
def test_export_dates_are_written_at_their_precision(seeded):
    mentions = [d for r in export() if r["type"] == "article" for d in r["event_mentions"]]
    for d in mentions:
        if d["precision"] == "year":
            assert len(d["date"]) == 4
        elif d["precision"] == "month":
            assert len(d["date"]) == 7
        elif d["precision"] == "day":
            assert len(d["date"]) == 10
        else:
            assert d["date"] is None


@pytest.mark.django_db
def test_export_to_a_file(seeded, tmp_path):
    target = tmp_path / "archive.jsonl"
    call_command("export_archive", "--output", str(target), stderr=io.StringIO())
    lines = target.read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if json.loads(line)["type"] == "article") == 5


@pytest.mark.django_db
def test_export_carries_editors_work_a_restore_needs(seeded):
    from articles import services
    from articles.models import Person

    article = seeded["001"]
    quote = article.quotes.order_by("start").first()
    services.quote_set_status(quote=quote, status="rejected")
    services.article_update(article=article, data={"title": "Edited"})
    story = services.story_create(title="NATO in Iraq")
    services.story_add_articles(story=story, articles=[article])
    loser = Person.objects.create(name="J. Stoltenberg", slug="j-stoltenberg")
    survivor = services.person_merge(survivor=Person.objects.get(name="Jens Stoltenberg"), others=[loser])

    records = export()
    exported = next(r for r in records if r["type"] == "article" and r["id"] == article.id)
    assert exported["raw_text"].encode(exported["encoding"]) == (SEEDS / article.original_filename).read_bytes()
    assert (exported["title"], exported["locked_fields"], exported["version"]) == ("Edited", ["title"], 2)
    assert next(q for q in exported["quotes"] if q["id"] == quote.id)["status"] == "rejected"
    assert next(r for r in records if r["type"] == "person" and r["id"] == loser.id)["merged_into"] == survivor.id
    assert [r for r in records if r["type"] == "story"] == [
        {
            "type": "story",
            "id": story.id,
            "title": "NATO in Iraq",
            "slug": "nato-in-iraq",
            "description": "",
            "articles": [article.id],
            "created_at": story.created_at.isoformat(),
            "updated_at": type(story).objects.get(pk=story.pk).updated_at.isoformat(),
        }
    ]
