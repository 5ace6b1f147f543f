"""Tests for the cleaning step: which paragraphs are the story, and why the others were removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.extraction.clean import PARAGRAPH_SEPARATOR, LineKind, OffsetMap, build_body, clean
from articles.extraction.types import Hints, RemovalReason

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
BOILERPLATE = (
    "moderates all comments",
    "Required",
    "A+ A-",
    "You are here",
    "users have voted",
    "Newsletter",
    "emailed to you",
    "PDF",
    "The Latest",
    "Post a comment",
    "community guidelines",
    "Tags:",
)


def seed(n: int) -> str:
    return SEEDS[n].read_text(encoding="utf-8")


def reasons_of(cleaned, fragment: str) -> list[RemovalReason]:
    return [s.reason for s in cleaned.removed_spans if fragment in s.text]


def assert_consistent(raw: str, cleaned) -> None:
    """Body, segments and removed spans all point at the raw text exactly."""
    assert cleaned.body == build_body(raw, [(s.raw_start, s.raw_end) for s in cleaned.removed_spans])[0]
    for span in cleaned.removed_spans:
        assert raw[span.raw_start : span.raw_end] == span.text
    offsets = OffsetMap(cleaned.segments)
    for seg in cleaned.segments:
        text = cleaned.body[seg.start : seg.start + seg.length]
        assert raw[seg.raw_start : seg.raw_start + seg.length] == text
        assert offsets.to_raw(seg.start) == seg.raw_start
        assert offsets.to_raw(seg.start + seg.length) == seg.raw_start + seg.length
        assert offsets.to_body(seg.raw_start) == seg.start
    for span in cleaned.removed_spans:
        assert offsets.to_body(span.raw_start) is None or span.raw_start in {
            s.raw_start + s.length for s in cleaned.segments
        }


@pytest.mark.parametrize("n", range(5))
def test_seed_bodies_hold_no_boilerplate_line(n):
    raw = seed(n)
    cleaned = clean(raw, hints=Hints())
    assert cleaned.body
    for fragment in BOILERPLATE:
        assert fragment not in cleaned.body, fragment
    assert_consistent(raw, cleaned)


def test_seed_header_lines_are_removed_as_metadata_not_body():
    cleaned = clean(seed(0), hints=Hints())
    assert cleaned.body.startswith("ERBIL, Kurdistan Region – During a visit")
    assert [(h.kind, h.text) for h in cleaned.header] == [
        (LineKind.TITLE, "NATO chief: We’ll stay in Iraq as long as necessary"),
        (LineKind.DATE, "05-03-2018"),
        (LineKind.LABEL, "Rudaw"),
        (LineKind.TAGS, "Tags: NATO Iraqi Security Forces"),
    ]
    assert reasons_of(cleaned, "05-03-2018") == [RemovalReason.METADATA]
    assert reasons_of(cleaned, "A+ A-") == [RemovalReason.CHROME]


def test_headline_just_above_the_comments_is_a_teaser():
    cleaned = clean(seed(0), hints=Hints())
    assert reasons_of(cleaned, "Analysis: Foreign forces likely") == [RemovalReason.TEASER]
    assert cleaned.body.endswith("in the Hawija and Kirkuk areas recently.")


def test_comment_section_is_one_span_with_reason_comments():
    cleaned = clean(seed(0), hints=Hints())
    comments = [s for s in cleaned.removed_spans if s.reason is RemovalReason.COMMENTS]
    assert len(comments) == 1
    assert comments[0].text.startswith("Comments")
    assert comments[0].text.endswith("Required")


def test_photo_caption_under_the_byline_goes_to_captions():
    cleaned = clean(seed(1), hints=Hints())
    assert len(cleaned.captions) == 1
    assert cleaned.captions[0].endswith("(Photo courtesy of NATO)")
    assert reasons_of(cleaned, "(Photo courtesy of NATO)") == [RemovalReason.CAPTION]
    assert cleaned.body.startswith("BRUSSELS— NATO defence ministers")


def test_trailing_vote_counter_and_newsletter_prompt_are_removed():
    cleaned = clean(seed(1), hints=Hints())
    assert reasons_of(cleaned, "70 users have voted") == [RemovalReason.CHROME]
    assert reasons_of(cleaned, "Get top stories") == [RemovalReason.NEWSLETTER]
    assert cleaned.body.endswith("discussed during the two-day gathering.")


def test_first_line_that_is_a_sentence_stays_in_the_body():
    raw = seed(2)
    cleaned = clean(raw, hints=Hints())
    assert cleaned.header == ()
    assert cleaned.removed_spans == ()
    assert cleaned.body.startswith("The Iraqi government has given NATO the green light")


def test_repeated_body_is_kept_once_and_the_copy_removed_as_duplicate():
    raw = seed(3)
    cleaned = clean(raw, hints=Hints())
    paras = cleaned.body.split(PARAGRAPH_SEPARATOR)
    assert len(paras) == len(set(paras)) == 8
    duplicates = [s for s in cleaned.removed_spans if s.reason is RemovalReason.DUPLICATE]
    assert len(duplicates) == 7
    assert all(raw.index(s.text) < s.raw_start for s in duplicates)


def test_name_printed_twice_under_the_date_is_metadata():
    cleaned = clean(seed(4), hints=Hints())
    assert [h.kind for h in cleaned.header] == [LineKind.TITLE, LineKind.DATE, LineKind.NAME, LineKind.NAME]
    assert reasons_of(cleaned, "Lawk Ghafuri") == [RemovalReason.METADATA, RemovalReason.METADATA]


def test_everything_from_the_latest_on_is_a_teaser():
    cleaned = clean(seed(4), hints=Hints())
    teaser = [s for s in cleaned.removed_spans if s.reason is RemovalReason.TEASER]
    assert len(teaser) == 1
    assert teaser[0].text.startswith("The Latest")
    assert "Kurdish farmers" in teaser[0].text
    assert "Kurdish farmers" not in cleaned.body
    assert cleaned.captions == ()  # the teaser's photo is not this article's


AP_STYLE = """\
Home > World > Middle East

