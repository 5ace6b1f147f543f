"""Backup and restore: export_archive, then import_archive into an empty database, gives back the same archive."""

from __future__ import annotations

import hashlib
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.core.management import call_command
from django.core.management.base import CommandError

from articles import services
from articles.models import (
    Alias,
    Article,
    ArticleFingerprint,
    DatedMention,
    ImportRun,
    Job,
    JobItem,
    Mention,
    Person,
    Quote,
    RemovedSpan,
    SourcePattern,
    Story,
)
from newsarchive.management.commands.import_archive import archive_models
from tests.conftest import SEEDS
from timeline import services as timeline_services
from timeline.models import Event, EventMention, Statement, StatementQuote

# Operational records, not the archive: an export does not carry them (the README says so).
NOT_EXPORTED = {ImportRun, Job, JobItem}
NOT_EXPORTED_FIELDS = {"import_run"}
# Rows the export names by what they are rather than by id: compared on these keys.
NATURAL_KEYS = {
    SourcePattern: ("source_id", "pattern"),
    Alias: ("person_id", "normalized"),
    RemovedSpan: ("article_id", "raw_start", "raw_end"),
    ArticleFingerprint: ("article_id", "hash"),
    Mention: ("article_id", "raw_start", "raw_end"),
    DatedMention: ("article_id", "raw_start", "raw_end"),
    EventMention: ("dated_mention",),
    StatementQuote: ("quote_id",),
}


def _key(obj) -> tuple | int:
    model = type(obj)
    if model not in NATURAL_KEYS:
        return obj.pk
    return tuple(_key(getattr(obj, f)) if f == "dated_mention" else getattr(obj, f) for f in NATURAL_KEYS[model])


def snapshot() -> dict[str, list]:
    """Every field of every row the archive holds, ids where the export keeps them: what a restore must give back."""
    tables = {}
    for model in archive_models():
        if model in NOT_EXPORTED:
            continue
        rows = []
        for obj in model._base_manager.order_by("pk"):
            row = {}
            for f in model._meta.concrete_fields:
                if isinstance(f, SearchVectorField) or f.name in NOT_EXPORTED_FIELDS:
                    continue
                if f.primary_key and model in NATURAL_KEYS:
                    continue
                related = f.related_model if f.is_relation else None
                row[f.name] = _key(getattr(obj, f.name)) if related in NATURAL_KEYS else getattr(obj, f.attname)
            for f in model._meta.many_to_many:
                row[f.name] = sorted(_key(o) for o in getattr(obj, f.name).all())
            rows.append(row)
        tables[model._meta.label] = sorted(rows, key=repr)
    return tables


def export(path) -> bytes:
    call_command("export_archive", "--output", str(path), stderr=io.StringIO())
    return path.read_bytes()


def fresh_database() -> None:
    """An empty archive as `migrate` leaves it, reference data included."""
    # Without post_migrate: content types and permissions re-created under new ids would stay in Django's
    # content type cache and corrupt the database the next transactional test restores.
    call_command("flush", "--no-input", inhibit_post_migrate=True)
    importlib.import_module("articles.migrations.0002_reference_data").forwards(apps, None)


