"""A body's fingerprint: a few hashes of its text that near-duplicate bodies share and other bodies rarely do.

The fingerprint is a bottom-k sketch: of the hashes of every run of GRAM characters of the normalized body, the
SIZE smallest. Two bodies share a fingerprint hash only if they share the run it hashes (64-bit hashes all but
never collide), and the more of their runs they share, the more of their fingerprints they share (the share
estimates the resemblance of their runs).
Normalizing first (case, punctuation, spacing) keeps a re-scrape or another outlet's copy of the same wire text
alike where typography differs.
"""

from __future__ import annotations

import re

import numpy as np

GRAM = 12
SIZE = 32
_BASE = np.uint64(1_000_003)


_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _normalized(text: str) -> str:
    return _NOT_ALPHANUMERIC.sub(" ", text.casefold()).strip()


def _mixed(values: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every bit of the polynomial hash moves every bit of the result."""
    x = values ^ (values >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def body_fingerprints(text: str) -> list[int]:
    """The fingerprint of ``text``: up to SIZE distinct signed 64-bit hashes, ascending (a database bigint each)."""
    normalized = _normalized(text)
    if len(normalized) < GRAM:
        return []
    # A lone surrogate (text decoded leniently) is a character like any other here, as in the body.
    codes = np.frombuffer(normalized.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - GRAM + 1
    hashes = np.zeros(count, dtype=np.uint64)
    # The polynomial hash of each run, wrapping at 2**64, one character position at a time over every run.
    for offset in range(GRAM):
        hashes = hashes * _BASE + codes[offset : offset + count]
    smallest = np.unique(_mixed(hashes).view(np.int64))[:SIZE]
    return [int(h) for h in smallest]
