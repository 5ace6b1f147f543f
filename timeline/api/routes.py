"""The timeline app's API: viewsets for the one router, and plain URLs (the TimelineJS feed)."""

from django.urls import path

from timeline.api.views import EventViewSet, TimelineFeedView

ROUTES: list[tuple] = [
    ("events", EventViewSet, "event"),
]
URLS: list = [
    path("timeline.json", TimelineFeedView.as_view(), name="timeline-json"),
]
