"""FilterSets of the timeline API and page: what readers narrow events by."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet

from articles.api.filters import ArchiveFilterSet, SlugsFilter, people_by_slug
from articles.models import PRECISION_CHOICES, DatedMention, Person
from timeline.models import Event, EventMention


def _reported_by(condition: Q) -> Q:
    """Events with a (not rejected) report matching ``condition`` on its dated mention."""
    links = EventMention.objects.filter(condition).exclude(dated_mention__status=DatedMention.Status.REJECTED)
    return Q(pk__in=links.values("event_id"))


class EventFilter(ArchiveFilterSet):
    """Events by date range, precision, person or organisation, source, story and words."""

    date_from = filters.DateFilter(method="filter_date_from", help_text="Events that end on or after this day.")
    date_to = filters.DateFilter(method="filter_date_to", help_text="Events that start on or before this day.")
    precision = filters.ChoiceFilter(choices=PRECISION_CHOICES, help_text="day, month or year.")
    person = SlugsFilter(method="filter_person", help_text="Slug(s) of people taking part or named in a report.")
    organisation = SlugsFilter(method="filter_organisation", help_text="Slug(s) of organisations, as `person`.")
    source = SlugsFilter(method="filter_source", help_text="Slug(s) of outlets reporting the event.")
    story = SlugsFilter(method="filter_story", help_text="Slug(s) of stories whose articles report the event.")
    q = filters.CharFilter(method="filter_q", help_text="Words in the title, summary or a reporting sentence.")

    class Meta:
        model = Event
        fields = ["precision"]

    def filter_date_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # A year or month date lasts until its end: "2018" is still on the timeline from 2018-06-01.
        return queryset.filter(
            Q(date__gte=value)
            | Q(end_date__gte=value)
            | Q(precision="year", date__year=value.year)
            | Q(precision="month", date__year=value.year, date__month=value.month)
        )

    def filter_date_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(date__lte=value)

    def _people(self, queryset: QuerySet, slugs, kind: str | None) -> QuerySet:
        people = Person.objects.filter(people_by_slug(slugs))
        if kind:
            people = people.filter(kind=kind)
        return queryset.filter(
            Q(participants__in=people) | _reported_by(Q(dated_mention__people__in=people))
        ).distinct()

    def filter_person(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return self._people(queryset, value, None)

    def filter_organisation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return self._people(queryset, value, Person.Kind.ORGANISATION)

    def filter_source(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(_reported_by(Q(dated_mention__article__source__slug__in=value)))

    def filter_story(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(_reported_by(Q(dated_mention__article__stories__slug__in=value)))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | _reported_by(Q(dated_mention__sentence__icontains=word))
            )
        return queryset
