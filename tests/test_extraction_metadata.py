"""Tests for metadata: title, byline, date, dateline, tags, outlet and language, each with its origin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from articles.extraction.clean import clean
from articles.extraction.metadata import read_metadata
from articles.extraction.types import DateOrder, Hints, Origin, Precision, ReviewReason, SourcePattern

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
RUDAW = (
    SourcePattern("rudaw", "Rudaw moderates all comments", "named"),
    SourcePattern("rudaw", r"^[A-Z]+, Kurdistan Region\s*[–—-]", "style", is_regex=True),
)


def meta(raw: str, **hints):
    h = Hints(**hints)
    return read_metadata(raw, clean(raw, hints=h), hints=h)


def seed(n: int, **hints):
    return meta(SEEDS[n].read_text(encoding="utf-8"), **hints)


# --- The seeds ---


def test_seed_000_reads_headline_date_tags_dateline_and_named_outlet():
    m = seed(0, source_patterns=RUDAW)
    assert m.title == "NATO chief: We’ll stay in Iraq as long as necessary"
    assert m.title_origin is Origin.TEXT
    assert m.authors == ()
    assert m.published_on.date == dt.date(2018, 3, 5)
    assert m.published_on.origin is Origin.TEXT
    assert m.published_on.precision is Precision.DAY
    assert m.tags == ("NATO Iraqi Security Forces",)
    assert m.dateline == "ERBIL, Kurdistan Region"
    assert (m.source_slug, m.source_origin) == ("rudaw", Origin.TEXT)
    assert m.language == "en"
    assert m.review_reasons == ()


def test_seed_000_outlet_name_line_is_not_an_author_even_unmapped():
    assert seed(0).authors == ()


def test_seed_001_reads_byline_with_dates_and_flags_unknown_outlet():
    m = seed(1, source_patterns=RUDAW)
    assert m.title == "NATO expected to step up support to Iraq- Stoltenberg"
    assert m.authors == ("Mohammad Ghazal",)
    assert m.authors_origin is Origin.TEXT
    assert m.published_on.date == dt.date(2020, 2, 12)
    assert m.dateline == "BRUSSELS"
    assert m.captions[0].endswith("(Photo courtesy of NATO)")
    assert (m.source_slug, m.source_origin) == ("", None)
    assert m.review_reasons == (ReviewReason.OUTLET_UNKNOWN,)


def test_seed_002_without_header_has_no_title_author_or_date():
    m = seed(2, source_patterns=RUDAW)
    assert (m.title, m.authors, m.published_on, m.dateline) == ("", (), None, "")
    assert m.review_reasons == (
        ReviewReason.OUTLET_UNKNOWN,
        ReviewReason.TITLE_MISSING,
        ReviewReason.DATE_UNKNOWN,
    )


def test_seed_003_outlet_from_a_house_style_is_inferred_and_flagged():
    m = seed(3, source_patterns=RUDAW)
    assert m.title == "NATO to expand training mission in Iraq"
    assert m.authors == ()
    assert m.published_on is None
    assert (m.source_slug, m.source_origin) == ("rudaw", Origin.INFERRED)
    assert m.review_reasons == (ReviewReason.OUTLET_INFERRED, ReviewReason.DATE_UNKNOWN)


def test_seed_004_reads_name_line_printed_twice_as_one_author():
    m = seed(4, source_patterns=RUDAW)
    assert m.title == "Kadhimi calls for expansion of partnership with NATO"
    assert m.authors == ("Lawk Ghafuri",)
    assert m.published_on.date == dt.date(2020, 5, 8)
    assert m.source_slug == "rudaw"
    assert m.review_reasons == ()


def test_seed_004_day_first_outlet_and_friday_agree_on_8_may():
    m = seed(4, source_patterns=RUDAW, date_orders={"rudaw": DateOrder.DAY_FIRST})
    assert m.published_on.date == dt.date(2020, 5, 8)
    assert m.published_on.confidence >= 0.9


def test_outlet_order_contradicted_by_weekdays_is_ambiguous():
    m = seed(4, source_patterns=RUDAW, date_orders={"rudaw": DateOrder.MONTH_FIRST})
    assert m.published_on is None
    assert ReviewReason.DATE_AMBIGUOUS in m.review_reasons
    assert {s.value for s in m.suggestions} == {"2020-05-08", "2020-08-05"}


# --- Dates ---


def article(header: str, body: str) -> str:
    return header + "\n\n" + body + "\n"


def test_unknown_outlet_numeric_date_settled_by_the_weekday_alone():
    # 04-03-2021: Thursday 4 March (DMY) or Saturday 3 April (MDY).
    raw = article(
        "Port reopens after strike\n\n04-03-2021",
        "Dockers returned to work on Thursday after a three-week strike, the union said Thursday.",
    )
    m = meta(raw)
    assert m.published_on.date == dt.date(2021, 3, 4)
    assert m.published_on.origin is Origin.TEXT
    assert ReviewReason.DATE_AMBIGUOUS not in m.review_reasons


def test_same_date_with_other_weekday_reads_month_first():
    raw = article(
        "Port reopens after strike\n\n04-03-2021",
        "Dockers returned to work on Saturday after a three-week strike, the union said on Friday.",
    )
    assert meta(raw).published_on.date == dt.date(2021, 4, 3)


def test_numeric_date_that_neither_reading_fits_is_ambiguous_with_both_offered():
    # 03-04-2020: Friday 3 April or Wednesday 4 March; a Sunday is days before both.
    raw = article(
        "Clinic opens in the old town\n\n03-04-2020",
        "The clinic, which was inaugurated on Sunday, will treat up to 200 patients a day.",
    )
    m = meta(raw)
    assert m.published_on is None
    assert ReviewReason.DATE_AMBIGUOUS in m.review_reasons
    assert ReviewReason.DATE_UNKNOWN not in m.review_reasons
    assert sorted(s.value for s in m.suggestions) == ["2020-03-04", "2020-04-03"]
    assert all(s.field == "published_on" and "03-04-2020" in s.evidence for s in m.suggestions)


def test_numeric_date_without_weekday_or_outlet_order_is_ambiguous():
    raw = article("Clinic opens in the old town\n\n03-04-2020", "The clinic will treat 200 patients a day.")
    m = meta(raw)
    assert m.published_on is None
    assert m.review_reasons[-1] is ReviewReason.DATE_AMBIGUOUS


def test_numeric_date_follows_the_default_order_when_nothing_contradicts_it():
    raw = article("Clinic opens in the old town\n\n03-04-2020", "The clinic will treat 200 patients a day.")
    assert meta(raw, default_date_order=DateOrder.MONTH_FIRST).published_on.date == dt.date(2020, 3, 4)
    assert meta(raw, default_date_order=DateOrder.DAY_FIRST).published_on.date == dt.date(2020, 4, 3)


def test_numeric_date_with_a_day_above_twelve_needs_no_order():
    raw = article("Clinic opens in the old town\n\n25/04/2020", "The clinic will treat 200 patients a day.")
    m = meta(raw, default_date_order=DateOrder.MONTH_FIRST)
    assert m.published_on.date == dt.date(2020, 4, 25)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("12 February 2020", dt.date(2020, 2, 12)),
        ("Jan 5th, 2020", dt.date(2020, 1, 5)),
        ("2020-02-12", dt.date(2020, 2, 12)),
        ("Published: 12 February 2020", dt.date(2020, 2, 12)),
        ("Posted on Thursday, March 4, 2021 10:32 AM", dt.date(2021, 3, 4)),
        ("By Mohammad Ghazal - Feb 12,2020 - Last updated at Feb 13,2020", dt.date(2020, 2, 12)),
        ("Last updated at Feb 13,2020 | Published: Feb 12, 2020", dt.date(2020, 2, 12)),
    ],
)
def test_date_forms_in_the_header(line, expected):
    raw = article("Ministers meet in Brussels\n\n" + line, "Ministers met on Wednesday to discuss the budget.")
    m = meta(raw)
    assert m.published_on.date == expected
    assert m.published_on.origin is Origin.TEXT
    assert line not in m.title


def test_month_and_year_give_month_precision():
    raw = article("Ministers meet in Brussels\n\nFebruary 2020", "Ministers met to discuss the budget.")
    assert meta(raw).published_on.precision is Precision.MONTH


def test_a_day_and_month_without_year_is_not_a_publication_date():
    raw = article("Ministers meet in Brussels", "The talks ended on Feb. 13, a spokesman said.")
    m = meta(raw)
    assert m.published_on is None
    assert ReviewReason.DATE_UNKNOWN in m.review_reasons


def test_url_path_date_is_used_when_the_text_has_none():
    raw = article("Ministers meet in Brussels", "Ministers met to discuss the budget.")
    m = meta(raw, manifest={"url": "https://news.example.com/2018/06/12/ministers-meet/"})
    assert m.published_on.date == dt.date(2018, 6, 12)
    assert m.published_on.origin is Origin.URL
    assert m.url == "https://news.example.com/2018/06/12/ministers-meet/"


def test_manifest_date_overrides_the_text_and_editor_date_overrides_both():
    raw = article("Ministers meet in Brussels\n\n12 February 2020", "Ministers met to discuss the budget.")
    m = meta(raw, manifest={"published_on": "2020-02-11"})
    assert (m.published_on.date, m.published_on.origin) == (dt.date(2020, 2, 11), Origin.MANIFEST)
    m = meta(raw, manifest={"published_on": "2020-02-11"}, published_on=dt.date(2020, 2, 10))
    assert (m.published_on.date, m.published_on.origin) == (dt.date(2020, 2, 10), Origin.EDITOR)


def test_editor_date_clears_date_review_reasons():
    raw = article("Clinic opens in the old town\n\n03-04-2020", "The clinic will treat 200 patients a day.")
    m = meta(raw, published_on=dt.date(2020, 4, 3))
    assert not {ReviewReason.DATE_AMBIGUOUS, ReviewReason.DATE_UNKNOWN} & set(m.review_reasons)


# --- Bylines, datelines, tags ---


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("By Jane Doe and John Roe | Reuters", ("Jane Doe", "John Roe")),
        ("by Ana Lima · 3 March 2021", ("Ana Lima",)),
        ("By Jean-Luc de la Fontaine, Senior Correspondent", ("Jean-Luc de la Fontaine",)),
        ("By Sara Al-Mansour, Omar Khalid & Li Wei", ("Sara Al-Mansour", "Omar Khalid", "Li Wei")),
        ("By The Associated Press", ()),
        ("By Staff Writer", ()),
    ],
)
def test_byline_forms_give_people_only(line, authors):
    raw = article("Ministers meet in Brussels\n\n" + line, "Ministers met to discuss the budget on Monday.")
    m = meta(raw)
    assert m.authors == authors
    assert "Ministers met" in clean(raw, hints=Hints()).body


def test_outlet_name_line_named_by_a_pattern_is_not_an_author():
    patterns = (SourcePattern("kurdistan-daily", "Kurdistan Daily", "named"),)
    raw = article("Ministers meet in Brussels\n\nKurdistan Daily", "Ministers met to discuss the budget.")
    m = meta(raw, source_patterns=patterns)
    assert m.authors == ()
    assert (m.source_slug, m.source_origin) == ("kurdistan-daily", Origin.TEXT)


@pytest.mark.parametrize(
    ("first", "dateline"),
    [
        ("WASHINGTON (AP) — The Senate passed the budget on Tuesday.", "WASHINGTON"),
        ("BRUSSELS— NATO ministers met on Wednesday.", "BRUSSELS"),
        ("SULAIMANI, Kurdistan Region – Protesters gathered on Sunday.", "SULAIMANI, Kurdistan Region"),
        ("NEW YORK, March 4 (Reuters) - Stocks rose on Monday.", "NEW YORK"),
        ("The Senate passed the budget on Tuesday - a first in years.", ""),
        ("NATO ministers met on Wednesday in Brussels.", ""),
    ],
)
def test_dateline_is_read_from_the_first_body_paragraph_and_kept_in_it(first, dateline):
    raw = article("Ministers meet again", first)
    m = meta(raw)
    assert m.dateline == dateline
    assert clean(raw, hints=Hints()).body.startswith(first)


def test_tags_split_at_separators():
    raw = article("Ministers meet in Brussels\n\nTopics: NATO, Iraq; Defence | Europe", "Ministers met on Monday.")
    assert meta(raw).tags == ("NATO", "Iraq", "Defence", "Europe")


# --- Manifest and outlet ---


def test_manifest_values_override_extraction_with_origin_manifest():
    raw = article("Ministers meet in Brussels\n\nBy Jane Doe", "Ministers met to discuss the budget.")
    m = meta(raw, manifest={"title": "Ministers Meet", "authors": "Ann Lee; Bo Kim", "source": "rudaw"})
    assert (m.title, m.title_origin) == ("Ministers Meet", Origin.MANIFEST)
    assert (m.authors, m.authors_origin) == (("Ann Lee", "Bo Kim"), Origin.MANIFEST)
    assert (m.source_slug, m.source_origin) == ("rudaw", Origin.MANIFEST)
    assert m.review_reasons == (ReviewReason.DATE_UNKNOWN,)


def test_url_domain_gives_the_outlet_name_with_origin_url():
    raw = article("Ministers meet in Brussels\n\n12 February 2020", "Ministers met to discuss the budget.")
    m = meta(raw, manifest={"url": "https://www.example-news.com/world/ministers-meet"})
    assert (m.source_slug, m.source_name, m.source_origin) == ("", "example-news.com", Origin.URL)
    assert m.review_reasons == ()


def test_url_matching_a_pattern_gives_the_slug():
    patterns = (SourcePattern("rudaw", "rudaw.net", "named"),)
    raw = article("Ministers meet in Brussels\n\n12 February 2020", "Ministers met to discuss the budget.")
    m = meta(raw, manifest={"url": "https://www.rudaw.net/english/1234"}, source_patterns=patterns)
    assert (m.source_slug, m.source_origin) == ("rudaw", Origin.URL)


def test_style_pattern_alone_never_presents_the_outlet_as_fact():
    raw = article("Ministers meet again", "ERBIL, Kurdistan Region – Ministers met on Monday.")
    m = meta(raw, source_patterns=RUDAW)
    assert m.source_origin is Origin.INFERRED
    assert ReviewReason.OUTLET_INFERRED in m.review_reasons


# --- Language ---


def test_spanish_article_is_flagged_unsupported():
    raw = article(
        "La OTAN ampliará su misión en Irak",
        "La OTAN ampliará su misión de entrenamiento en Irak, anunció el viernes el secretario general "
        "de la alianza tras una reunión de los ministros de Defensa en Bruselas.",
    )
    m = meta(raw)
    assert m.language == "es"
    assert ReviewReason.LANGUAGE_UNSUPPORTED in m.review_reasons


def test_short_english_text_is_english():
    m = meta(article("NATO chief visits", "Stoltenberg said Wednesday."))
    assert m.language == "en"
    assert ReviewReason.LANGUAGE_UNSUPPORTED not in m.review_reasons
