"""The articles app's API viewsets, as (prefix, viewset, basename) for the one router in newsarchive/urls.py."""

from articles.api.jobs import JobViewSet
from articles.api.views import ArticleViewSet, PersonViewSet, QuoteViewSet, SourceViewSet

ROUTES: list[tuple] = [
    ("sources", SourceViewSet, "source"),
    ("articles", ArticleViewSet, "article"),
    ("quotes", QuoteViewSet, "quote"),
    ("people", PersonViewSet, "person"),
    ("jobs", JobViewSet, "job"),
]
