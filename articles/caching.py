"""Public responses cached under the database's snapshot: a hit is exactly what a fresh render would give.

PostgreSQL's ``pg_current_snapshot()`` names the transactions a query can see.
While it is unchanged no committed row anywhere has changed, and every commit
of a write changes it. So a response rendered for an anonymous reader is kept
under (its URL, the snapshot read before rendering) and served again until
anything at all is written: no expiry to tune, no invalidation to forget, and
an editor's correction shows on the next request.

Nothing is cached for signed-in users (editors see unpublished work), on
databases without snapshots (SQLite), or inside an open transaction (our own
uncommitted writes do not move the snapshot; requests run outside one).

CompiledRows keeps something else: the SQL of a page's reads, compiled once
for any arguments, never their rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable
from django.http import HttpRequest, HttpResponse
from rest_framework.response import Response

# Entries are never stale, so the timeout only bounds the memory they hold.
TIMEOUT = 600
_SAFE = ("GET", "HEAD")


def database_state() -> str | None:
    """The snapshot of committed transactions a query would see now, or None where it cannot be trusted."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


def _key(kind: str, path: str, state: str, variant: str = "") -> str:
    digest = hashlib.sha256("\0".join((kind, path, state, variant)).encode()).hexdigest()
    return f"snapshot:{kind}:{digest}"


def page_key(request: HttpRequest) -> str | None:
    """The cache key of an anonymous GET of a page, or None when it must be rendered afresh."""
    if request.method not in _SAFE or request.user.is_authenticated:
        return None
    state = database_state()
    # The absolute URL: pages and API rows carry absolute links, which differ by scheme and host.
    return None if state is None else _key("page", request.build_absolute_uri(), state)


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serves anonymous GETs of a page view from the cache while the database is unchanged."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response.content, list(response.items())), TIMEOUT)
        return response

    return wrapper


class CachedReadMixin:
    """For DRF views: anonymous GETs answered from the cache while the database is unchanged.

    The check runs after authentication, permissions and throttling (``initial``), so a cached answer
    still counts against the anonymous rate, and only the handler's work is saved. What is kept is the
    handler's data and headers; rendering, ETags and conditional answers happen per request as before.
    """

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method not in _SAFE or request.user.is_authenticated:
            return
        state = database_state()
        if state is None:
            return
        name = request.method.lower()
        handler = getattr(self, name)
        key = _key("api", request._request.build_absolute_uri(), state, request.accepted_renderer.format)

        def cached_handler(request, *args, **kwargs):
            hit = cache.get(key)
            if hit is not None:
                data, headers, attributes = hit
                self.__dict__.update(attributes)
                response = Response(data)
                for header, value in headers:
                    response[header] = value
                return response
            response = handler(request, *args, **kwargs)
            # Only data DRF renders per request (a streamed CSV export is not kept).
            if isinstance(response, Response) and response.status_code == 200:
                attributes = {"etag_version": getattr(self, "etag_version", None)}
                headers = [(h, v) for h, v in response.items() if h.lower() != "content-type"]
                cache.set(key, (response.data, headers, attributes), TIMEOUT)
            return response

        setattr(self, name, cached_handler)


# A compiled query's arguments are stood in for by these while it is built, counting down: numbers no id takes.
_STAND_IN = -(2**62)
_OTHER_STAND_IN = 32_767  # within every integer column's range, a small integer's too, for up to 32,768 ids


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple
    # Where each argument goes among the parameters: (parameter's position, argument's index, index in a sequence).
    places: tuple[tuple[int, int, int | None], ...]
    # The ORM's conversions of the values read, by column (SQLCompiler.get_converters).
    converters: dict[int, tuple[list, Any]]


