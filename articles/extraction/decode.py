"""Turns a raw file's bytes into text, or says in one line why it cannot."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


class InputError(ValueError):
    """A file that cannot be imported; the message is one line for the person importing it."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a file and the encoding that reproduces its bytes."""

    text: str
    encoding: str


def decode(raw: bytes) -> Decoded:
    """Decode ``raw``: UTF-8 with or without BOM first, then charset-normalizer's best guess.

    ``text.encode(encoding) == raw`` holds for every result, so nothing of the
    file is lost: the raw text is kept byte for byte.
    """
    if not raw.strip():
        raise InputError("empty file")
    if b"\x00" in raw:
        raise InputError("binary file (contains NUL bytes)")
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return Decoded(raw.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError("not text: no character encoding fits its bytes")
    text = str(best)
    encoding = best.encoding
    try:
        if text.encode(encoding) != raw:
            raise InputError(f"text in {encoding} does not round-trip byte for byte")
    except (UnicodeEncodeError, LookupError) as exc:
        raise InputError(f"text in {encoding} cannot be kept byte for byte") from exc
    if not text.strip():
        raise InputError("empty file")
    return Decoded(text, encoding)
