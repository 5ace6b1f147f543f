"""python manage.py import_archive FILE: restore an export_archive file into an empty database.

Everything comes back as it was exported, ids included (URLs, API links and the export's own references stay
valid): raw texts, editors' locks and versions, statuses, merges, restored cuts, event links, stories and statements. An
export of the restored archive is the same file. Search vectors are rebuilt by the database's triggers; each
restored article, quote, person, event and story starts its history with one entry naming the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction

from articles.models import (
    Alias,
    Article,
    DatedMention,
    Mention,
    Person,
    Quote,
    RemovedSpan,
    Source,
    SourcePattern,
    Story,
)
from articles.services import article_fingerprints_sync, normalize_name
from timeline.models import Event, EventMention, Statement, StatementQuote

ARCHIVE_APPS = ("articles", "timeline")
# What migrations put into a fresh database (known outlets and their patterns, organisations and their
# aliases): the file's own version of these rows replaces them.
REFERENCE_MODELS = (Alias, SourcePattern, Person, Source)
# The record fields that an export without them (an older export_archive) cannot be restored from.
ARTICLE_RESTORE_FIELDS = ("slug", "raw_text", "encoding", "locked_fields", "version", "mentions")


class ArchiveError(CommandError):
    """The file cannot be restored, or not into this database."""


def archive_models() -> list[type[models.Model]]:
    """The concrete models of the archive's apps, without their history tables."""
    return [
        m
        for app in ARCHIVE_APPS
        for m in apps.get_app_config(app).get_models()
        if not m._meta.proxy and not hasattr(m, "instance_type")  # simple_history's tables carry instance_type
    ]


def archive_is_empty() -> bool:
    """Whether the archive holds nothing but what migrations put there."""
    return not any(m._base_manager.exists() for m in archive_models() if m not in REFERENCE_MODELS)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _provenance(item: dict) -> dict:
    return {
        "start": item["start"],
        "end": item["end"],
        "raw_start": item["raw_start"],
        "raw_end": item["raw_end"],
        "confidence": item["confidence"],
        "rule": item["rule"],
        "extractor_version": item["extractor_version"],
        "origin": item["origin"],
    }


