"""Addresses of many rows at once: a URL pattern reversed once per page, not once per row."""

from __future__ import annotations

import re
from typing import Any

from django.urls import NoReverseMatch, reverse

# Values that reverse() would put into the path as they are (no quoting) and that every lookup pattern here accepts.
_PLAIN = {"slug": re.compile(r"[-a-zA-Z0-9_]+\Z"), "pk": re.compile(r"[0-9]{1,18}\Z")}
_PLACEHOLDER = {"slug": "slug-placeholder-0", "pk": "987654321987654321"}


class Paths:
    """``reverse(view_name, kwargs={kwarg: value})`` for each value, absolute when a request is given.

    Reversing (and building an absolute address) costs microseconds a row; a list page has hundreds of links.
    Any value that reverse() might quote or refuse takes the slow, exact way.
    """

    def __init__(self, view_name: str, *, kwarg: str = "slug", request: Any = None, kind: str | None = None) -> None:
        self.view_name, self.kwarg, self.request = view_name, kwarg, request
        kind = kind or ("pk" if kwarg == "pk" else "slug")
        self._plain = _PLAIN[kind]
        path = reverse(view_name, kwargs={kwarg: _PLACEHOLDER[kind]})
        head, _, self._tail = path.partition(_PLACEHOLDER[kind])
        self._head = request.build_absolute_uri(head) if request is not None else head

    def __call__(self, value: Any) -> str:
        text = str(value)
        if self._plain.match(text):
            return f"{self._head}{text}{self._tail}"
        path = reverse(self.view_name, kwargs={self.kwarg: value})
        return self.request.build_absolute_uri(path) if self.request is not None else path


class PageLinks:
    """Every address a page of rows links to, by URL name, each pattern reversed once for the request."""

    def __init__(self, request: Any = None) -> None:
        self.request = request
        self._paths: dict[tuple[str, bool], Paths] = {}

    def __call__(self, view_name: str, value: Any, *, absolute: bool = True) -> str:
        """The address of ``view_name`` for ``value`` (a slug, or an id for quotes and events)."""
        paths = self._paths.get((view_name, absolute))
        if paths is None:
            kwarg = "pk" if view_name in _BY_ID else "slug"
            request = self.request if absolute else None
            paths = self._paths[(view_name, absolute)] = Paths(view_name, kwarg=kwarg, request=request)
        return paths(value)

    def page(self, view_name: str, value: Any) -> str | None:
        """The public page ``view_name`` of ``value``, absolute; None when the site has no such page."""
        try:
            return self(view_name, value)
        except NoReverseMatch:
            return None


# URL names whose objects are found by id, not slug.
_BY_ID = {"quote-detail", "event-detail", "job-detail"}


def page_links(context: dict) -> PageLinks:
    """The PageLinks of a serializer's context, made on first use and shared by every row of the response."""
    links = context.get("links")
    if links is None:
        links = context["links"] = PageLinks(context.get("request"))
    return links
