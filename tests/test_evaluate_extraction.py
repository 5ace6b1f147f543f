"""The extractor measured against the hand-made gold of the five seeds (tests/gold/), through the API and the command."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from newsarchive.evaluation import evaluate, load_gold
from tests.conftest import GOLD

THRESHOLDS = {
    "quote recall": 0.95,
    "quote precision": 0.95,
    "speaker accuracy": 0.90,
    "metadata exact match": 0.95,
    "event date recall": 0.85,
}


@pytest.mark.django_db
def test_seeds_meet_the_thresholds_against_the_gold(seeded):
    report = evaluate(load_gold(GOLD))
    misses = "\n".join(report.misses)
    assert report.quote_recall.total >= 20
    assert report.event_recall.total >= 30
    assert report.quote_recall.rate >= 0.95, misses
    assert report.quote_precision.rate >= 0.95, misses
    assert report.speaker.rate >= 0.90, misses
    assert report.metadata.rate >= 0.95, misses
    assert report.event_recall.rate >= 0.85, misses
    assert report.boilerplate_leaked == 0, misses


def test_evaluate_extraction_command_prints_every_figure_at_its_threshold():
    out = StringIO()
    call_command("evaluate_extraction", str(GOLD), stdout=out)
    printed = out.getvalue()
    for label, threshold in THRESHOLDS.items():
        m = re.search(rf"^{label}\s+([\d.]+)% \((\d+)/(\d+)\)$", printed, re.MULTILINE)
        assert m, f"{label!r} not printed:\n{printed}"
        assert float(m.group(1)) / 100 >= threshold, printed
        assert int(m.group(3)) > 0
    leaked = re.search(r"^boilerplate leaked\s+(\d+) lines$", printed, re.MULTILINE)
    assert leaked, printed
    assert leaked.group(1) == "0", printed