Senate passes budget after late-night vote

By Jane Doe and John Roe | Reuters

Published: 12 February 2020

Share on Facebook

Lawmakers applaud after the vote in Washington. (AP Photo/Jacquelyn Martin)

WASHINGTON (AP) — The Senate passed the budget late on Tuesday after a long debate, sending it on.

"This is a good day," the majority leader told reporters after the vote.

Advertisement

Sign up for our daily newsletter to get the news in your inbox.

Critics said the bill would add to the deficit, and several senators voted against it.

Related: House leaders weigh next steps on spending

The bill now goes to the White House, where the president is expected to sign it this week.

Most Read

Storm knocks out power across the region

Copyright 2020 The Associated Press. All rights reserved.
"""


def test_other_outlet_layout_keeps_only_the_story():
    cleaned = clean(AP_STYLE, hints=Hints())
    assert cleaned.body.split(PARAGRAPH_SEPARATOR) == [
        "WASHINGTON (AP) — The Senate passed the budget late on Tuesday after a long debate, sending it on.",
        '"This is a good day," the majority leader told reporters after the vote.',
        "Critics said the bill would add to the deficit, and several senators voted against it.",
        "The bill now goes to the White House, where the president is expected to sign it this week.",
    ]
    assert_consistent(AP_STYLE, cleaned)


def test_other_outlet_layout_gives_each_removal_its_reason():
    cleaned = clean(AP_STYLE, hints=Hints())
    assert reasons_of(cleaned, "Home > World") == [RemovalReason.CHROME]
    assert reasons_of(cleaned, "Share on Facebook") == [RemovalReason.CHROME]
    assert reasons_of(cleaned, "Advertisement") == [RemovalReason.CHROME]
    assert reasons_of(cleaned, "daily newsletter") == [RemovalReason.NEWSLETTER]
    assert reasons_of(cleaned, "(AP Photo/") == [RemovalReason.CAPTION]
    assert reasons_of(cleaned, "Related: House leaders") == [RemovalReason.TEASER]
    assert reasons_of(cleaned, "Storm knocks out power") == [RemovalReason.TEASER]
    assert [(h.kind, h.text) for h in cleaned.header] == [
        (LineKind.TITLE, "Senate passes budget after late-night vote"),
        (LineKind.BYLINE, "By Jane Doe and John Roe | Reuters"),
        (LineKind.DATE, "Published: 12 February 2020"),
    ]


def test_caption_inside_the_story_is_removed_and_collected():
    raw = (
        "Flood waters rise in the north\n\n"
        "MOSUL, Iraq — Heavy rain flooded several villages on Sunday, officials said.\n\n"
        "Residents wade through a flooded street in Mosul. (AFP)\n\n"
        "Rescue teams evacuated hundreds of families, the civil defence said.\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert cleaned.captions == ("Residents wade through a flooded street in Mosul. (AFP)",)
    assert "Residents wade" not in cleaned.body
    assert "Rescue teams evacuated" in cleaned.body


def test_short_line_without_period_mid_story_is_kept_when_no_tail_follows():
    raw = (
        "Talks resume in Geneva\n\n"
        "GENEVA — Negotiators returned to the table on Monday after a week-long pause in the talks.\n\n"
        "What comes next\n\n"
        "Diplomats expect a draft agreement by the end of the month, two officials said.\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert "What comes next" in cleaned.body


def test_body_sentence_mentioning_comments_is_not_cut_off():
    raw = (
        "Minister defends reform\n\n"
        "The minister defended the reform on Monday, saying it would cut costs for families.\n\n"
        "Asked about the criticism, she said the comments were unfair and that critics had not read it.\n\n"
        "The bill goes to a vote next week.\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert "comments were unfair" in cleaned.body
    assert cleaned.body.endswith("The bill goes to a vote next week.")


def test_short_repeated_line_is_not_taken_for_a_duplicate_paragraph():
    raw = (
        "Crowd chants in the square\n\n"
        "Thousands gathered in the square on Friday, chanting slogans against the government.\n\n"
        "“No more.”\n\n"
        "Police watched from a distance as the protest continued into the night.\n\n"
        "“No more.”\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert cleaned.body.count("“No more.”") == 2


LINES = st.sampled_from(
    [
        "You are here",
        "Fire crews battle blaze near port",
        "By Ana Lima · 3 March 2021",
        "12-04-2021",
        "Omar Said",
        "Tags: Fire, Port",
        "A+ A-",
        "BEIRUT — Fire crews fought a large blaze near the port on Monday, the civil defence said.",
        "“We are doing everything we can,” a fire chief said.",
        "Residents were told to keep their windows closed as smoke drifted over the city.",
        "Firefighters spray water at the port. Photo: Staff/Reuters",
        "Advertisement",
        "Comments",
        "Required",
        "The Latest",
        "Storm warning issued for the coast",
        "Newsletter",
        "\u00a0",
        "***",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(LINES, st.sampled_from(["\n", "\n\n", " \n", "\u00a0\n\n", "\r\n"])), max_size=14),
    st.sampled_from(["", "\n", "\ufeff", "  "]),
)
def test_offsets_of_body_and_removed_spans_map_back_to_the_raw_text(lines, prefix):
    raw = prefix + "".join(text + end for text, end in lines)
    cleaned = clean(raw, hints=Hints())
    assert_consistent(raw, cleaned)
    kept = list(cleaned.segments)
    removed = [(s.raw_start, s.raw_end) for s in cleaned.removed_spans]
    for seg in kept:
        assert not any(a <= seg.raw_start and seg.raw_start + seg.length <= b for a, b in removed)


def test_kicker_above_the_headline_is_a_label_not_the_title():
    raw = (
        "Middle East\n\n"
        "Ministers agree on a new aid package for Syria\n\n"
        "Ana Lima\n\n"
        "BEIRUT — Ministers agreed on a new aid package on Monday, diplomats said.\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert [(h.kind, h.text) for h in cleaned.header] == [
        (LineKind.LABEL, "Middle East"),
        (LineKind.TITLE, "Ministers agree on a new aid package for Syria"),
        (LineKind.NAME, "Ana Lima"),
    ]


def test_two_word_headline_is_still_the_title():
    raw = "Kadhimi resigns\n\nOmar Said\n\nBAGHDAD — The prime minister resigned on Sunday, his office said.\n"
    cleaned = clean(raw, hints=Hints())
    assert [(h.kind, h.text) for h in cleaned.header] == [
        (LineKind.TITLE, "Kadhimi resigns"),
        (LineKind.NAME, "Omar Said"),
    ]


def test_story_about_moderation_and_photos_is_not_cut_off():
    raw = (
        "Platform tightens its rules\n\n"
        "The platform said on Monday it would moderate comments under its community guidelines.\n\n"
        "The photo by an agency photographer showed moderators at work in a Dublin office.\n\n"
        "Critics said the change came too late.\n"
    )
    cleaned = clean(raw, hints=Hints())
    assert cleaned.body.split(PARAGRAPH_SEPARATOR)[1:] == [
        "The photo by an agency photographer showed moderators at work in a Dublin office.",
        "Critics said the change came too late.",
    ]
    assert cleaned.captions == ()
