"""The timeline API: events (read for everyone, corrections for editors) and the TimelineJS feed."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.filters import NOT_FILTERS, ArchiveFilterBackend
from articles.api.links import Paths
from articles.api.pagination import KeysetPagination
from articles.api.permissions import ModelPermissionsOrAnonReadOnly
from articles.api.views import NulFreeQueryMixin
from articles.caching import CachedReadMixin
from articles.models import DatedMention, Person
from timeline import services
from timeline.api.filters import EventFilter
from timeline.api.serializers import (
    REPORTS_SHOWN,
    EventSerializer,
    EventUpdateSerializer,
    ReportSerializer,
    event_pages,
    first_reports,
    report_rows,
    timelinejs_slide,
    visible_links,
)
from timeline.models import Event, EventMention

FEED_TITLE = "newsarchive: the timeline"
# TimelineJS cannot step through thousands of slides: the feed stops here, and says how to narrow it. A slide
# cites the first reports, as the events list does, and links to the rest on the timeline page.
FEED_EVENTS = 500


def is_editor(request) -> bool:
    """Whether the requester sees what the public may not: events and reports of unpublished articles."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("timeline.view_event"))


def events_for(request) -> QuerySet:
    """Events the requester may see, with their participants (the serializer reads their first reports)."""
    queryset = Event.objects.all() if is_editor(request) else Event.objects.public()
    return queryset.prefetch_related(Prefetch("participants", queryset=Person.objects.only("name", "slug", "kind")))


class EventViewSet(
    CachedReadMixin,
    NulFreeQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Events: one real-world happening each, with the first articles that report it (``reports_url``: all).

    Anonymous readers see events reported by at least one published article. Editors may correct an event
    (PATCH: the fields they change are locked against the machine) and verify it.
    """

    queryset = Event.objects.all()  # the model, for the permissions; get_queryset() says which events
    serializer_class = EventSerializer
    filterset_class = EventFilter
    filter_backends = [ArchiveFilterBackend]
    permission_classes = [ModelPermissionsOrAnonReadOnly]
    pagination_class = KeysetPagination
    ordering_fields = {"date": "date", "id": "pk"}
    ordering = "date"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return events_for(self.request)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "editor": is_editor(self.request)}

    @extend_schema(request=EventUpdateSerializer, responses=EventSerializer)
    def partial_update(self, request, *args, **kwargs) -> Response:
        event = self.get_object()
        serializer = EventUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        try:
            event = services.event_update(event=event, data=data, expected_version=version)
        except services.ConflictError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except ModelValidationError as exc:  # e.g. an end before the start
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=event.pk)).data)

    def update(self, request, *args, **kwargs) -> Response:
        if not kwargs.get("partial"):
            return Response({"detail": "Use PATCH."}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return super().update(request, *args, **kwargs)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None) -> Response:
        """Mark the event verified: the machine no longer changes it."""
        event = services.event_verify(event=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=event.pk)).data)


def _feed_parameter(name: str, f) -> OpenApiParameter:
    """The schema of one of the events list's filters, for the feed that takes them too."""
    help_text = str(f.extra.get("help_text") or f.label or name)
    if isinstance(f, django_filters.DateFilter):
        return OpenApiParameter(name, OpenApiTypes.DATE, description=help_text)
    if isinstance(f, django_filters.ChoiceFilter):
        return OpenApiParameter(name, str, description=help_text, enum=[value for value, _ in f.extra["choices"]])
    return OpenApiParameter(name, str, description=help_text)


@method_decorator(cache_control(max_age=300, public=True), name="get")
class TimelineFeedView(CachedReadMixin, NulFreeQueryMixin, APIView):
    """The events in TimelineJS3's JSON format (https://timeline.knightlab.com/docs/json-format.html)."""

    permission_classes = [AllowAny]

    @extend_schema(
        # The feed takes the events list's filters; described one by one, as a plain view has no filterset.
        parameters=[_feed_parameter(name, f) for name, f in EventFilter.base_filters.items()],
        summary="The timeline as a TimelineJS feed",
        description=f"Dated events oldest first, at most {FEED_EVENTS} (the title slide says when there are more: "
        f"narrow with the filters, or page through `/api/v1/events/`). Each slide cites the first {REPORTS_SHOWN} "
        "reports and links to the rest on the timeline page.",
        responses={200: OpenApiResponse(description="A TimelineJS3 timeline: title, events (slides), scale.")},
    )
    def get(self, request) -> Response:
        editor = is_editor(request)
        queryset = (Event.objects.all() if editor else Event.objects.public()).dated()
        if not NOT_FILTERS.issuperset(request.query_params):
            filterset = EventFilter(request.query_params, queryset=queryset, request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            queryset = filterset.qs
        fields = ("id", "date", "end_date", "precision", "date_note", "title", "summary")
        events = list(queryset.chronological().values(*fields)[: FEED_EVENTS + 1])
        reports = first_reports([event["id"] for event in events[:FEED_EVENTS]], editor=editor)
        article_paths = Paths("articles:article", request=request)
        pages = event_pages(request)
        slides = [
            timelinejs_slide(
                event,
                reports[event["id"]],
                article_paths=article_paths,
                event_url=pages(event["id"]),
            )
            for event in events[:FEED_EVENTS]
            if reports[event["id"]].count  # every report rejected: an event only editors list, with no slide
        ]
        undated = DatedMention.objects.filter(date__isnull=True, article__status="published").exclude(
            status=DatedMention.Status.REJECTED
        )
        cut = (
            f" Only the first {FEED_EVENTS} are shown: narrow the feed with date_from, date_to or another filter."
            if len(events) > FEED_EVENTS
            else ""
        )
        return Response(
            {
                "title": {
                    "text": {
                        "headline": FEED_TITLE,
                        "text": f"{len(slides)} events, each with the articles that report it.{cut} "
                        f"{undated.count()} reported happenings have no known date yet and are not shown.",
                    }
                },
                "events": slides,
                "scale": "human",
            }
        )


@extend_schema(
    summary="Every report of one event",
    description="The articles reporting the event, earliest first (undated articles last), page by page: "
    "the event's `reports` show only the first few.",
    parameters=[OpenApiParameter("event_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The event's id.")],
)
class EventReportListView(CachedReadMixin, NulFreeQueryMixin, generics.ListAPIView):
    """The reports of one event that the requester may see."""

    queryset = EventMention.objects.all()  # the model, for the permissions; get_queryset() says which reports
    serializer_class = ReportSerializer
    permission_classes = [ModelPermissionsOrAnonReadOnly]
    pagination_class = KeysetPagination
    ordering_fields = {"published_on": "dated_mention__article__published_on"}
    ordering = "published_on"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet:
        editor = is_editor(self.request)
        events = Event.objects.all() if editor else Event.objects.public()
        # The event's own 404: an event the requester may not see has no reports to list either.
        event = get_object_or_404(events.only("pk"), pk=self.kwargs["event_pk"])
        return visible_links(editor).filter(event=event).only("pk")

    def list(self, request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # The page's links are read again as report rows: the text around each date of this page only.
        links = EventMention.objects.filter(pk__in=[link.pk for link in page]).order_by()
        rows = {row["pk"]: row for row in report_rows(links)}
        serializer = self.get_serializer([rows[link.pk] for link in page], many=True)
        return self.get_paginated_response(serializer.data)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "article_paths": Paths("articles:article")}