class CompiledRows:
    """The rows of a ``.values_list()`` whose SQL is the same on every call but for its arguments, compiled once.

    A page's reads are built by the QuerySet methods that hold the read rules, like every other read; but building
    and compiling such a queryset through the ORM costs more than PostgreSQL spends running it. Here it is built and
    compiled on the first call, and later calls send the same SQL: the rows are always read afresh, and converted
    as the ORM converts them; only the compiling is kept.

    ``build`` takes the arguments ``rows()`` is given: ids, as ints or sequences of ints (a person, the quotes of a
    page), and may not otherwise depend on the request or the time. It is built once for each shape of arguments
    (how many ids each sequence holds) with stand-in numbers, whose places among the SQL's parameters then take
    each call's ids; ``kept`` shapes are kept, beyond that the store starts afresh. A queryset whose SQL holds an
    argument other than as a parameter of its own, any other than a ``.values_list()``, and any on another database
    than PostgreSQL, goes through the ORM on every call, with the same result.
    """

    def __init__(self, build: Callable[..., QuerySet], *, kept: int = 64) -> None:
        self._build = build
        self._kept = kept
        self._compiled: dict[tuple, _Compiled | None] = {}

    def rows(self, *args: int | Sequence[int]) -> list[tuple]:
        shape = tuple(_shape(arg) for arg in args)
        key = (connection.alias, connection.vendor, shape)
        try:
            compiled = self._compiled[key]
        except KeyError:
            compiled = self._compile(shape)
            if len(self._compiled) >= self._kept:  # a crawler's walk through every shape: start afresh
                self._compiled.clear()
            # Threads may compile the same shape at once: each gets the same SQL, and one of them is kept.
            self._compiled[key] = compiled
        if compiled is None:
            return list(self._build(*args))
        params = list(compiled.params)
        for position, index, item in compiled.places:
            params[position] = args[index] if item is None else args[index][item]  # type: ignore[index]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for position, (functions, expression) in compiled.converters.items():
                for function in functions:
                    values[position] = function(values[position], expression, connection)
            converted.append(tuple(values))
        return converted

    def _compile(self, shape: tuple[int | None, ...]) -> _Compiled | None:
        if connection.vendor != "postgresql":
            return None
        # Built twice, with stand-ins far apart (a big negative number, a number any integer column holds): a
        # lookup that treats a value out of its column's range otherwise (Django drops `start > -2**62`, say)
        # gives two different SQL texts, and the shape goes through the ORM.
        first = self._compile_with(shape, _STAND_IN)
        if first is None:
            return None
        second = self._compile_with(shape, _OTHER_STAND_IN)
        if second is None or (first.sql, first.places) != (second.sql, second.places):
            return None
        return first

    def _compile_with(self, shape: tuple[int | None, ...], base: int) -> _Compiled | None:
        # Each argument, and each id of a sequence, gets a stand-in of its own: where it went is known exactly.
        stand_ins: dict[int, tuple[int, int | None]] = {}
        args: list[int | list[int]] = []
        for index, size in enumerate(shape):
            numbers = []
            for place in [(index, None)] if size is None else [(index, item) for item in range(size)]:
                numbers.append(base - len(stand_ins))
                stand_ins[numbers[-1]] = place
            args.append(numbers[0] if size is None else numbers)
        queryset = self._build(*args)
        if queryset._iterable_class is not ValuesListIterable:
            return None
        compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        query = queryset.query
        if [*query.extra_select, *query.values_select, *query.annotation_select] != list(queryset._fields):
            return None  # the ORM reorders the columns read
        if compiler.has_extra_select:
            return None  # the SQL reads more columns than the rows give (DISTINCT ordered by another column)
        places = tuple(
            (position, *stand_ins[param])
            for position, param in enumerate(params)
            if type(param) is int and param in stand_ins
        )
        # An argument the SQL holds other than as a parameter of its own (written into the text, dropped, or
        # folded with others): this shape goes through the ORM.
        if {place[1:] for place in places} != set(stand_ins.values()) or str(base)[:6] in sql:
            return None
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        return _Compiled(sql, tuple(params), places, compiler.get_converters(fields))


def _shape(arg: int | Sequence[int]) -> int | None:
    if type(arg) is int:
        return None
    if isinstance(arg, Sequence) and not isinstance(arg, str | bytes) and all(type(item) is int for item in arg):
        return len(arg)
    raise TypeError(f"CompiledRows takes ids, as ints or sequences of ints, not {arg!r:.40}")
