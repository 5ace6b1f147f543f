"""Request body parsing: JSON that PostgreSQL can store, or a 400 that says why."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _check(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError("Text must not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # an unpaired surrogate such as "\ud800"
            raise ParseError("Text must be valid Unicode (an unpaired surrogate was sent).") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)


class StrictJSONParser(JSONParser):
    """JSON whose strings PostgreSQL can store: no NUL characters, no unpaired surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check(data)
        return data
