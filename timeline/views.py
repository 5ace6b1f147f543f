"""Public pages of the timeline app: the merged story, events in order with the articles that report them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from itertools import groupby

from django import forms
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from articles.models import PRECISION_CHOICES, Article, DatedMention, Person, Source, Story
from timeline.api.filters import EventFilter
from timeline.matching import format_date
from timeline.models import Event, EventMention, reporting_sentence


class TimelineFilterForm(forms.Form):
    """The page's filters; they feed the API's FilterSet, so page and API narrow alike."""

    person = forms.ChoiceField(required=False)
    organisation = forms.ChoiceField(required=False)
    source = forms.ChoiceField(required=False)
    story = forms.ChoiceField(required=False)
    precision = forms.ChoiceField(required=False, choices=[("", "Any precision"), *PRECISION_CHOICES])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        involved = Person.objects.active().filter(Q(events__isnull=False) | Q(dated_mentions__event_link__isnull=False))
        involved = involved.distinct().order_by("name")
        self.fields["person"].choices = [("", "Anyone")] + [
            (p.slug, p.name) for p in involved.filter(kind=Person.Kind.PERSON)
        ]
        self.fields["organisation"].choices = [("", "Any organisation")] + [
            (p.slug, p.name) for p in involved.filter(kind=Person.Kind.ORGANISATION)
        ]
        self.fields["source"].choices = [("", "Any outlet")] + [
            (s.slug, s.name) for s in Source.objects.filter(articles__status="published").distinct().order_by("name")
        ]
        self.fields["story"].choices = [("", "Any story")] + [(s.slug, s.title) for s in Story.objects.all()]


@dataclass
class Report:
    article: Article
    expression: str
    sentence: str


@dataclass
class EventRow:
    event: Event
    date_label: str
    reports: list[Report]

    @property
    def machine_date(self) -> str:
        """The date for <time datetime>, at its precision ("2018", "2020-01", "2020-01-03")."""
        date = self.event.date
        return {"year": f"{date:%Y}", "month": f"{date:%Y-%m}"}.get(self.event.precision, date.isoformat())


@dataclass
class Month:
    label: str
    anchor: str
    events: list[EventRow] = field(default_factory=list)


@dataclass
class Year:
    year: int
    whole_year: list[EventRow] = field(default_factory=list)  # events known only to the year
    months: list[Month] = field(default_factory=list)


def _rows(events, *, editor: bool) -> list[EventRow]:
    rows = []
    for event in events:
        reports = [
            Report(link.dated_mention.article, link.dated_mention.expression, link.sentence)
            for link in event.event_mentions.all()
            if link.dated_mention.status != DatedMention.Status.REJECTED
            and (editor or link.dated_mention.article.status == Article.Status.PUBLISHED)
        ]
        if reports:
            reports.sort(key=lambda r: (r.article.published_on is None, r.article.published_on, r.article.pk))
            rows.append(EventRow(event, format_date(event.date, event.precision, event.end_date), reports))
    return rows


def _by_year(rows: list[EventRow]) -> list[Year]:
    years = []
    for year, in_year in groupby(rows, key=lambda r: r.event.date.year):
        group = Year(year)
        for row in in_year:
            if row.event.precision == "year":
                group.whole_year.append(row)
                continue
            label = f"{calendar.month_name[row.event.date.month]} {year}"
            if not group.months or group.months[-1].label != label:
                group.months.append(Month(label, f"m{year}-{row.event.date.month:02d}"))
            group.months[-1].events.append(row)
        years.append(group)
    return years


def timeline_index(request: HttpRequest) -> HttpResponse:
    """The merged story: events oldest first, grouped by year and month, each citing its articles."""
    editor = request.user.is_authenticated and request.user.has_perm("timeline.view_event")
    form = TimelineFilterForm(request.GET or None)
    events = Event.objects.all() if editor else Event.objects.public()
    filtered = False
    if form.is_bound and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        filtered = bool(data)
        events = EventFilter(data, queryset=events, request=request).qs
    links = EventMention.objects.select_related("dated_mention__article__source").order_by("pk")
    events = events.dated().chronological().prefetch_related(Prefetch("event_mentions", queryset=links))
    rows = _rows(events, editor=editor)
    undated = (
        DatedMention.objects.filter(date__isnull=True, event_link__isnull=True)
        .exclude(status=DatedMention.Status.REJECTED)
        .select_related("article__source")
        .order_by("article__title", "start")
    )
    if not editor:
        undated = undated.filter(article__status=Article.Status.PUBLISHED)
    context = {
        "form": form,
        "filtered": filtered,
        "years": _by_year(rows),
        "event_count": len(rows),
        "report_count": sum(len(r.reports) for r in rows),
        "undated": [] if filtered else [Report(m.article, m.expression, reporting_sentence(m)) for m in undated],
    }
    return render(request, "timeline/index.html", context)