class _Restorer:
    """Writes the records of one file, in its order, and what must follow once all are in."""

    def __init__(self, *, reason: str) -> None:
        self.reason = reason
        self.counts: Counter[str] = Counter()
        # Rows whose auto_now timestamps the inserts overwrote: put back at the end, by primary key.
        self.timestamps: dict[type[models.Model], list[models.Model]] = {}

    def _insert(self, model: type[models.Model], rows: list[models.Model], *, history: bool = False) -> list:
        if not rows:
            return rows
        stamps = [(getattr(r, "created_at", None), getattr(r, "updated_at", None)) for r in rows]
        model._base_manager.bulk_create(rows)
        if hasattr(model, "updated_at"):
            for row, (created, updated) in zip(rows, stamps, strict=True):
                row.created_at, row.updated_at = created, updated
            self.timestamps.setdefault(model, []).extend(
                model(pk=r.pk, created_at=r.created_at, updated_at=r.updated_at) for r in rows
            )
        if history:
            model.history.bulk_history_create(rows, default_change_reason=self.reason)
        return rows

    def source(self, r: dict) -> None:
        source = Source(
            id=r["id"],
            name=r["name"],
            slug=r["slug"],
            homepage=r["homepage"],
            kind=r["kind"],
            domain=r.get("domain", ""),
            date_order=r.get("date_order", ""),
            display_policy=r.get("display_policy", Source.DisplayPolicy.FULL_TEXT),
            created_at=_time(r.get("created_at")),
            updated_at=_time(r.get("updated_at")),
        )
        self._insert(Source, [source])
        SourcePattern.objects.bulk_create(SourcePattern(source=source, **p) for p in r.get("patterns", []))

    def person(self, r: dict) -> None:
        person = Person(
            id=r["id"],
            name=r["name"],
            slug=r["slug"],
            kind=r["kind"],
            roles=r["roles"],
            description=r.get("description", ""),
            # Survivors may come later in the file: foreign keys are checked once everything is in.
            merged_into_id=r.get("merged_into"),
            office_of_id=r.get("office_of"),
            locked_fields=r.get("locked_fields", []),
            version=r.get("version", 1),
            created_at=_time(r.get("created_at")),
            updated_at=_time(r.get("updated_at")),
        )
        self._insert(Person, [person], history=True)
        Alias.objects.bulk_create(Alias(person=person, name=n, normalized=normalize_name(n)) for n in r["aliases"])

    def event(self, r: dict) -> None:
        event = Event(
            id=r["id"],
            date=_date(r["exact_date"]),
            end_date=_date(r["end_date"]),
            precision=r["precision"] or "",
            title=r["title"],
            summary=r["summary"],
            status=r["status"],
            date_note=r.get("date_note", ""),
            place=r.get("place", ""),
            locked_fields=r.get("locked_fields", []),
            version=r.get("version", 1),
            created_at=_time(r.get("created_at")),
            updated_at=_time(r.get("updated_at")),
        )
        self._insert(Event, [event], history=True)
        through = Event.participants.through
        through.objects.bulk_create(through(event=event, person_id=p) for p in r["participant_ids"])

    def article(self, r: dict) -> None:
        missing = [f for f in ARTICLE_RESTORE_FIELDS if f not in r]
        if missing:
            raise ArchiveError(
                f"article {r.get('id')}: no {', '.join(missing)}; the file was written by an export_archive "
                "that did not carry what a restore needs"
            )
        article = Article(
            id=r["id"],
            source_id=r["source_id"],
            source_origin=r["source_origin"],
            title=r["title"],
            title_origin=r["title_origin"],
            slug=r["slug"],
            authors_origin=r["authors_origin"],
            published_on=_date(r["published_on"]),
            published_origin=r["published_origin"] or "",
            published_precision=r["published_precision"],
            dateline=r["dateline"],
            tags=r["tags"],
            body=r["body"],
            captions=r["captions"],
            raw_text=r["raw_text"],
            encoding=r["encoding"],
            sha256=r["sha256"],
            original_filename=r["original_filename"],
            url=r["url"],
            language=r["language"],
            status=r["status"],
            withdrawn_reason=r["withdrawn_reason"],
            review_reasons=r["review_reasons"],
            suggestions=r["suggestions"],
            duplicate_of_id=r["duplicate_of"],
            locked_fields=r["locked_fields"],
            version=r["version"],
            extractor_version=r["extractor_version"],
            reviewed_at=_time(r["reviewed_at"]),
            created_at=_time(r["created_at"]),
            updated_at=_time(r["updated_at"]),
        )
        self._insert(Article, [article], history=True)
        through = Article.authors.through
        through.objects.bulk_create(through(article=article, person_id=p) for p in r["author_ids"])
        RemovedSpan.objects.bulk_create(RemovedSpan(article=article, **s) for s in r["removed_spans"])
        # Not in the file: read off the body, as an import keeps it.
        article_fingerprints_sync(article=article, fresh=True)
        quotes = [
            Quote(
                id=q["id"],
                article=article,
                text=q["text"],
                speaker_id=q["speaker_id"],
                speaker_mention=q["speaker_mention"],
                group=q["group"],
                status=q["status"],
                locked_fields=q["locked_fields"],
                version=q["version"],
                **_provenance(q),
            )
            for q in r["quotes"]
        ]
        self._insert(Quote, quotes, history=True)
        Mention.objects.bulk_create(
            Mention(article=article, person_id=m["person_id"], text=m["text"], **_provenance(m)) for m in r["mentions"]
        )
        self._dated_mentions(article, r["event_mentions"])
        self.counts["quote"] += len(quotes)

    def _dated_mentions(self, article: Article, records: list[dict]) -> None:
        rows = DatedMention.objects.bulk_create(
            DatedMention(
                article=article,
                expression=d["expression"],
                date=_date(d["exact_date"]),
                end_date=_date(d["end_date"]),
                precision=d["precision"] or "",
                sentence=d["sentence"],
                sentence_start=d["sentence_start"],
                sentence_end=d["sentence_end"],
                status=d["status"],
                locked_fields=d["locked_fields"],
                **_provenance(d),
            )
            for d in records
        )
        through = DatedMention.people.through
        through.objects.bulk_create(
            through(datedmention=row, person_id=p) for row, d in zip(rows, records, strict=True) for p in d["people"]
        )
        linked = [(row, d["link"]) for row, d in zip(rows, records, strict=True) if d["link"] is not None]
        links = EventMention.objects.bulk_create(
            EventMention(
                event_id=link["event_id"],
                dated_mention=row,
                score=link["score"],
                reasons=link["reasons"],
                origin=link["origin"],
            )
            for row, link in linked
        )
        # created_at is auto_now_add: the exported one goes back.
        EventMention.objects.bulk_update(
            [
                EventMention(pk=row.pk, created_at=_time(link["created_at"]))
                for row, (_, link) in zip(links, linked, strict=True)
            ],
            ["created_at"],
        )

    def story(self, r: dict) -> None:
        story = Story(
            id=r["id"],
            title=r["title"],
            slug=r["slug"],
            description=r["description"],
            created_at=_time(r.get("created_at")),
            updated_at=_time(r.get("updated_at")),
        )
        self._insert(Story, [story], history=True)
        through = Story.articles.through
        through.objects.bulk_create(through(story=story, article_id=a) for a in r["articles"])

    def statement(self, r: dict) -> None:
        statement = Statement(
            id=r["id"],
            speaker_id=r["speaker_id"],
            text=r["text"],
            first_reported_on=_date(r["first_reported_on"]),
            locked_fields=r["locked_fields"],
            created_at=_time(r["created_at"]),
            updated_at=_time(r["updated_at"]),
        )
        self._insert(Statement, [statement])
        links = StatementQuote.objects.bulk_create(
            StatementQuote(
                statement=statement,
                quote_id=q["quote_id"],
                score=q["score"],
                reasons=q["reasons"],
                origin=q["origin"],
            )
            for q in r["quotes"]
        )
        StatementQuote.objects.bulk_update(
            [
                StatementQuote(pk=link.pk, created_at=_time(q["created_at"]))
                for link, q in zip(links, r["quotes"], strict=True)
            ],
            ["created_at"],
        )

    def finish(self) -> None:
        """Put the exported timestamps back, check every constraint, and move the id sequences past the rows."""
        for model, rows in self.timestamps.items():
            model._base_manager.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)
        chosen = archive_models()
        tables = [m._meta.db_table for m in chosen]
        tables += [f.remote_field.through._meta.db_table for m in chosen for f in m._meta.local_many_to_many]
        connection.check_constraints(table_names=tables)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), chosen):
                cursor.execute(statement)


