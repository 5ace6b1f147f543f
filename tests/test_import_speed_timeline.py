"""Merging reads only what it uses: importing, re-extracting and refreshing load no field it left out."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Model

from timeline import services
from timeline.matching import DateSpan
from timeline.models import Event, EventMention, Statement, StatementQuote


@pytest.mark.django_db
def test_merging_loads_no_field_it_left_out(seeds_dir, monkeypatch):
    loads = []
    refresh_from_db = Model.refresh_from_db

    def recorded(self, *args, **kwargs):
        loads.append((type(self).__name__, kwargs.get("fields")))
        return refresh_from_db(self, *args, **kwargs)

    monkeypatch.setattr(Model, "refresh_from_db", recorded)
    call_command("import_articles", str(seeds_dir), "--jobs", "1", stdout=io.StringIO())
    call_command("import_articles", str(seeds_dir), "--jobs", "1", "--reextract", stdout=io.StringIO())
    for event in Event.objects.order_by("pk"):
        services.event_refresh(event=event)
    for statement in Statement.objects.order_by("pk"):
        services.statement_refresh(statement=statement)
    # The seeds report some happenings and some words more than once: merging compared reports.
    assert EventMention.objects.count() > Event.objects.count()
    assert StatementQuote.objects.count() > Statement.objects.count()
    assert loads == []


def test_date_spans_are_kept_and_the_same_as_computed():
    day = dt.date(2020, 2, 13)
    for end, precision in ((None, "day"), (None, "month"), (None, "year"), (dt.date(2020, 2, 14), "day")):
        span = DateSpan.of(day, end, precision)
        assert span == DateSpan._of(day, end, precision)
        assert DateSpan.of(day, end, precision) is span
    assert DateSpan.of(day, None, "month") == DateSpan(dt.date(2020, 2, 1), dt.date(2020, 2, 29), "month")

    class Other(DateSpan):
        pass

    assert type(Other.of(day, None, "year")) is Other


@pytest.mark.django_db
def test_the_date_condition_holds_for_every_mention_whose_date_agrees():
    """_agreeing_dates narrows the events read in the database: it may keep a mention whose date does not agree,
    never drop one that does (days, months, years and ranges around month and year ends)."""
    from articles.models import DatedMention
    from tests.factories import ArticleFactory, DatedMentionFactory

    article = ArticleFactory()
    base = dt.date(2019, 12, 30)
    kinds = []
    for offset in range(-40, 40, 3):
        day = base + dt.timedelta(days=offset)
        kinds += [(day, None, "day"), (day, None, "month"), (day, day + dt.timedelta(days=5), "day")]
    kinds += [(dt.date(year, 6, 1), None, "year") for year in (2018, 2019, 2020, 2021)]
    mentions = [
        DatedMentionFactory(article=article, date=day, end_date=end, precision=precision)
        for day, end, precision in kinds
    ]
    checked = 0
    for day, end, precision in kinds[::4]:
        span = DateSpan.of(day, end, precision)
        found = set(DatedMention.objects.filter(services._agreeing_dates([span])).values_list("pk", flat=True))
        for mention in mentions:
            other = DateSpan.of(mention.date, mention.end_date, mention.precision)
            if services.matching.date_agreement(span, other) is not None:
                assert mention.pk in found, (span, other)
                checked += 1
        # And it narrows: a day's condition keeps few of the mentions of three months.
        if precision == "day" and end is None:
            assert len(found) < len(mentions) / 2
    assert checked > 100


@pytest.mark.django_db
def test_placing_a_mention_reads_only_the_events_whose_reports_may_agree(monkeypatch):
    """An event whose reports are all months away from a new mention's day is not read (its date is within the
    year the events' dates are searched in), and the mention still joins the event it agrees with."""
    from tests.factories import ArticleFactory, DatedMentionFactory

    far = ArticleFactory()
    for i in range(5):
        DatedMentionFactory(article=far, date=dt.date(2020, 1, 10 + i))
    near = ArticleFactory()
    DatedMentionFactory(article=near, date=dt.date(2020, 6, 2))
    services.events_attach(article=far)
    services.events_attach(article=near)
    far_events = set(EventMention.objects.filter(dated_mention__article=far).values_list("event_id", flat=True))
    near_event = EventMention.objects.get(dated_mention__article=near).event_id

    read: list[int] = []
    may_take = services._may_take

    def recorded(reports, spans):
        read.extend(mention_id for mention_id, _ in reports)
        return may_take(reports, spans)

    monkeypatch.setattr(services, "_may_take", recorded)
    new = ArticleFactory()
    DatedMentionFactory(article=new, date=dt.date(2020, 6, 3))  # the next day: may be the same two-day happening
    services.events_attach(article=new)
    read_events = set(EventMention.objects.filter(dated_mention_id__in=read).values_list("event_id", flat=True))
    assert read_events == {near_event}
    assert not read_events & far_events
    assert EventMention.objects.get(dated_mention__article=new).event_id == near_event


@pytest.mark.django_db
def test_placing_reads_the_people_of_reports_out_of_step_with_their_body_in_one_query():
    """A report whose offsets no longer point at its expression in the body falls back on its stored sentence and
    the people stored with it. Those people are read for all such reports at once: placing a new mention costs as
    many queries whatever the number of reports (one query a report cost seconds a file at 100,000 articles)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ArticleFactory, DatedMentionFactory, PersonFactory

    def report() -> int:
        mention = DatedMentionFactory(article=ArticleFactory())
        assert mention.article.body[mention.start : mention.end] != mention.expression  # out of step
        person = PersonFactory()
        mention.people.add(person)
        services.events_attach(article=mention.article)
        return person.pk

    def queries_to_place_one_more() -> int:
        article = ArticleFactory()
        DatedMentionFactory(article=article)
        with CaptureQueriesContext(connection) as ctx:
            services.events_attach(article=article)
        return len(ctx.captured_queries)

    people = {report() for _ in range(2)}
    few = queries_to_place_one_more()
    people |= {report() for _ in range(6)}
    many = queries_to_place_one_more()

    event = Event.objects.get()  # every report joined the first one's event
    assert event.event_mentions.count() == 10
    assert many == few
    # The people were read right: the event's participants are everyone its reports name.
    assert set(event.participants.values_list("pk", flat=True)) == people
