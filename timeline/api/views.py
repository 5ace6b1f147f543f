"""The timeline API: events (read for everyone, corrections for editors) and the TimelineJS feed."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.api.pagination import KeysetPagination
from articles.api.views import NulFreeQueryMixin
from articles.models import DatedMention
from timeline import services
from timeline.api.filters import EventFilter
from timeline.api.serializers import (
    EventSerializer,
    EventUpdateSerializer,
    timelinejs_slide,
    visible_reports,
)
from timeline.models import Event, EventMention

FEED_TITLE = "newsarchive: the timeline"


def is_editor(request) -> bool:
    """Whether the requester sees what the public may not: events and reports of unpublished articles."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("timeline.view_event"))


def events_for(request) -> QuerySet:
    """Events the requester may see, with what the serializers read prefetched."""
    queryset = Event.objects.all() if is_editor(request) else Event.objects.public()
    links = EventMention.objects.select_related("dated_mention__article__source").order_by("pk")
    return queryset.prefetch_related(Prefetch("event_mentions", queryset=links), "participants")


class EventViewSet(
    NulFreeQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Events: one real-world happening each, with every article that reports it.

    Anonymous readers see events reported by at least one published article. Editors may correct an event
    (PATCH: the fields they change are locked against the machine) and verify it.
    """

    serializer_class = EventSerializer
    filterset_class = EventFilter
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
class TimelineFeedView(NulFreeQueryMixin, APIView):
    """The events in TimelineJS3's JSON format (https://timeline.knightlab.com/docs/json-format.html)."""

    permission_classes = [AllowAny]

    @extend_schema(
        # The feed takes the events list's filters; described one by one, as a plain view has no filterset.
        parameters=[_feed_parameter(name, f) for name, f in EventFilter.base_filters.items()],
        responses={200: OpenApiResponse(description="A TimelineJS3 timeline: title, events (slides), scale.")},
    )
    def get(self, request) -> Response:
        editor = is_editor(request)
        queryset = events_for(request).dated()
        filterset = EventFilter(request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        slides = []
        for event in filterset.qs.chronological():
            reports = visible_reports(event, editor)
            if reports:
                slides.append(timelinejs_slide(event, reports, request))
        undated = DatedMention.objects.filter(date__isnull=True, article__status="published").exclude(
            status=DatedMention.Status.REJECTED
        )
        return Response(
            {
                "title": {
                    "text": {
                        "headline": FEED_TITLE,
                        "text": f"{len(slides)} events, each with the articles that report it. "
                        f"{undated.count()} reported happenings have no known date yet and are not shown.",
                    }
                },
                "events": slides,
                "scale": "human",
            }
        )
