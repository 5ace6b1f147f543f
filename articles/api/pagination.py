"""Keyset ("cursor") pagination on (ordering field, id): pages stay stable while rows are added.

A cursor carries the sort values of the row it stops at, so the next page starts right after that row
whatever was inserted or deleted meanwhile; no OFFSET, no COUNT, the same cost on page 1 and page 10,000.
A view declares what it may be ordered by::

    ordering_fields = {"published_on": "published_on", "title": "title"}  # public name -> field path
    ordering = "-published_on"                                                # the default

The id breaks ties, in the direction of the first field; NULLs come last either way. When a FilterSet
annotated the queryset with a full-text ``rank`` (``q`` on PostgreSQL), the default is relevance: (rank, id).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

RELEVANCE = "relevance"
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of the sort: an annotation named ``alias`` holding ``expression``."""

    alias: str
    expression: Any
    descending: bool
    nullable: bool

    def order(self, *, backwards: bool) -> Any:
        descending = self.descending != backwards
        # Going backwards the NULLs that came last come first.
        nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
        if not self.nullable:
            nulls = {}
        return F(self.alias).desc(**nulls) if descending else F(self.alias).asc(**nulls)

    def after(self, value: Any, tail: Q | None, *, backwards: bool) -> Q:
        """Rows that sort after ``value`` on this key (``tail`` decides ties)."""
        descending = self.descending != backwards
        strict = Q(**{f"{self.alias}__{'lt' if descending else 'gt'}": value}) if value is not None else None
        tie = Q(**{self.alias: value}) if value is not None else Q(**{f"{self.alias}__isnull": True})
        condition = tie & tail if tail is not None else None
        if not self.nullable:
            return strict | condition if condition is not None else strict
        if value is None:
            # Forwards the NULLs are the last rows: only ties follow. Backwards every non-NULL row follows.
            rest = Q(**{f"{self.alias}__isnull": False}) if backwards else None
        else:
            rest = strict if backwards else strict | Q(**{f"{self.alias}__isnull": True})
        parts = [p for p in (rest, condition) if p is not None]
        result = parts[0]
        for part in parts[1:]:
            result |= part
        return result


@dataclass(frozen=True, slots=True)
class Cursor:
    ordering: str
    values: list[Any]
    backwards: bool


def _nullable(model, path: str) -> bool:
    try:
        for part in path.split("__"):
            field = model._meta.get_field(part)
            if getattr(field, "null", False):
                return True
            if field.is_relation:
                model = field.related_model
    except FieldDoesNotExist:
        return True
    return False


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()  # full precision: DjangoJSONEncoder would cut microseconds
    return value


