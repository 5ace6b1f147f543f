"""export_gold: an editor's review becomes gold that evaluate_extraction measures the extractor against."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from articles import services
from articles.models import Person, Quote
from tests.conftest import SEEDS


def review(article) -> tuple[Quote, Person | None, Quote]:
    """As an editor would: give a quote another speaker, reject one, verify the rest, mark the article reviewed."""
    fixed, rejected, *rest = list(article.quotes.order_by("start"))
    machine_speaker = fixed.speaker
    services.quote_update(quote=fixed, data={"speaker": Person.objects.get(name="Haider al-Abadi")})
    services.quote_set_status(quote=fixed, status=Quote.Status.VERIFIED)
    services.quote_set_status(quote=rejected, status=Quote.Status.REJECTED)
    for quote in rest:
        services.quote_set_status(quote=quote, status=Quote.Status.VERIFIED)
    services.article_mark_reviewed(article=article)
    return fixed, machine_speaker, rejected


@pytest.mark.django_db
def test_reviewed_article_becomes_gold_and_evaluation_sees_the_extractors_misses(seeded, tmp_path):
    article = seeded["000"]
    fixed, machine_speaker, rejected = review(article)
    assert machine_speaker is not None
    assert machine_speaker.name != "Haider al-Abadi"

    out = io.StringIO()
    call_command("export_gold", "--output", str(tmp_path), stdout=out, stderr=io.StringIO())
    # Only the reviewed article is written, with the cross-article files beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "000_76a89b2da42309f4.json",
        "statements.json",
        "timeline.json",
    ]
    gold = json.loads((tmp_path / "000_76a89b2da42309f4.json").read_text(encoding="utf-8"))
    assert gold["file"] == article.original_filename
    texts = {q["text"]: q["speaker"] for q in gold["quotes"]}
    assert texts[fixed.text] == "Haider al-Abadi"
    assert rejected.text not in texts
    assert len(texts) == article.quotes.count() - 1
    assert gold["metadata"]["source"] == "rudaw"
    assert gold["metadata"]["published_on"] == "2018-03-05"
    assert "Rudaw moderates all comments" in " ".join(gold["boilerplate"])

    # A fresh import of the same file, measured against the editor's truth, shows what the machine got wrong.
    result = io.StringIO()
    call_command("evaluate_extraction", str(tmp_path), "--articles", str(SEEDS), "--verbose-misses", stdout=result)
    report = result.getvalue()
    assert f"speaker of {fixed.text[:40]!r} is {machine_speaker.name!r}, gold 'Haider al-Abadi'" in report
    assert f"not a gold quote: {rejected.text[:60].rstrip()}" in report
    assert "quote recall           100.0%" in report
    assert "metadata exact match   100.0%" in report


@pytest.mark.django_db
def test_editors_corrected_dates_are_the_gold(seeded, tmp_path):
    article = seeded["003"]  # its publication date is unknown to the machine
    services.article_update(article=article, data={"published_on": dt.date(2020, 2, 13)})
    mention = article.dated_mentions.filter(date__isnull=False).order_by("start").first()
    services.dated_mention_update(dated_mention=mention, data={"status": "rejected"})
    call_command("export_gold", "--all", "--output", str(tmp_path), stdout=io.StringIO())

    assert len(list(tmp_path.glob("0*.json"))) == 5  # --all: every article, reviewed or not
    gold = json.loads((tmp_path / "003_c770463ea4039a25.json").read_text(encoding="utf-8"))
    assert gold["metadata"]["published_on"] == "2020-02-13"
    assert "date_unknown" not in gold["metadata"]["review_reasons"]
    assert (mention.expression, mention.sentence) not in {(e["expression"], e["sentence"]) for e in gold["events"]}
    timeline = json.loads((tmp_path / "timeline.json").read_text(encoding="utf-8"))
    reported = [(m["file"], m["expression"], m["sentence"]) for h in timeline["happenings"] for m in h["mentions"]]
    assert len(reported) > 10
    rejected_sentence = " ".join(mention.sentence.split())
    assert not any(f == article.original_filename and rejected_sentence in s for f, _, s in reported)


@pytest.mark.django_db
def test_nothing_reviewed_writes_nothing_and_says_why(seeded, tmp_path):
    err = io.StringIO()
    call_command("export_gold", "--output", str(tmp_path / "gold"), stdout=io.StringIO(), stderr=err)
    assert "No reviewed articles" in err.getvalue()
    assert list((tmp_path / "gold").iterdir()) == []
