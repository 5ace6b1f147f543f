"""python manage.py export_archive --output FILE: the whole archive as JSON Lines, editors' work included.

The records carry everything ``import_archive`` needs to rebuild the archive in an empty database (raw texts,
locks, versions, statuses, merges, stories, event links): an export of the restored archive is the same file.
The change history, user accounts, import runs and re-extraction jobs are not part of it (see the README).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from articles.extraction.types import date_text
from articles.models import Article, DatedMention, Mention, Person, Quote, Source, Story
from timeline.models import Event, EventMention, Statement


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _provenance(item) -> dict:
    """The fields every extracted row carries beyond its body offsets."""
    return {
        "raw_start": item.raw_start,
        "raw_end": item.raw_end,
        "rule": item.rule,
        "extractor_version": item.extractor_version,
        "origin": item.origin,
    }


def _source(s: Source) -> dict:
    return {
        "type": "source",
        "id": s.id,
        "name": s.name,
        "slug": s.slug,
        "homepage": s.homepage,
        "kind": s.kind,
        "domain": s.domain,
        "date_order": s.date_order,
        "display_policy": s.display_policy,
        "patterns": [
            {"pattern": p.pattern, "is_regex": p.is_regex, "strength": p.strength}
            for p in sorted(s.patterns.all(), key=lambda p: p.id)
        ],
        "created_at": _time(s.created_at),
        "updated_at": _time(s.updated_at),
    }


def _person(p: Person) -> dict:
    return {
        "type": "person",
        "id": p.id,
        "name": p.name,
        "slug": p.slug,
        "kind": p.kind,
        "aliases": sorted(a.name for a in p.aliases.all()),
        "roles": list(p.roles),
        "description": p.description,
        "merged_into": p.merged_into_id,
        "office_of": p.office_of_id,
        "locked_fields": list(p.locked_fields),
        "version": p.version,
        "created_at": _time(p.created_at),
        "updated_at": _time(p.updated_at),
    }


def _event(e: Event) -> dict:
    participants = sorted(e.participants.all(), key=lambda p: (p.name, p.id))
    return {
        "type": "event",
        "id": e.id,
        "date": date_text(e.date, e.precision),
        "end_date": date_text(e.end_date),
        "precision": e.precision or None,
        "title": e.title,
        "summary": e.summary,
        "participants": [p.name for p in participants],
        "status": e.status,
        "participant_ids": [p.id for p in participants],
        "exact_date": date_text(e.date),
        "date_note": e.date_note,
        "place": e.place,
        "locked_fields": list(e.locked_fields),
        "version": e.version,
        "created_at": _time(e.created_at),
        "updated_at": _time(e.updated_at),
    }


def _quote(q: Quote) -> dict:
    return {
        "id": q.id,
        "text": q.text,
        "speaker": q.speaker.name if q.speaker else None,
        "speaker_mention": q.speaker_mention,
        "start": q.start,
        "end": q.end,
        "confidence": round(q.confidence, 4),
        "status": q.status,
        "speaker_id": q.speaker_id,
        "group": q.group,
        **_provenance(q),
        "locked_fields": list(q.locked_fields),
        "version": q.version,
    }


def _event_link(d: DatedMention) -> dict | None:
    try:
        link = d.event_link
    except EventMention.DoesNotExist:
        return None
    return {
        "event_id": link.event_id,
        "score": round(link.score, 4),
        "reasons": list(link.reasons),
        "origin": link.origin,
        "created_at": _time(link.created_at),
    }


def _dated_mention(d: DatedMention) -> dict:
    link = _event_link(d)
    return {
        "event_id": link["event_id"] if link else None,
        "date": date_text(d.date, d.precision),
        "end_date": date_text(d.end_date),
        "precision": d.precision or None,
        "expression": d.expression,
        "sentence": d.sentence,
        "start": d.start,
        "end": d.end,
        "exact_date": date_text(d.date),
        "sentence_start": d.sentence_start,
        "sentence_end": d.sentence_end,
        "confidence": round(d.confidence, 4),
        **_provenance(d),
        "status": d.status,
        "locked_fields": list(d.locked_fields),
        "people": sorted(p.id for p in d.people.all()),
        "link": link,
    }


def _mention(m: Mention) -> dict:
    return {
        "person_id": m.person_id,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "confidence": round(m.confidence, 4),
        **_provenance(m),
    }


def _article(a: Article) -> dict:
    authors = list(a.authors.all())
    return {
        "type": "article",
        "id": a.id,
        "original_filename": a.original_filename,
        "sha256": a.sha256,
        "url": a.url,
        "source": a.source.name if a.source else None,
        "title": a.title,
        "authors": [p.name for p in authors],
        "published_on": a.published_on.isoformat() if a.published_on else None,
        "published_origin": a.published_origin or None,
        "dateline": a.dateline,
        "tags": list(a.tags),
        "language": a.language,
        "status": a.status,
        "review_reasons": list(a.review_reasons),
        "body": a.body,
        "captions": list(a.captions),
        "removed_spans": [
            {"raw_start": s.raw_start, "raw_end": s.raw_end, "reason": s.reason, "restored": s.restored}
            for s in sorted(a.removed_spans.all(), key=lambda s: s.raw_start)
        ],
        "quotes": [_quote(q) for q in a.quotes.all()],
        "event_mentions": [_dated_mention(d) for d in sorted(a.dated_mentions.all(), key=lambda d: (d.start, d.id))],
        "slug": a.slug,
        "source_id": a.source_id,
        "source_origin": a.source_origin,
        "title_origin": a.title_origin,
        "author_ids": [p.id for p in authors],
        "authors_origin": a.authors_origin,
        "published_precision": a.published_precision,
        "raw_text": a.raw_text,
        "encoding": a.encoding,
        "withdrawn_reason": a.withdrawn_reason,
        "suggestions": list(a.suggestions),
        "duplicate_of": a.duplicate_of_id,
        "locked_fields": list(a.locked_fields),
        "version": a.version,
        "extractor_version": a.extractor_version,
        "reviewed_at": _time(a.reviewed_at),
        "created_at": _time(a.created_at),
        "updated_at": _time(a.updated_at),
        "mentions": [_mention(m) for m in sorted(a.mentions.all(), key=lambda m: (m.start, m.id))],
    }


def _story(s: Story) -> dict:
    return {
        "type": "story",
        "id": s.id,
        "title": s.title,
        "slug": s.slug,
        "description": s.description,
        "articles": sorted(a.id for a in s.articles.all()),
        "created_at": _time(s.created_at),
        "updated_at": _time(s.updated_at),
    }


def _statement(s: Statement) -> dict:
    return {
        "type": "statement",
        "id": s.id,
        "speaker_id": s.speaker_id,
        "text": s.text,
        "first_reported_on": date_text(s.first_reported_on),
        "quotes": [
            {
                "quote_id": link.quote_id,
                "score": round(link.score, 4),
                "reasons": list(link.reasons),
                "origin": link.origin,
                "created_at": _time(link.created_at),
            }
            for link in sorted(s.statement_quotes.all(), key=lambda link: link.quote_id)
        ],
        "locked_fields": list(s.locked_fields),
        "created_at": _time(s.created_at),
        "updated_at": _time(s.updated_at),
    }


def export_records() -> Iterator[dict]:
    """Every record of the export, in the documented order: sources, people, events, articles, stories, statements."""
    for s in Source.objects.order_by("id").prefetch_related("patterns"):
        yield _source(s)
    for p in Person.objects.order_by("id").prefetch_related("aliases"):
        yield _person(p)
    for e in Event.objects.order_by("id").prefetch_related("participants"):
        yield _event(e)
    articles = (
        Article.objects.order_by("id")
        .select_related("source")
        .prefetch_related(
            "authors",
            "removed_spans",
            "mentions",
            Prefetch("quotes", queryset=Quote.objects.select_related("speaker").order_by("start", "id")),
            Prefetch(
                "dated_mentions",
                queryset=DatedMention.objects.select_related("event_link").prefetch_related("people"),
            ),
        )
    )
    for a in articles.iterator(chunk_size=200):
        yield _article(a)
    for s in Story.objects.order_by("id").prefetch_related("articles"):
        yield _story(s)
    for s in Statement.objects.order_by("id").prefetch_related("statement_quotes"):
        yield _statement(s)


def record_line(record: dict) -> str:
    """One record as a line of the export."""
    return json.dumps(record, ensure_ascii=False)


class Command(BaseCommand):
    help = "Export the archive as JSON Lines (sources, people, events, articles, stories, statements; see the README)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="FILE", help="File to write, or - for stdout.")

    def handle(self, *args, **opts):
        target = opts["output"]
        try:
            # newline="\n": the same archive gives the same bytes on every platform.
            out = None if target == "-" else open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        count = 0
        try:
            for record in export_records():
                line = record_line(record)
                if out is None:
                    self.stdout.write(line)
                else:
                    out.write(line + "\n")
                count += 1
        finally:
            if out is not None:
                out.close()
        if out is not None:
            self.stderr.write(f"Wrote {count} records to {target}")