class KeysetPagination(BasePagination):
    """Cursor pagination on (ordering field, id), or (rank, id) for full-text searches; capped page size."""

    page_size = 20
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    # --- ordering ---------------------------------------------------------

    @staticmethod
    def ordering_choices(view) -> list[str]:
        """Every value the ``ordering`` parameter takes for ``view``."""
        names = list(getattr(view, "ordering_fields", {}) or {"id": "pk"})
        choices = [value for name in names for value in (name, f"-{name}")]
        if getattr(view, "filterset_class", None) is not None and "q" in view.filterset_class.base_filters:
            choices.append(RELEVANCE)
        return choices

    def sort_keys(self, queryset: QuerySet, request, view) -> tuple[str, list[SortKey]]:
        """The ordering asked for (or the default) as its name and sort keys, id last."""
        fields: dict[str, Any] = getattr(view, "ordering_fields", None) or {"id": "pk"}
        searched = "rank" in queryset.query.annotations
        fallback = getattr(view, "ordering", None) or f"-{next(iter(fields))}"
        name = request.query_params.get(self.ordering_query_param) or (RELEVANCE if searched else fallback)
        if name == RELEVANCE and not searched:
            # Without a ranked search (no q, or SQLite's plain substring match) relevance means nothing.
            name = fallback
        if name == RELEVANCE:
            # The search's own rank (double precision, see ArticleQuerySet.search): computed once per row.
            return name, [SortKey("rank", F("rank"), True, False), SortKey("pk", F("pk"), True, False)]
        descending = name.startswith("-")
        path = fields.get(name.lstrip("-"))
        if path is None:
            choices = ", ".join(self.ordering_choices(view))
            raise APIValidationError({self.ordering_query_param: [f"Unknown ordering {name!r}; one of: {choices}."]})
        keys = []
        if path != "pk":
            nullable = _nullable(queryset.model, path) if isinstance(path, str) else True
            expression = F(path) if isinstance(path, str) else path
            keys.append(SortKey("keyset_0", expression, descending, nullable))
        keys.append(SortKey("pk", F("pk"), descending, False))
        return name, keys

    def order_queryset(self, queryset: QuerySet, request, view) -> QuerySet:
        """``queryset`` in the order the request asks for, without a page cut (the CSV export)."""
        _name, keys = self.sort_keys(queryset, request, view)
        return self._ordered(queryset, keys, backwards=False)

    @staticmethod
    def _ordered(queryset: QuerySet, keys: Sequence[SortKey], *, backwards: bool) -> QuerySet:
        annotations = {k.alias: k.expression for k in keys if k.alias not in ("pk", *queryset.query.annotations)}
        return queryset.annotate(**annotations).order_by(*(k.order(backwards=backwards) for k in keys))

    # --- cursors ----------------------------------------------------------

    def encode_cursor(self, cursor: Cursor) -> str:
        payload = {"o": cursor.ordering, "v": [_encode_value(v) for v in cursor.values]}
        if cursor.backwards:
            payload["b"] = 1
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, request, ordering: str, keys: Sequence[SortKey], queryset: QuerySet) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return None
        # A page that cannot be found, as DRF's own cursor pagination answers.
        invalid = NotFound("Invalid cursor: use the `next` or `previous` link of a page as it is.")
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            values = payload["v"]
            if payload["o"] != ordering:
                raise NotFound("This cursor belongs to another ordering: start again from the first page.")
            if not isinstance(values, list) or len(values) != len(keys):
                raise invalid
            backwards = bool(payload.get("b"))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
            raise invalid from exc
        query = self._ordered(queryset, keys, backwards=False).query
        parsed = []
        for key, value in zip(keys, values, strict=True):
            if value is None:
                if not key.nullable:
                    raise invalid
                parsed.append(None)
                continue
            field = queryset.model._meta.pk if key.alias == "pk" else query.annotations[key.alias].output_field
            try:
                python = field.to_python(value)
            except (ValidationError, TypeError, ValueError) as exc:
                raise invalid from exc
            if isinstance(python, float) and not math.isfinite(python):
                raise invalid
            if isinstance(python, int) and not -_MAX_ID <= python <= _MAX_ID:
                raise invalid
            parsed.append(python)
        return Cursor(ordering, parsed, backwards)

    # --- pages ------------------------------------------------------------

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise APIValidationError({self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]})
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        name, keys = self.sort_keys(queryset, request, view)
        cursor = self.decode_cursor(request, name, keys, queryset)
        backwards = bool(cursor and cursor.backwards)
        rows_qs = self._ordered(queryset, keys, backwards=backwards)
        if cursor is not None:
            condition: Q | None = None
            for key, value in reversed(list(zip(keys, cursor.values, strict=True))):
                condition = key.after(value, condition, backwards=backwards)
            rows_qs = rows_qs.filter(condition)
        rows = list(rows_qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.next_cursor = self.previous_cursor = None
        if rows:
            # Walking backwards, the page we came from follows; walking forwards, the one we came from precedes.
            has_next = True if backwards else more
            has_previous = more if backwards else cursor is not None
            if has_next:
                self.next_cursor = Cursor(name, [getattr(rows[-1], k.alias) for k in keys], False)
            if has_previous:
                self.previous_cursor = Cursor(name, [getattr(rows[0], k.alias) for k in keys], True)
        elif cursor is not None:
            # Past either end (rows deleted meanwhile): offer the way back.
            self.previous_cursor = None if backwards else Cursor(name, cursor.values, True)
            self.next_cursor = Cursor(name, cursor.values, False) if backwards else None
        return rows

    def _link(self, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, self.encode_cursor(cursor))

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"next": self._link(self.next_cursor), "previous": self._link(self.previous_cursor), "results": data}
        )

    # --- OpenAPI ----------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, null on the last page. Follow it as it is."},
                "previous": {**link, "description": "The previous page, null on the first page."},
                "results": {**schema, "description": "The rows of this page."},
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Where the page starts: an opaque value taken from a `next` or `previous` link. "
                "Pages stay stable while rows are added.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, {self.page_size} unless given; at most {self.max_page_size} "
                "(larger values are capped).",
                "schema": {"type": "integer", "minimum": 1, "default": self.page_size},
            },
            {
                "name": self.ordering_query_param,
                "in": "query",
                "required": False,
                "description": "Sort order; `-` for descending; ties are broken by id. "
                f"Default `{getattr(view, 'ordering', None) or '-id'}`, or `{RELEVANCE}` (best match first) with `q` "
                "on PostgreSQL. Missing values (e.g. unknown dates) come last.",
                "schema": {"type": "string", "enum": self.ordering_choices(view)},
            },
        ]
