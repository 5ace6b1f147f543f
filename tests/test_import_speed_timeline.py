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
