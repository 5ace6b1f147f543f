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
_SCAN_PIPES = ("senter", "ner")


@lru_cache(maxsize=4)
def load(name: str) -> Language:
    """Return the installed spaCy pipeline ``name``, loaded once per process."""
    import spacy  # imported late: a worker that never extracts never pays for it

    with _lock:
        nlp = spacy.load(name)
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
    return nlp


@lru_cache(maxsize=4)
def _scan_pipes(model: str) -> tuple[str, ...]:
    """The scan's components, with a shared embedding layer only if one of them listens to it.

    In the small English model only the tagger and parser listen to "tok2vec" (senter and ner embed
    their own): running it in the scan cost a third of the time and changed nothing.
    """
    nlp = load(model)
    wanted = {p for p in _SCAN_PIPES if p in nlp.pipe_names}
    feeding = {name for name, pipe in nlp.pipeline if wanted & set(getattr(pipe, "listening_components", ()))}
    return tuple(p for p in nlp.pipe_names if p in wanted or p in feeding)


def scan(text: str, model: str) -> Doc:
    """Sentences and entities of ``text``, without tagger or parser."""
    nlp = load(model)
    with nlp.select_pipes(enable=list(_scan_pipes(model))):
        return nlp(text)


def scan_many(texts: list[str], model: str) -> list[Doc]:
    """scan() of each of ``texts``, in one pass of the model over them: the same analyses, sooner."""
    nlp = load(model)
    with nlp.select_pipes(enable=list(_scan_pipes(model))):
        return list(nlp.pipe(texts, batch_size=max(1, len(texts))))


def parse(text: str, model: str) -> Doc:
    """The full analysis (tags, dependencies, entities) of a short text."""
    nlp = load(model)
    with nlp.select_pipes(disable=["senter"]):
        return nlp(text)
