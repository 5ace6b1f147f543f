"""Serializers of the timeline API: events with their reports, and the TimelineJS slides."""

from __future__ import annotations

from django.utils.html import escape, format_html, format_html_join
from rest_framework import serializers

from timeline.matching import format_date
from timeline.models import Event, EventMention


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class ReportSerializer(serializers.Serializer):
    """One article's report of the event: the sentence, the date expression, why it joined."""

    article = serializers.SerializerMethodField()
    expression = serializers.CharField(source="dated_mention.expression")
    sentence = serializers.CharField()
    mention_date = serializers.DateField(source="dated_mention.date")
    mention_precision = serializers.CharField(source="dated_mention.precision")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    origin = serializers.ChoiceField(choices=EventMention.Origin.choices)

    def get_article(self, link: EventMention) -> dict:
        article = link.dated_mention.article
        return {
            "slug": article.slug,
            "title": article.title,
            "url": article.get_absolute_url(),
            "source": article.source.name if article.source else None,
            "published_on": article.published_on,
        }


class EventSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)
    date_display = serializers.SerializerMethodField(help_text='The date at its precision: "2018", "3 January 2020".')
    participants = ParticipantSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField()

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
            "locked_fields",
            "version",
        ]
        read_only_fields = ["id", "status", "date_note", "locked_fields", "version"]

    def get_date_display(self, event: Event) -> str:
        return format_date(event.date, event.precision, event.end_date)

    def get_reports(self, event: Event) -> list[dict]:
        return ReportSerializer(visible_reports(event, self.context.get("editor", False)), many=True).data


class EventUpdateSerializer(serializers.ModelSerializer):
    """What an editor may change; each field changed is locked against the machine."""

    version = serializers.IntegerField(required=False, help_text="The version you read; a stale one is refused.")

    class Meta:
        model = Event
        fields = ["date", "end_date", "precision", "title", "summary", "place", "version"]


def visible_reports(event: Event, editor: bool) -> list[EventMention]:
    """The event's reports a requester may see: editors all, the public those of published articles."""
    links = [link for link in event.event_mentions.all() if link.dated_mention.status != "rejected"]
    if not editor:
        links = [link for link in links if link.dated_mention.article.status == "published"]
    return sorted(
        links,
        key=lambda link: (
            link.dated_mention.article.published_on is None,
            link.dated_mention.article.published_on,
            link.pk,
        ),
    )


def timelinejs_date(value, precision: str) -> dict:
    """A TimelineJS date object at the event's precision: no month for a year, no day for a month."""
    date = {"year": value.year}
    if precision in ("month", "day"):
        date["month"] = value.month
    if precision == "day":
        date["day"] = value.day
    return date


def timelinejs_slide(event: Event, reports: list[EventMention], request) -> dict:
    """One TimelineJS slide: the date at its precision, the title, the reports as links with their sentences."""
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>{}: <q>{}</q></li>',
        (
            (
                request.build_absolute_uri(link.dated_mention.article.get_absolute_url()),
                link.dated_mention.article.title or link.dated_mention.article.original_filename,
                f" ({link.dated_mention.article.source.name})" if link.dated_mention.article.source else "",
                link.sentence,
            )
            for link in reports
        ),
    )
    note = format_html("<p><small>{}</small></p>", event.date_note) if event.date_note else ""
    slide = {
        "unique_id": f"event-{event.pk}",
        "start_date": {
            **timelinejs_date(event.date, event.precision),
            "display_date": format_date(event.date, event.precision, event.end_date),
        },
        "text": {
            "headline": escape(event.title or "Untitled event"),
            "text": format_html("<p>{}</p>{}<ul>{}</ul>", event.summary, note, items),
        },
        "group": str(event.date.year),
        "autolink": False,
    }
    if event.end_date and event.end_date != event.date:
        slide["end_date"] = timelinejs_date(event.end_date, "day")
    return slide
