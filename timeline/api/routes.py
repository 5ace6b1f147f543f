"""The timeline app's API: viewsets for the one router, and plain URLs (the TimelineJS feed)."""

from django.urls import path, re_path

from timeline.api.views import EventReportListView, EventViewSet, TimelineFeedView

ROUTES: list[tuple] = [
    ("events", EventViewSet, "event"),
]
URLS: list = [
    path("timeline.json", TimelineFeedView.as_view(), name="timeline-json"),
    # Ids as the events' own: at most 18 digits, so a longer one is a 404, not a database error.
    re_path(r"^events/(?P<event_pk>[0-9]{1,18})/reports/$", EventReportListView.as_view(), name="event-report-list"),
]
