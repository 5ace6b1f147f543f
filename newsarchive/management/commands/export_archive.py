"""python manage.py export_archive --output FILE: the whole archive as JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from articles.models import Article, Person, Quote, Source
from timeline.models import Event, EventMention


def _date(value, precision: str = "day") -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def export_records() -> Iterator[dict]:
    """Every record of the export, in the documented order: sources, people, events, articles."""
    for s in Source.objects.order_by("id"):
        yield {"type": "source", "id": s.id, "name": s.name, "slug": s.slug, "homepage": s.homepage, "kind": s.kind}
    for p in Person.objects.order_by("id").prefetch_related("aliases"):
        yield {
            "type": "person",
            "id": p.id,
            "name": p.name,
            "slug": p.slug,
            "kind": p.kind,
            "aliases": sorted(a.name for a in p.aliases.all()),
            "roles": list(p.roles),
        }
    for e in Event.objects.order_by("id").prefetch_related("participants"):
        yield {
            "type": "event",
            "id": e.id,
            "date": _date(e.date, e.precision),
            "end_date": _date(e.end_date),
            "precision": e.precision or None,
            "title": e.title,
            "summary": e.summary,
            "participants": sorted(p.name for p in e.participants.all()),
            "status": e.status,
        }
    links = EventMention.objects.select_related("event")
    articles = (
        Article.objects.order_by("id")
        .select_related("source")
        .prefetch_related(
            "authors",
            "removed_spans",
            Prefetch("quotes", queryset=Quote.objects.select_related("speaker").order_by("start", "id")),
            Prefetch("dated_mentions__event_link", queryset=links),
        )
    )
    for a in articles.iterator(chunk_size=200):
        yield {
            "type": "article",
            "id": a.id,
            "original_filename": a.original_filename,
            "sha256": a.sha256,
            "url": a.url,
            "source": a.source.name if a.source else None,
            "title": a.title,
            "authors": [p.name for p in a.authors.all()],
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
            "quotes": [
                {
                    "id": q.id,
                    "text": q.text,
                    "speaker": q.speaker.name if q.speaker else None,
                    "speaker_mention": q.speaker_mention,
                    "start": q.start,
                    "end": q.end,
                    "confidence": round(q.confidence, 4),
                    "status": q.status,
                }
                for q in a.quotes.all()
            ],
            "event_mentions": [
                {
                    "event_id": _event_id(d),
                    "date": _date(d.date, d.precision),
                    "end_date": _date(d.end_date),
                    "precision": d.precision or None,
                    "expression": d.expression,
                    "sentence": d.sentence,
                    "start": d.start,
                    "end": d.end,
                }
                for d in sorted(a.dated_mentions.all(), key=lambda d: (d.start, d.id))
            ],
        }


def _event_id(dated_mention) -> int | None:
    try:
        return dated_mention.event_link.event_id
    except EventMention.DoesNotExist:
        return None


class Command(BaseCommand):
    help = "Export the archive as JSON Lines (sources, people, events, then articles; see the README)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="FILE", help="File to write, or - for stdout.")

    def handle(self, *args, **opts):
        target = opts["output"]
        try:
            out = None if target == "-" else open(target, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        count = 0
        try:
            for record in export_records():
                line = json.dumps(record, ensure_ascii=False)
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
