"""Loads the spaCy model once per process and runs only the parts a text needs."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_lock = threading.Lock()

# The cheap pass over a whole body: sentence boundaries and named entities.
# Tagging and dependency parsing cost about as much again, so callers ask for
# them only on the few sentences that hold a quote's attribution.
_SCAN_PIPES = ("tok2vec", "senter", "ner")


@lru_cache(maxsize=4)
def load(name: str) -> Language:
    """Return the installed spaCy pipeline ``name``, loaded once per process."""
    import spacy  # imported late: a worker that never extracts never pays for it

    with _lock:
        nlp = spacy.load(name)
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
    return nlp


def scan(text: str, model: str) -> Doc:
    """Sentences and entities of ``text``, without tagger or parser."""
    nlp = load(model)
    with nlp.select_pipes(enable=[p for p in _SCAN_PIPES if p in nlp.pipe_names]):
        return nlp(text)


def parse(text: str, model: str) -> Doc:
    """The full analysis (tags, dependencies, entities) of a short text."""
    nlp = load(model)
    with nlp.select_pipes(disable=["senter"]):
        return nlp(text)
