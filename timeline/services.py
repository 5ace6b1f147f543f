"""Writes to the timeline: events made from the dated mentions that report them."""

from __future__ import annotations

from django.db import transaction

from articles.models import Article, DatedMention
from timeline.models import Event, EventMention

TITLE_MAX = 80


def _title_for(mention: DatedMention) -> str:
    sentence = " ".join(mention.sentence.split())
    return sentence if len(sentence) <= TITLE_MAX else sentence[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def events_attach(*, article: Article) -> list[Event]:
    """Give each of the article's dated mentions an event; drop events nothing reports any more."""
    created = []
    for mention in article.dated_mentions.filter(event_link__isnull=True).exclude(status="rejected"):
        event = Event.objects.create(
            date=mention.date,
            end_date=mention.end_date,
            precision=mention.precision,
            title=_title_for(mention),
            summary=mention.sentence,
        )
        event.participants.set(mention.people.all())
        EventMention.objects.create(event=event, dated_mention=mention, reasons=["only mention"])
        created.append(event)
    for link in EventMention.objects.filter(dated_mention__article=article, event__status=Event.Status.AUTO):
        mention, event = link.dated_mention, link.event
        if event.event_mentions.count() == 1 and "date" not in event.locked_fields:
            event.date, event.end_date, event.precision = mention.date, mention.end_date, mention.precision
            event.save(update_fields=["date", "end_date", "precision", "updated_at"])
    events_prune()
    return created


def events_prune() -> int:
    """Delete machine events that no dated mention reports any more."""
    deleted, _ = Event.objects.filter(status=Event.Status.AUTO, event_mentions__isnull=True).delete()
    return deleted
