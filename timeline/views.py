"""Public pages of the timeline app: the merged story, events in order with the articles that report them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from articles.api.links import Paths
from articles.caching import cached_page
from articles.models import PRECISION_CHOICES, Article, DatedMention, Person, Source, Story
from articles.views import page_size, person_named
from timeline.api.filters import EventFilter
from timeline.api.serializers import first_reports, report_rows, report_sentence, visible_links
from timeline.matching import format_date
from timeline.models import (
    Event,
    reporting_sentence,
)

# Events on one page of the timeline: a page is read, not scrolled through for minutes.
EVENTS_PER_PAGE = 50
# Reports shown under an event on the timeline, oldest first; the event's own page lists them all.
REPORTS_SHOWN = 3
# Reports on one page of an event's own page, and undated reports on one page of their list.
REPORTS_PER_PAGE = 50
UNDATED_SHOWN = 20


def is_editor(request: HttpRequest) -> bool:
    """Whether the reader sees the reports of unpublished articles too."""
    return request.user.is_authenticated and request.user.has_perm("timeline.view_event")


def visible_events(*, editor: bool) -> QuerySet[Event]:
    """Events with at least one report the reader may see."""
    if not editor:
        return Event.objects.public()
    return Event.objects.filter(Exists(visible_links(editor=True).filter(event=OuterRef("pk"))))


class PersonField(forms.CharField):
    """A person or organisation by name, alias or slug: a text box, not a list of every person the archive knows."""

    def __init__(self, *, kind: str | None = None, **kwargs) -> None:
        super().__init__(required=False, max_length=200, **kwargs)
        self.kind = kind

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return ""
        person = person_named(text)
        if person is None or (self.kind and person.kind != self.kind):
            noun = "organisation" if self.kind == Person.Kind.ORGANISATION else "person or organisation"
            raise forms.ValidationError(f"No {noun} of that name in the archive.")
        return person.slug


class TimelineFilterForm(forms.Form):
    """The page's filters; they feed the API's FilterSet, so page and API narrow alike."""

    person = PersonField(label="Person")
    organisation = PersonField(label="Organisation", kind=Person.Kind.ORGANISATION)
    source = forms.ChoiceField(required=False)
    story = forms.ChoiceField(required=False)
    precision = forms.ChoiceField(required=False, choices=[("", "Any precision"), *PRECISION_CHOICES])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Outlets and stories are few (editors make them); an EXISTS stops at each one's first published article.
        published = Article.objects.published()
        outlets = Source.objects.filter(Exists(published.filter(source=OuterRef("pk")))).order_by("name")
        self.fields["source"].choices = [("", "Any outlet")] + list(outlets.values_list("slug", "name"))
        self.fields["story"].choices = [("", "Any story")] + list(Story.objects.values_list("slug", "title"))


@dataclass
class Report:
    """A sentence of an article reporting a happening, as a list shows it."""

    url: str
    title: str
    source: str
    published_on: dt.date | None
    expression: str
    sentence: str

    @classmethod
    def of(cls, mention: DatedMention) -> Report:
        """The report of ``mention`` (its article and outlet read with it)."""
        article = mention.article
        return cls(
            url=article.get_absolute_url(),
            title=article.title or article.original_filename,
            source=article.source.name if article.source else "",
            published_on=article.published_on,
            expression=mention.expression,
            sentence=reporting_sentence(mention),
        )


@dataclass
class EventRow:
    event: Event
    url: str
    date_label: str
    reports: list[Report]
    report_count: int

    @property
    def machine_date(self) -> str:
        """The date for <time datetime>, at its precision ("2018", "2020-01", "2020-01-03")."""
        date = self.event.date
        return {"year": f"{date:%Y}", "month": f"{date:%Y-%m}"}.get(self.event.precision, date.isoformat())

    @property
    def more(self) -> int:
        """Reports not shown under the event on the timeline."""
        return self.report_count - len(self.reports)


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


def _report(row: dict, article_url: Paths) -> Report:
    """A report row (the API's ``report_rows``) as the pages show it."""
    return Report(
        url=article_url(row["article_slug"]),
        title=row["article_title"] or row["article_filename"],
        source=row["article_source"] or "",
        published_on=row["article_published_on"],
        expression=row["expression"],
        sentence=report_sentence(row),
    )


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


# A place on the timeline: (date, precision rank, id), the order chronological() sorts by.
Key = tuple[dt.date, int, int]


def _key(event: Event) -> Key:
    return (event.date, event.precision_rank, event.pk)


def _cursor(key: Key) -> str:
    return f"{key[0].isoformat()}.{key[1]}.{key[2]}"


def _parse_cursor(text: str | None) -> Key | None:
    try:
        day, rank, pk = (text or "").split(".")
        return (dt.date.fromisoformat(day), int(rank), int(pk))
    except ValueError:
        return None


def _beyond(events: QuerySet[Event], key: Key, *, later: bool) -> QuerySet[Event]:
    """``events`` after (or before) ``key`` on the timeline; the bare date bound lets an index find the start."""
    day, rank, pk = key
    if later:
        return events.filter(date__gte=day).filter(
            Q(date__gt=day) | Q(date=day, precision_rank__gt=rank) | Q(date=day, precision_rank=rank, pk__gt=pk)
        )
    return events.filter(date__lte=day).filter(
        Q(date__lt=day) | Q(date=day, precision_rank__lt=rank) | Q(date=day, precision_rank=rank, pk__lt=pk)
    )


def _page(request: HttpRequest, events: QuerySet[Event]) -> list[Event]:
    """The events of the page the request names: after or before a cursor, from a year, or the first."""
    events = events.dated().chronological()
    size = page_size(request, EVENTS_PER_PAGE)
    before = _parse_cursor(request.GET.get("before"))
    if before is not None:
        page = list(_beyond(events, before, later=False).reverse()[:size])
        return page[::-1]
    after = _parse_cursor(request.GET.get("after"))
    if after is not None:
        events = _beyond(events, after, later=True)
    else:
        year = request.GET.get("year", "")
        if year.isdigit() and 1 <= int(year) <= 9999:
            events = events.filter(date__gte=dt.date(int(year), 1, 1))
    return list(events[:size])


def _undated(*, editor: bool) -> QuerySet[DatedMention]:
    """Dated mentions no date could be fixed for yet (so on no event), by article title."""
    undated = (
        DatedMention.objects.filter(date__isnull=True, event_link__isnull=True)
        .exclude(status=DatedMention.Status.REJECTED)
        .select_related("article__source")
        .order_by("article__title", "start")
    )
    return undated if editor else undated.filter(article__status=Article.Status.PUBLISHED)


@require_safe
@cached_page
def timeline_index(request: HttpRequest) -> HttpResponse:
    """The merged story, a page of events at a time: oldest first, by year and month, each citing its articles."""
    editor = is_editor(request)
    form = TimelineFilterForm(request.GET or None)
    events = visible_events(editor=editor)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        events = EventFilter(filters, queryset=events, request=request).qs
    page = _page(request, events)
    # The first and last events of the whole (filtered) timeline: index scans that stop at once.
    ordered = events.dated().chronological().only("id", "date", "precision")
    first, last = ordered.first(), ordered.reverse().first()
    reports = first_reports([event.pk for event in page], editor=editor, shown=REPORTS_SHOWN)
    event_url, article_url = Paths("timeline:event", kwarg="pk"), Paths("articles:article")
    rows = []
    for event in page:
        found = reports[event.pk]
        label = format_date(event.date, event.precision, event.end_date)
        shown = [_report(row, article_url) for row in found.rows]
        rows.append(EventRow(event, event_url(event.pk), label, shown, found.count))
    earlier = bool(page) and _key(page[0]) != _key(first)
    later = bool(page) and _key(page[-1]) != _key(last)
    context = {
        "form": form,
        "filtered": bool(filters),
        "years": _by_year(rows),
        "event_count": len(rows),
        "page_size": page_size(request, EVENTS_PER_PAGE),
        "first": rows[0] if rows else None,
        "last": rows[-1] if rows else None,
        "earlier": _cursor(_key(page[0])) if earlier else None,
        "later": _cursor(_key(page[-1])) if later else None,
        "all_years": list(range(first.date.year, last.date.year + 1)) if first else [],
        # The JSON link carries the filters as the API reads them (people by slug), not the paging.
        "filter_query": urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in filters.items()}),
    }
    # Undated reports wait at the end of the unfiltered timeline, on its last page.
    if not filters and not later:
        undated = _undated(editor=editor)
        context["undated"] = [Report.of(m) for m in undated.defer("article__raw_text")[:UNDATED_SHOWN]]
        context["undated_count"] = (
            len(context["undated"]) if len(context["undated"]) < UNDATED_SHOWN else undated.count()
        )
    return render(request, "timeline/index.html", context)


@require_safe
@cached_page
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event with every report of it, oldest article first, a page of reports at a time."""
    editor = is_editor(request)
    event = visible_events(editor=editor).filter(pk=pk).first()
    if event is None:
        raise Http404("No such event.")
    links = visible_links(editor=editor).filter(event=event).reading_order()
    page = Paginator(report_rows(links), REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    article_url = Paths("articles:article")
    reports = [_report(row, article_url) for row in page.object_list]
    label = format_date(event.date, event.precision, event.end_date)
    row = EventRow(event, request.path, label, reports, page.paginator.count)
    return render(request, "timeline/event_detail.html", {"row": row, "page": page})


@require_safe
@cached_page
def undated_list(request: HttpRequest) -> HttpResponse:
    """Every report whose date cannot be fixed yet, a page at a time."""
    undated = _undated(editor=is_editor(request)).defer("article__raw_text")
    page = Paginator(undated, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    reports = [Report.of(m) for m in page]
    return render(request, "timeline/undated.html", {"page": page, "reports": reports})
