"""timeline.matching's text helpers: the sentence of a date, and profiles that stay independent of each other."""

from __future__ import annotations

import random

from tests.conftest import SEEDS
from timeline import matching


def _sentence_bounds_by_scanning(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text[start:end]`` found by walking every sentence end: what the indexed lookup must give."""
    begin, stop = 0, len(text)
    for match in matching._SENTENCE_END.finditer(text):
        if match.group().startswith(".") and matching._after_abbreviation(text, match.start()):
            continue
        if match.end() <= start:
            begin = match.end()
        elif match.start() >= end:
            stop = match.start() if match.group().startswith("\n") else match.end()
            break
    while begin < stop and text[begin].isspace():
        begin += 1
    return begin, stop


def test_the_sentence_of_a_date():
    text = 'Talks began. On Jan. 5 the U.S. envoy arrived! "We are ready," he said.\n\nA new paragraph in 2019'
    at = text.index("Jan. 5")
    assert text[slice(*matching.sentence_bounds(text, at, at + 6))] == "On Jan. 5 the U.S. envoy arrived!"
    at = text.index("2019")
    assert text[slice(*matching.sentence_bounds(text, at, at + 4))] == "A new paragraph in 2019"
    at = text.index("ready")
    # A line break ends a sentence before it, not after.
    assert text[slice(*matching.sentence_bounds(text, at, at + 5))] == '"We are ready," he said.'
    assert matching.sentence_bounds("", 0, 0) == (0, 0)


def test_the_sentence_of_any_stretch_is_the_one_walking_the_text_finds():
    rng = random.Random(9)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts.append("Gen. Smith spoke. St. Louis was calm!\n\n\nNo. 5 (the last) went.\nThen 2020 came. a")
    for text in texts:
        for _ in range(300):
            start, end = sorted((rng.randint(0, len(text)), rng.randint(0, len(text))))
            assert matching.sentence_bounds(text, start, end) == _sentence_bounds_by_scanning(text, start, end)
            # Reversed offsets too: the lookup answers whatever the walk answers.
            assert matching.sentence_bounds(text, end, start) == _sentence_bounds_by_scanning(text, end, start)


def test_profiles_of_one_sentence_do_not_share_their_weights():
    sentence = "The ministers met in Brussels on Tuesday to agree the budget."
    at = sentence.index("Tuesday")
    first = matching.profile(sentence, at, at + 7, people=[1], article=1)
    second = matching.profile(sentence, at, at + 7, people=[2], article=2)
    assert first.words == second.words
    assert first.phrases == second.phrases
    assert (first.people, first.article, second.people, second.article) == ({1}, 1, {2}, 2)
    first.words["budget"] = 99.0
    assert second.words["budget"] != 99.0
    assert matching.profile(sentence, at, at + 7).words["budget"] != 99.0


_REASONS = """
import json
from timeline import matching
sentence = "Ministers agreed the budget and signed the treaty in Brussels on Tuesday, after talks on trade rules."
at = sentence.index("Tuesday")
span = matching.DateSpan.of(__import__("datetime").date(2020, 2, 11), None, "day")
a = matching.profile(sentence, at, at + 7, article=1, span=span)
b = matching.profile(sentence, at, at + 7, article=2, span=span)
print(json.dumps(matching.compare(a, b, matching.Vocabulary([(sentence, ())])).reasons))
"""


def test_the_reasons_of_a_match_are_the_same_in_every_process():
    """Equally rare shared phrases and words are named in a set order of their own, not the process's hash order."""
    import os
    import subprocess
    import sys

    answers = {
        subprocess.run(
            [sys.executable, "-c", _REASONS],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(answers) == 1, answers
    assert "shared phrase" in answers.pop()


def _seed_profiles(count: int) -> tuple[list[matching.Profile], matching.Vocabulary]:
    """Profiles of dated-looking stretches of the seeds' sentences, some dates a day apart, some naming people."""
    import datetime as dt

    rng = random.Random(11)
    sentences = [
        s.strip()
        for p in sorted(SEEDS.glob("*.txt"))
        for s in p.read_text(encoding="utf-8").split(". ")
        if len(s.split()) > 8
    ]
    profiles = []
    for i, sentence in enumerate(rng.sample(sentences, count)):
        at = rng.randrange(0, len(sentence) - 5)
        span = matching.DateSpan.of(dt.date(2020, 1, 10 + i % 3), None, "day")
        people = rng.sample([1, 2, 3, 4], rng.randint(0, 2))
        profiles.append(matching.profile(sentence, at, at + 5, people=people, article=i, span=span))
    vocabulary = matching.Vocabulary((sentence, ()) for sentence in sentences)
    return profiles, vocabulary


def _compare_alone(
    a: matching.Profile, b: matching.Profile, vocabulary: matching.Vocabulary, names: dict[int, str]
) -> matching.Match:
    """What compare() must answer, worked out for the pair alone with nothing kept from other pairs: its rules
    written out plainly (weights by rarity, cosine and token-set ratio, the rarest shared phrase and person)."""
    import math

    from rapidfuzz import fuzz

    if a.span is None or b.span is None:
        return matching.Match(0.0, ("undated",), None)
    agreement = matching.date_agreement(a.span, b.span)
    if agreement is None:
        return matching.Match(0.0, ("dates incompatible",), None)
    if a.reporting != b.reporting:
        return matching.Match(0.0, ("one date says when a source spoke, the other when something happened",), agreement)
    if a.reporting and agreement != "same":
        return matching.Match(0.0, ("statements on different days",), agreement)
    wa = {w: x * vocabulary.idf(w) for w, x in a.words.items()}
    wb = {w: x * vocabulary.idf(w) for w, x in b.words.items()}
    shared = wa.keys() & wb.keys()
    norm = math.sqrt(sum(x * x for x in wa.values()) * sum(x * x for x in wb.values()))
    text = sum(wa[w] * wb[w] for w in shared) / norm if norm else 0.0
    fuzzy = fuzz.token_set_ratio(" ".join(sorted(a.doc_words)), " ".join(sorted(b.doc_words))) / 100.0
    text = (1 - matching.WEIGHT_FUZZY) * text + matching.WEIGHT_FUZZY * fuzzy
    phrases = sorted(a.phrases & b.phrases, key=lambda p: (-vocabulary.phrase_rarity(p), p))
    phrase = vocabulary.phrase_rarity(phrases[0]) if phrases else 0.0
    people = max((vocabulary.person_rarity(p) for p in a.people & b.people), default=0.0)
    score = (
        matching.WEIGHT_TEXT * text
        + matching.WEIGHT_PHRASE * phrase
        + matching.WEIGHT_PEOPLE * people
        + matching.WEIGHT_DATE * matching.DATE_AGREEMENT[agreement]
    )
    top_words = sorted(shared, key=lambda w: (-(wa[w] * wb[w]), w))[:5]
    reasons = [f"dates {agreement}: {matching._span_label(a.span)} / {matching._span_label(b.span)}"]
    reasons.append(f"words near the date {text:.2f}" + (f" ({', '.join(top_words)})" if top_words else ""))
    if phrases:
        reasons.append(f"shared phrase “{' '.join(phrases[0])}”")
    if a.people & b.people:
        reasons.append(f"both name {', '.join(sorted(names.get(p, str(p)) for p in a.people & b.people))}")
    return matching.Match(round(score, 4), tuple(reasons), agreement)


def test_a_comparer_scores_every_pair_as_the_pair_alone_gives_weighing_each_profile_once():
    profiles, vocabulary = _seed_profiles(30)
    names = {1: "NATO", 2: "Jens Stoltenberg"}
    looked_up: list[str] = []

    class Counting(matching.Vocabulary):
        def idf(self, word: str) -> float:
            looked_up.append(word)
            return super().idf(word)

    counting = Counting()
    counting.words, counting.phrases, counting.people, counting.size = (
        vocabulary.words,
        vocabulary.phrases,
        vocabulary.people,
        vocabulary.size,
    )
    comparer = matching.Comparer(counting, names=names)
    matched = 0
    for a in profiles:
        for b in profiles:
            expected = _compare_alone(a, b, vocabulary, names)
            assert matching.compare(a, b, vocabulary, names=names) == expected
            assert comparer.compare(a, b) == expected
            assert (comparer.score(a, b).score, comparer.score(a, b).agreement) == (expected.score, expected.agreement)
            matched += expected.score >= matching.THRESHOLD
    assert matched > len(profiles)  # the same sentence matches itself, and some others
    # Each profile's words were weighed once, whatever the number of pairs it was in.
    assert len(looked_up) == sum(len(p.words) for p in profiles if p.span is not None)


def test_a_word_s_weight_counts_the_clause_breaks_between_it_and_the_date():
    """Each word weighs by its distance in words from the date, plus a penalty for every clause break between."""
    rng = random.Random(5)
    sentences = [
        'Officials said on Monday, after talks in Baghdad (and a "pause"), that the mission would go on; others '
        "disagreed - strongly.",
        *(s for p in sorted(SEEDS.glob("*.txt")) for s in p.read_text(encoding="utf-8").split("\n") if len(s) > 40),
    ]
    checked = 0
    for sentence in rng.sample(sentences, 40):
        start = rng.randrange(0, len(sentence) - 6)
        end = start + 6
        words = [(m.start(), m.group()) for m in matching._WORD.finditer(sentence)]
        date_index = next((i for i, (pos, _) in enumerate(words) if pos >= start), len(words))
        date_last = next((i for i, (pos, _) in enumerate(words) if pos >= end), len(words))
        breaks = [m.start() for m in matching._DISTANCE_BREAK.finditer(sentence)]
        expected: dict[str, float] = {}
        for i, (pos, raw) in enumerate(words):
            stem = matching._stem(raw)
            if start <= pos < end or not stem:
                continue
            distance = date_index - i if i < date_index else i - date_last + 1
            between = [b for b in breaks if (pos <= b < start if pos < start else end <= b < pos)]
            distance += matching.CLAUSE_PENALTY * len(between)
            expected[stem] = max(expected.get(stem, 0.0), 1.0 / (1.0 + distance / matching.PROXIMITY_HALF))
            checked += bool(between)
        assert matching.profile(sentence, start, end).words == expected
    assert checked > 20  # words across a break were weighed