RECORD_TYPES = ("source", "person", "event", "article", "story", "statement")


def _records(lines: Iterable[str], *, name: str) -> Iterator[dict]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ArchiveError(f"{name}:{number}: not a line of an export_archive file: {exc}") from exc
        kind = record.get("type") if isinstance(record, dict) else None
        if kind not in RECORD_TYPES:
            raise ArchiveError(f"{name}:{number}: not an export_archive record (type {kind!r})")
        yield record


@transaction.atomic
def archive_import(lines: Iterable[str], *, name: str) -> Counter[str]:
    """Restore an export into an empty archive, all or nothing; the number of records of each type."""
    if not archive_is_empty():
        raise ArchiveError("the archive is not empty: import_archive restores into a freshly migrated database")
    for model in REFERENCE_MODELS:
        model._base_manager.all().delete()
    restorer = _Restorer(reason=f"Restored from {name}")
    for record in _records(lines, name=name):
        getattr(restorer, record["type"])(record)
        restorer.counts[record["type"]] += 1
    restorer.finish()
    return restorer.counts


class Command(BaseCommand):
    help = "Restore an export_archive file into an empty, freshly migrated database (ids, locks and merges kept)."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="A file written by export_archive.")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            # newline="\n": a line ends only at a newline (JSON escapes every other line break in a text).
            with path.open(encoding="utf-8", newline="\n") as lines:
                counts = archive_import(lines, name=path.name)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8: {exc}") from exc
        plural = {"person": "people", "story": "stories"}
        summary = ", ".join(f"{counts[t]} {plural.get(t, t + 's')}" for t in (*RECORD_TYPES, "quote") if counts[t])
        self.stdout.write(f"Restored {summary or 'nothing'} from {path}")
