"""Serializers of the timeline API: events with their first reports, all reports page by page, the TimelineJS slides.

Reports are read as plain rows (``report_rows``), two queries for a whole page of events, and written out by
hand: field by field, DRF would cost more than the queries. The serializers' declared fields are the schema, and
a test holds the hand-written output to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.api.links import Paths
from articles.models import DatedMention
from timeline.matching import format_date
from timeline.models import (
    Event,
    EventMention,
    reading_order,
    reporting_sentence,
    sentence_context,
    sentence_in_context,
)

# An event in a list or the feed carries its first few reports; report_count and reports_url lead to the rest
# (a much-reported event has thousands, and every list would carry them all).
REPORTS_SHOWN = 5

# What a report shows, as value names of a report row and where each comes from.
_REPORT_VALUES = {
    "mention_id": F("dated_mention_id"),
    "expression": F("dated_mention__expression"),
    "stored_sentence": F("dated_mention__sentence"),
    "start": F("dated_mention__start"),
    "end": F("dated_mention__end"),
    "mention_date": F("dated_mention__date"),
    "mention_precision": F("dated_mention__precision"),
    "article_slug": F("dated_mention__article__slug"),
    "article_title": F("dated_mention__article__title"),
    "article_filename": F("dated_mention__article__original_filename"),
    "article_published_on": F("dated_mention__article__published_on"),
    "article_source": F("dated_mention__article__source__name"),
}


# The most ids a query lists one by one (a page of a hundred events); more go as one array.
_FEW_IDS = 100
# An id no event has, marking where an event's id goes in its page's address.
_ID_MARK = 987654321987654321


def event_pages(request: Any = None) -> Callable[[int], str]:
    """An event's page (``get_absolute_url()``, absolute with a request) by id: the address written once."""
    page = Event(pk=_ID_MARK).get_absolute_url()
    if request is not None:
        page = request.build_absolute_uri(page)
    return lambda pk: page.replace(str(_ID_MARK), str(pk))


def _any_of(ids: list[int]) -> Any:
    """``ids`` as the right side of an ``__in``; the feed's thousands as one array parameter on PostgreSQL.

    Written out one parameter each, the feed's 2,500 report ids cost more time than reading their rows. A page's
    few stay a list: the planner knows how many there are, and looks them up one by one.
    """
    if len(ids) > _FEW_IDS and connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def visible_links(editor: bool) -> QuerySet[EventMention]:
    """The reports a requester may see: editors every one not rejected, the public those of published articles."""
    return EventMention.objects.unrejected() if editor else EventMention.objects.public()


def report_rows(links: QuerySet[EventMention]) -> QuerySet:
    """``links`` as report rows (lazy, so it pages): plain values of what a report shows, with the text around each
    date, not the body."""
    return links.annotate(**sentence_context("dated_mention__")).values(
        "pk", "event_id", "score", "reasons", "origin", "context", "context_start", **_REPORT_VALUES
    )


def report_sentence(row: dict[str, Any]) -> str:
    """The reporting sentence of a report row: cut from its context, or (a very long sentence) from the body."""
    sentence = sentence_in_context(
        expression=row["expression"],
        stored=row["stored_sentence"],
        start=row["start"],
        end=row["end"],
        context=row["context"] or "",
        context_start=row["context_start"],
    )
    if sentence is None:
        sentence = reporting_sentence(DatedMention.objects.select_related("article").get(pk=row["mention_id"]))
    return sentence


def report_data(row: dict[str, Any], article_paths: Paths) -> dict[str, Any]:
    """A report row as ReportSerializer shows it."""
    published_on, date = row["article_published_on"], row["mention_date"]
    return {
        "article": {
            "slug": row["article_slug"],
            "title": row["article_title"],
            "url": article_paths(row["article_slug"]),
            "source": row["article_source"],
            "published_on": published_on.isoformat() if published_on else None,
        },
        "expression": row["expression"],
        "sentence": report_sentence(row),
        "mention_date": date.isoformat() if date else None,
        "mention_precision": row["mention_precision"],
        "score": row["score"],
        "reasons": list(row["reasons"]),
        "origin": row["origin"],
    }


@dataclass(frozen=True, slots=True)
class FirstReports:
    """An event's first reports (report rows, earliest article first) and how many it has in all."""

    rows: list[dict[str, Any]]
    count: int


