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

CompiledRows keeps something else: the SQL of a page's fixed reads, compiled
once, never their rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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


class CompiledRows:
    """The rows of a ``.values_list()`` whose SQL is the same on every call, compiled once per process.

    A page's fixed reads (the home page's newest events, its stories) are built by the QuerySet methods that
    hold the read rules, like every other read; but building and compiling such a queryset through the ORM
    costs more than PostgreSQL spends running it. Here it is built and compiled on the first call, and later
    calls send the same SQL and parameters: the rows are always read afresh, only the compiling is kept.

    ``build`` must not depend on the request or the time. Only SQL whose columns need no conversion from the
    database is reused (text, numbers, dates on PostgreSQL); any other queryset, and any on another database,
    goes through the ORM on every call, with the same result.
    """

    def __init__(self, build: Callable[[], QuerySet]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], tuple[str, tuple] | None] = {}

    def rows(self) -> list[tuple]:
        key = (connection.alias, connection.vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile()
        compiled = self._compiled[key]
        if compiled is None:
            return list(self._build())
        sql, params = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compile(self) -> tuple[str, tuple] | None:
        queryset = self._build()
        if connection.vendor != "postgresql" or queryset._iterable_class is not ValuesListIterable:
            return None
        compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        query = queryset.query
        selected = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        # The ORM reorders columns or converts values in these cases: leave them to it.
        if selected != list(queryset._fields) or compiler.get_converters(fields):
            return None
        return sql, tuple(params)
