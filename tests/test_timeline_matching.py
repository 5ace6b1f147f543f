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