def first_reports(event_ids: Sequence[int], *, editor: bool, shown: int | None = None) -> dict[int, FirstReports]:
    """The first ``shown`` (REPORTS_SHOWN) reports of each event the requester may see, and their count: two queries."""
    if not event_ids:
        return {}
    shown = REPORTS_SHOWN if shown is None else shown
    # The first query ranks and counts every report of these events, reading no more than it needs to; the second
    # reads what the first few show (reading the articles' text in the first would read it for every report).
    ranked = (
        visible_links(editor)
        .filter(event_id__in=_any_of(list(event_ids)))
        .annotate(
            rank=Window(RowNumber(), partition_by=F("event_id"), order_by=reading_order()),
            total=Window(Count("pk"), partition_by=F("event_id")),
        )
        .filter(rank__lte=shown)
        .order_by()  # EventMention's default order would join the events only to sort by them
        .values_list("pk", "event_id", "total", "rank")
    )
    ranks, totals = {}, {}
    for pk, event_id, total, rank in ranked:
        ranks[pk], totals[event_id] = (event_id, rank), total
    rows: dict[int, list[tuple[int, dict]]] = {event_id: [] for event_id in event_ids}
    for row in report_rows(EventMention.objects.filter(pk__in=_any_of(list(ranks))).order_by()):
        event_id, rank = ranks[row["pk"]]
        rows[event_id].append((rank, row))
    return {
        event_id: FirstReports([row for _rank, row in sorted(shown, key=lambda item: item[0])], totals.get(event_id, 0))
        for event_id, shown in rows.items()
    }


# --- schema and output --------------------------------------------------------------


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url", help_text="The person's page on the public site.")


class ReportArticleSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The article's page on the public site.")
    source = serializers.CharField(allow_null=True, help_text="The outlet's name, null when unknown.")
    published_on = serializers.DateField(allow_null=True)


class ReportSerializer(serializers.Serializer):
    """One article's report of the event: the sentence, the date expression, why it joined."""

    article = ReportArticleSerializer(help_text="The article that reports the event.")
    expression = serializers.CharField(help_text="The date as the article writes it ('last week', '5 March').")
    sentence = serializers.CharField(help_text="The sentence of the article that holds the date.")
    mention_date = serializers.DateField(allow_null=True, help_text="The date it resolves to, null when unknown.")
    mention_precision = serializers.CharField(help_text="`day`, `month` or `year` (empty when unresolved).")
    score = serializers.FloatField(help_text="How alike the report and the event are, 0 to 1.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why the report joined the event.")
    origin = serializers.ChoiceField(
        choices=EventMention.Origin.choices, help_text="`auto`: the machine linked it; `editor`: an editor did."
    )

    # Its rows are report rows (``report_rows``), not model instances.
    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        return report_data(row, self.context.get("article_paths") or Paths("articles:article"))


class EventListSerializer(serializers.ListSerializer):
    """A page of events: the first reports of all of them read at once."""

    def to_representation(self, data: Iterable[Event]) -> list[dict[str, Any]]:
        events = list(data)
        self.context["reports"] = first_reports([e.pk for e in events], editor=bool(self.context.get("editor")))
        return [self.child.to_representation(event) for event in events]


class EventSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)
    date_display = serializers.SerializerMethodField(help_text='The date at its precision: "2018", "3 January 2020".')
    participants = ParticipantSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField(
        help_text=f"The first {REPORTS_SHOWN} reports, earliest article first; `reports_url` lists them all."
    )
    report_count = serializers.SerializerMethodField(help_text="How many reports you may see in all.")
    reports_url = serializers.SerializerMethodField(help_text="Every report of the event, page by page.")

    class Meta:
        model = Event
        fields = [
            "id",
            "url",
            "page_url",
            "date",
            "end_date",
            "precision",
            "date_display",
            "date_note",
            "title",
            "summary",
            "place",
            "status",
            "participants",
            "reports",
            "report_count",
            "reports_url",
            "locked_fields",
            "version",
        ]
        read_only_fields = ["id", "status", "date_note", "locked_fields", "version"]
        list_serializer_class = EventListSerializer

    # DRF writes these only for an address with a format suffix; otherwise to_representation writes every field.
    def get_date_display(self, event: Event) -> str:
        return format_date(event.date, event.precision, event.end_date)

    @extend_schema_field(ReportSerializer(many=True))
    def get_reports(self, event: Event) -> list[dict]:
        return [report_data(row, self._paths()["article"]) for row in self._reports(event).rows]

    def get_report_count(self, event: Event) -> int:
        return self._reports(event).count

    @extend_schema_field(serializers.URLField())
    def get_reports_url(self, event: Event) -> str:
        return self._paths()["reports"](event.pk)

    def _reports(self, event: Event) -> FirstReports:
        known = self.context.setdefault("reports", {})
        if event.pk not in known:
            known.update(first_reports([event.pk], editor=bool(self.context.get("editor"))))
        return known[event.pk]

    def _paths(self) -> dict[str, Any]:
        paths = self.context.get("paths")
        if paths is None:
            request = self.context.get("request")
            paths = self.context["paths"] = {
                "event": Paths("event-detail", kwarg="pk", request=request),
                "reports": Paths("event-report-list", kwarg="event_pk", kind="pk", request=request),
                "article": Paths("articles:article"),
                "person": Paths("articles:person"),
                "page": event_pages(),
            }
        return paths

    def to_representation(self, event: Event) -> dict[str, Any]:
        if self.context.get("format"):  # an address with a format suffix: links carry it too, as DRF writes them
            return super().to_representation(event)
        reports = self._reports(event)
        paths = self._paths()
        date, end_date = event.date, event.end_date
        return {
            "id": event.pk,
            "url": paths["event"](event.pk),
            "page_url": paths["page"](event.pk),
            "date": date.isoformat() if date else None,
            "end_date": end_date.isoformat() if end_date else None,
            "precision": event.precision,
            "date_display": format_date(date, event.precision, end_date),
            "date_note": event.date_note,
            "title": event.title,
            "summary": event.summary,
            "place": event.place,
            "status": event.status,
            "participants": [
                {"name": p.name, "slug": p.slug, "kind": p.kind, "url": paths["person"](p.slug)}
                for p in event.participants.all()
            ],
            "reports": [report_data(row, paths["article"]) for row in reports.rows],
            "report_count": reports.count,
            "reports_url": paths["reports"](event.pk),
            "locked_fields": event.locked_fields,
            "version": event.version,
        }


class EventUpdateSerializer(serializers.ModelSerializer):
    """What an editor may change; each field changed is locked against the machine."""

    version = serializers.IntegerField(required=False, help_text="The version you read; a stale one is refused.")

    class Meta:
        model = Event
        fields = ["date", "end_date", "precision", "title", "summary", "place", "version"]


def timelinejs_date(value, precision: str) -> dict:
    """A TimelineJS date object at the event's precision: no month for a year, no day for a month."""
    date = {"year": value.year}
    if precision in ("month", "day"):
        date["month"] = value.month
    if precision == "day":
        date["day"] = value.day
    return date


def timelinejs_slide(event: dict[str, Any], reports: FirstReports, *, article_paths: Paths, event_url: str) -> dict:
    """One TimelineJS slide of an event row: the date at its precision, the title, the first reports as links with
    their sentences and a link to the rest (``event_url``)."""
    # Escaped as format_html would, by hand: format_html per report costs more than all the rest of a slide.
    items = "".join(
        f'<li><a href="{escape(article_paths(row["article_slug"]))}">'
        f"{escape(row['article_title'] or row['article_filename'])}</a>"
        f"{escape(f' ({source})') if (source := row['article_source']) is not None else ''}: "
        f"<q>{escape(report_sentence(row))}</q></li>"
        for row in reports.rows
    )
    more = reports.count - len(reports.rows)
    if more > 0:
        # Not an /articles/ link: it cites no article, it leads to the event's reports on the site.
        items += f'<li><a href="{escape(event_url)}">and {more} more report{"s" if more > 1 else ""}</a></li>'
    date, precision, end_date = event["date"], event["precision"], event["end_date"]
    note = f"<p><small>{escape(event['date_note'])}</small></p>" if event["date_note"] else ""
    slide = {
        "unique_id": f"event-{event['id']}",
        "start_date": {**timelinejs_date(date, precision), "display_date": format_date(date, precision, end_date)},
        "text": {
            "headline": escape(event["title"] or "Untitled event"),
            "text": f"<p>{escape(event['summary'])}</p>{note}<ul>{items}</ul>",
        },
        "group": str(date.year),
        "autolink": False,
    }
    if end_date and end_date != date:
        slide["end_date"] = timelinejs_date(end_date, "day")
    return slide