def curate(seeded) -> None:
    """An archive as editors leave it: corrections, statuses, merges, a story, a restored cut, a review."""
    article = seeded["001"]
    services.article_update(article=article, data={"title": "Edited headline"})
    quotes = list(article.quotes.order_by("start"))
    services.quote_set_status(quote=quotes[0], status=Quote.Status.REJECTED)
    services.quote_set_status(quote=quotes[1], status=Quote.Status.VERIFIED)
    services.quote_update(quote=quotes[2], data={"speaker": Person.objects.get(name="Jens Stoltenberg")})
    services.article_withdraw(article=seeded["002"], reason="Duplicate of the outlet's own copy")
    loser = Person.objects.create(name="J. Stoltenberg", slug="j-stoltenberg")
    services.person_merge(survivor=Person.objects.get(name="Jens Stoltenberg"), others=[loser])
    story = services.story_create(title="NATO in Iraq", description="The training mission, 2018-2020.")
    services.story_add_articles(story=story, articles=[seeded["000"], seeded["004"]])
    span = seeded["000"].removed_spans.order_by("-raw_end").first()
    services.removed_span_restore(span=span)
    mention = seeded["003"].dated_mentions.filter(date__isnull=False).first()
    services.dated_mention_update(dated_mention=mention, data={"status": "verified", "precision": "year"})
    first, second = Event.objects.order_by("id")[:2]
    timeline_services.event_merge(events=[first, second])
    a, b = Statement.objects.order_by("id")[:2]
    timeline_services.statement_merge(statements=[a, b])
    for quote in seeded["004"].quotes.all():
        services.quote_set_status(quote=quote, status=Quote.Status.VERIFIED)
    services.article_mark_reviewed(article=seeded["004"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_import_export_gives_the_same_file_and_the_same_archive(seeded, tmp_path):
    curate(seeded)
    before = snapshot()
    first = export(tmp_path / "first.jsonl")

    fresh_database()
    assert not Article.objects.exists()
    out = io.StringIO()
    call_command("import_archive", str(tmp_path / "first.jsonl"), stdout=out)
    assert "5 articles" in out.getvalue()
    second = export(tmp_path / "second.jsonl")

    assert first == second
    # Not only the export: every row and field the archive holds came back (a field added to a model and
    # forgotten by the export fails here).
    after = snapshot()
    for table in before:
        assert after[table] == before[table], table
    # The raw texts are the files' bytes, exactly.
    for seed in sorted(SEEDS.glob("*.txt")):
        article = Article.objects.get(original_filename=seed.name)
        assert article.raw_text.encode(article.encoding) == seed.read_bytes()
        assert hashlib.sha256(seed.read_bytes()).hexdigest() == article.sha256
    edited = Article.objects.get(original_filename__startswith="001")
    assert (edited.title, "title" in edited.locked_fields, edited.version) == ("Edited headline", True, 2)
    assert Quote.objects.filter(article=edited, locked_fields__contains=["speaker"]).count() == 1
    assert Person.objects.get(slug="j-stoltenberg").merged_into.name == "Jens Stoltenberg"
    assert Story.objects.get(slug="nato-in-iraq").articles.count() == 2
    assert Article.objects.get(original_filename__startswith="004").reviewed_at is not None
    assert Event.objects.filter(locked_fields__contains=["merged"]).count() == 1
    assert Statement.objects.filter(locked_fields__contains=["merged"]).count() == 1
    # Search vectors come from the database's triggers, so the restored archive is searchable at once.
    assert Article.objects.search("Stoltenberg").exists()
    # Each restored row starts its history, so an editor's next change has something to diff and revert to.
    assert edited.history.count() == 1
    assert edited.history.first().history_change_reason == "Restored from first.jsonl"
    # The restored archive goes on: ids continue after the restored ones.
    new = Person.objects.create(name="A new person", slug="a-new-person")
    assert new.pk > Person.objects.exclude(pk=new.pk).order_by("-pk").first().pk


@pytest.mark.django_db
def test_import_refuses_an_archive_that_is_not_empty(seeded, tmp_path):
    export(tmp_path / "archive.jsonl")
    with pytest.raises(CommandError, match="not empty"):
        call_command("import_archive", str(tmp_path / "archive.jsonl"))
    assert Article.objects.count() == 5


@pytest.mark.django_db
def test_import_refuses_a_file_that_is_not_an_export_and_writes_nothing(tmp_path):
    target = tmp_path / "other.jsonl"
    target.write_text('{"type": "source", "id": 7, "name": "X", "slug": "x", "homepage": "", "kind": "wire"}\n[1, 2]\n')
    with pytest.raises(CommandError, match=r"other\.jsonl:2: not an export_archive record"):
        call_command("import_archive", str(target))
    assert not Article.objects.exists()
    assert Person.objects.filter(slug="nato").exists()  # the reference data is still there: nothing was written


@pytest.mark.django_db
def test_import_refuses_an_export_without_raw_texts(tmp_path):
    target = tmp_path / "old.jsonl"
    target.write_text('{"type": "article", "id": 1, "title": "Old"}\n')
    with pytest.raises(CommandError, match="raw_text"):
        call_command("import_archive", str(target))
