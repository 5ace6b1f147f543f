"""FilterSets of the articles API: what a consumer narrows sources, articles, quotes and people by."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

import django_filters as filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import PermissionDenied

from articles import presentation
from articles.extraction.types import ReviewReason
from articles.models import (
    Alias,
    Article,
    ArticleStatus,
    Mention,
    Person,
    PersonKind,
    Quote,
    QuoteStatus,
    Source,
    Story,
)

SEARCH_HELP = (
    'Full-text search, web-search syntax: words, "a phrase", `or`, `-word`. On PostgreSQL English stemming '
    "and ranking (best first unless `ordering` says otherwise); on SQLite a plain case-insensitive substring match."
)


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is an error rather than silently no filter."""

    widget = forms.TextInput  # the raw value: NullBooleanSelect would turn anything unknown into None

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value) -> None:
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class HasQuotesFilter(BooleanFilter):
    """Whether ``quote_count`` (the view's annotation: the quotes the requester may see) is above zero."""

    def filter(self, qs: QuerySet, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(quote_count__gt=0) if value else qs.filter(quote_count=0)


class SlugsFilter(filters.BaseInFilter, filters.CharFilter):
    """One slug, or several separated by commas (any of them matches)."""


def is_editor(request) -> bool:
    """Whether the requester may see what the public may not (drafts, rejected quotes, review state)."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("articles.view_article"))


def _editors_only(request, param: str) -> None:
    if not is_editor(request):
        raise PermissionDenied(f"Only editors may filter by {param}.")


def _json_list_contains(field: str, value: str) -> Q:
    # JSON containment is PostgreSQL's (and indexable there); SQLite matches the quoted value in the list's text.
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": json.dumps(value)})


class ArchiveFilterSet(filters.FilterSet):
    """A FilterSet whose form class is made once per class, not for every request as django-filter makes it.

    Its fields never depend on the request; making them (labels, choices) costs more than a page's query.
    """

    _form_classes: ClassVar[dict[type, type]] = {}

    def get_form_class(self) -> type[forms.Form]:
        form_class = self._form_classes.get(type(self))
        if form_class is None:
            form_class = self._form_classes[type(self)] = super().get_form_class()
        return form_class


# Query parameters that page and order a list rather than filter it.
NOT_FILTERS = frozenset({"cursor", "page_size", "ordering", "format"})


class ArchiveFilterBackend(DjangoFilterBackend):
    """django-filter's backend, left out when a request names no filter at all.

    A FilterSet builds and validates a form of every filter it has, and with no filter named, changes nothing:
    on an unfiltered page that costs more than the page's queries.
    """

    def filter_queryset(self, request, queryset, view):
        if NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


def people_by_slug(slugs: Sequence[str]) -> Q:
    """People with these slugs, or whom the people with these slugs were merged into (an old slug still works)."""
    merged = Person.objects.filter(slug__in=slugs, merged_into__isnull=False).values("merged_into")
    return Q(slug__in=slugs) | Q(pk__in=merged)


def people_named(slugs: Sequence[str]) -> QuerySet:
    """The ids of ``people_by_slug(slugs)`` as a subquery the planner reads right.

    One query per way a slug names someone, joined by UNION: the planner expects a few people. Asked with OR, it
    expects half the archive, and looks for one person's few quotes by walking every quote in date order.
    """
    named = Person.objects.filter(slug__in=slugs).order_by().values("pk")
    merged = Person.objects.filter(slug__in=slugs, merged_into__isnull=False).order_by().values("merged_into")
    return named.union(merged, all=True)


class SourceFilter(ArchiveFilterSet):
    """Sources by kind or domain."""

    kind = filters.ChoiceFilter(choices=Source.Kind.choices, help_text="Kind of publisher.")
    domain = filters.CharFilter(
        field_name="domain", lookup_expr="iexact", help_text="Web domain, e.g. `rudaw.net` (case-insensitive)."
    )

    class Meta:
        model = Source
        fields: list[str] = []


class ArticleFilter(ArchiveFilterSet):
    """Articles by outlet, story, date, people, tag, review state and full text."""

    source = SlugsFilter(field_name="source__slug", help_text="Outlet slug(s), comma-separated.")
    story = SlugsFilter(method="filter_story", help_text="Story slug(s), comma-separated: articles in any of them.")
    published = filters.DateFromToRangeFilter(
        field_name="published_on",
        help_text="Publication date range: `published_after` and `published_before` (YYYY-MM-DD, both inclusive).",
    )
    has_unknown_date = BooleanFilter(
        field_name="published_on", lookup_expr="isnull", help_text="`true`: only articles whose date is unknown."
    )
    person = SlugsFilter(
        method="filter_person", help_text="Person or organisation slug(s), comma-separated: articles that name them."
    )
    quoted = SlugsFilter(
        method="filter_quoted", help_text="Person or organisation slug(s), comma-separated: articles that quote them."
    )
    author = SlugsFilter(method="filter_author", help_text="Author slug(s), comma-separated.")
    tag = filters.CharFilter(method="filter_tag", help_text="A tag, exactly as the article lists it.")
    language = filters.CharFilter(help_text="Language code, e.g. `en`.")
    updated_after = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this instant (ISO 8601): for keeping a copy in sync.",
    )
    status = filters.ChoiceFilter(
        choices=ArticleStatus.choices, method="filter_status", help_text="Editors only: publication status."
    )
    review_reason = filters.ChoiceFilter(
        choices=[(r.value, r.value) for r in ReviewReason],
        method="filter_review_reason",
        help_text="Editors only: articles waiting for an editor for this reason.",
    )
    q = filters.CharFilter(method="filter_q", help_text=SEARCH_HELP)

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_story(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(pk__in=Story.articles.through.objects.filter(story__slug__in=value).values("article"))

    # The articles of the people's rows, not a test of every article: a person is in few of the archive's articles,
    # and the newest-first walk would test them all to find those few.
    def filter_person(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        mentions = Mention.objects.filter(person__in=people_named(value))
        return queryset.filter(pk__in=mentions.values("article"))

    def filter_quoted(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        quotes = Quote.objects.all() if is_editor(self.request) else presentation.visible_quotes()
        return queryset.filter(pk__in=quotes.filter(speaker__in=people_named(value)).values("article"))

    def filter_author(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        authored = Article.authors.through.objects.filter(person__in=people_named(value))
        return queryset.filter(pk__in=authored.values("article"))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_json_list_contains("tags", value))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        _editors_only(self.request, "status")
        return queryset.filter(status=value)

    def filter_review_reason(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        _editors_only(self.request, "review_reason")
        return queryset.filter(_json_list_contains("review_reasons", value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset


class QuoteFilter(ArchiveFilterSet):
    """Quotes by speaker, article, outlet, date, status and full text."""

    speaker = SlugsFilter(method="filter_speaker", help_text="Speaker slug(s), comma-separated.")
    has_speaker = BooleanFilter(
        field_name="speaker", lookup_expr="isnull", exclude=True, help_text="`false`: quotes nobody is named for."
    )
    article = SlugsFilter(field_name="article__slug", help_text="Article slug(s), comma-separated.")
    source = SlugsFilter(field_name="article__source__slug", help_text="Outlet slug(s), comma-separated.")
    date = filters.DateFromToRangeFilter(
        field_name="article__published_on",
        help_text="Date range of the article the quote appeared in: `date_after` and `date_before` (YYYY-MM-DD, "
        "inclusive).",
    )
    status = filters.ChoiceFilter(
        choices=QuoteStatus.choices,
        help_text="`verified`: checked by an editor; `auto`: as the extractor found it; `rejected` (editors only).",
    )
    q = filters.CharFilter(method="filter_q", help_text=SEARCH_HELP)

    class Meta:
        model = Quote
        fields: list[str] = []

    def filter_speaker(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(speaker__in=people_named(value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset


class PersonFilter(ArchiveFilterSet):
    """People and organisations by kind, name and whether they are quoted."""

    kind = filters.ChoiceFilter(choices=PersonKind.choices, help_text="`person` or `organisation`.")
    name = filters.CharFilter(
        method="filter_name", help_text="Name prefix, case-insensitive; matches other names (aliases) too."
    )
    has_quotes = HasQuotesFilter(help_text="`true`: only people quoted at least once; `false`: never quoted.")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        aliases = Alias.objects.filter(person=OuterRef("pk"), name__istartswith=value)
        return queryset.filter(Q(name__istartswith=value) | Exists(aliases))
