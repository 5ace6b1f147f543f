"""CSV downloads of API lists (``?format=csv``): every matching row, streamed, the same filters as the JSON list."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Declares ``text/csv`` for content negotiation and the schema; the rows themselves are streamed."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None):
        # Only errors reach a renderer (lists stream past it); they are JSON whatever format was asked for.
        return JSONRenderer().render(data, "application/json", renderer_context)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to produce lines one by one."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def csv_response(
    rows: Iterable[Any], *, header: Sequence[str], row: Callable[[Any], Sequence[Any]], filename: str
) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download, one line per row as ``row`` lays it out under ``header``."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for item in rows:
            yield writer.writerow([_cell(v) for v in row(item)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
