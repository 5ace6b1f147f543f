"""The articles API: sources, articles, quotes and people; read for everyone, PATCH for editors."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponsePermanentRedirect, JsonResponse, QueryDict
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from articles import presentation, services
from articles.api import filters, serializers
from articles.api.errors import Conflict, ErrorSerializer, Gone, PreconditionRequired, error_body
from articles.api.exports import CSVRenderer, csv_response
from articles.api.filters import ArchiveFilterBackend, is_editor
from articles.api.pagination import KeysetPagination
from articles.api.parsers import StrictJSONParser
from articles.api.permissions import ModelPermissionsOrAnonReadOnly
from articles.caching import CachedReadMixin
from articles.models import Article, DatedMention, Mention, Person, Quote, Source
from newsarchive import pipeline

_ETAG_VERSION = re.compile(r'^(?:W/)?"?(\d+)(?:-[0-9a-f]+)?"?$')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the object as you read it (instead of `version` in the body). A stale one gets 409.",
)
PATCH_ERRORS = {
    409: OpenApiResponse(ErrorSerializer, description="Somebody changed the object since the version you sent."),
    428: OpenApiResponse(ErrorSerializer, description="Neither `version` nor If-Match was sent."),
}


class NulFreeQueryMixin:
    """Drops NUL characters from query parameters: PostgreSQL cannot compare text with them (a 500 otherwise)."""

    def initial(self, request, *args, **kwargs) -> None:
        # No stored text has a NUL character, so dropping them changes no answer.
        params = request._request.GET
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in params.lists()):
            cleaned = QueryDict(mutable=True)
            for key, values in params.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            request._request.GET = cleaned
        super().initial(request, *args, **kwargs)


class ArchiveViewSet(
    CachedReadMixin, NulFreeQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Read for everyone, with conditional GET; PATCH for editors with the version they read."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    lookup_description = "The object's slug, as in its `url`."
    http_method_names = ["get", "head", "options", "patch"]
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]
    permission_classes = [ModelPermissionsOrAnonReadOnly]
    filter_backends = [ArchiveFilterBackend]
    pagination_class = KeysetPagination
    ordering_fields: dict[str, str] = {}
    ordering = "-id"

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON whatever format was asked for: a CSV cannot carry them.
        if (
            getattr(self.request, "accepted_renderer", None) is not None
            and self.request.accepted_renderer.format == "csv"
        ):
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "editor": self.is_editor}

    @property
    def is_editor(self) -> bool:
        return is_editor(self.request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization"])  # editors and the public see different things
        if request.method not in ("GET", "HEAD", "PATCH") or response.status_code != 200 or response.streaming:
            return response
        response.render()
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        version = getattr(self, "etag_version", None)
        # A detail's ETag starts with the object's version, so If-Match on a PATCH can name the version read.
        response["ETag"] = f'"{version}-{digest}"' if version is not None else f'"{digest}"'
        if request.method == "PATCH":
            return response
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def retrieve(self, request, *args, **kwargs) -> Response:
        instance = self.get_object()
        self.etag_version = getattr(instance, "version", None)
        return Response(self.get_serializer(instance).data)

    # --- editors' writes ------------------------------------------------------

    def expected_version(self, request, data: dict) -> int | None:
        """The version the client read: ``version`` in the body, else If-Match; 428 without either."""
        if "version" in data:
            return data.pop("version")
        header = request.headers.get("If-Match", "").strip()
        if header == "*":
            return None  # the client asked explicitly to overwrite whatever is there
        if not header:
            raise PreconditionRequired()
        match = _ETAG_VERSION.match(header.split(",")[0].strip())
        if match is None:
            raise ParseError("If-Match must be an ETag this API sent for the object.")
        return int(match.group(1))

    def updated(self, instance) -> Response:
        """The detail of ``instance`` after a write, read again with everything it shows."""
        fresh = self.get_queryset().get(pk=instance.pk)
        self.etag_version = fresh.version
        return Response(self.get_serializer(fresh).data)


@csrf_exempt  # it changes nothing: a PATCH to a wrong address must get this 404, not a CSRF page
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """A JSON 404 in the API's error shape for API addresses that match no endpoint."""
    detail = "No API endpoint at this address; /api/schema/ lists them all."
    return JsonResponse(error_body(404, "not_found", detail), status=404)


def _published_or_editor(queryset: QuerySet[Article], editor: bool) -> QuerySet[Article]:
    return queryset if editor else queryset.published()


# --- sources ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List outlets", description="Outlets, wire services and other publishers."),
    retrieve=extend_schema(summary="One outlet"),
)
class SourceViewSet(ArchiveViewSet):
    """Outlets: news sites, wire services, governments."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    http_method_names = ["get", "head", "options"]
    ordering_fields = {"name": "name", "article_count": "article_count"}
    ordering = "name"

    def get_queryset(self) -> QuerySet[Source]:
        articles = _published_or_editor(Article.objects.filter(source=OuterRef("pk")), self.is_editor)
        count = articles.order_by().values("source").annotate(n=Count("pk")).values("n")
        return Source.objects.annotate(article_count=Coalesce(Subquery(count), Value(0), output_field=IntegerField()))


# --- articles -----------------------------------------------------------------------

# The columns an article's row in a list shows (ArticleSerializer).
ARTICLE_LIST_FIELDS = (
    "slug",
    "title",
    "source",
    "published_on",
    "published_precision",
    "published_origin",
    "dateline",
    "tags",
    "language",
    "status",
    "version",
    "created_at",
    "updated_at",
    "review_reasons",
    "locked_fields",
)


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        description="Published articles (editors see every status), newest first; filter, search with `q`, "
        "page with the `next` links. Query count does not grow with the page size.",
    ),
    retrieve=extend_schema(
        summary="One article",
        description="With its body (as the outlet's display policy allows), quotes, mentions and dated mentions.",
        responses={
            200: serializers.ArticleDetailSerializer,
            410: OpenApiResponse(ErrorSerializer, description="The article was withdrawn; `detail` says why."),
        },
    ),
    partial_update=extend_schema(
        summary="Correct an article (editors)",
        description="Send `version` (or If-Match) and the fields to change; each is locked against re-extraction "
        "and the change is recorded in the article's history. `status` publishes or withdraws.",
        request=serializers.ArticleUpdateSerializer,
        responses={200: serializers.ArticleDetailSerializer, **PATCH_ERRORS},
        parameters=[IF_MATCH],
    ),
)
class ArticleViewSet(ArchiveViewSet):
    """Articles: published ones for everyone, every status for editors."""

    queryset = Article.objects.all()
    filterset_class = filters.ArticleFilter
    ordering_fields = {
        "published_on": "published_on",
        "title": "title",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }
    ordering = "-published_on"

    def get_serializer_class(self):
        return serializers.ArticleSerializer if self.action == "list" else serializers.ArticleDetailSerializer

    def get_queryset(self) -> QuerySet[Article]:
        editor = self.is_editor
        if self.action == "list":
            # What a row shows and no more; the serializer reads the page's authors and stories in one query.
            return (
                _published_or_editor(Article.objects.all(), editor)
                .select_related("source")
                .only(*ARTICLE_LIST_FIELDS, "source__slug", "source__name")
            )
        queryset = Article.objects.all() if editor else Article.objects.published()
        if self.action == "retrieve" and not editor:
            # A withdrawn article answers 410, not 404: read with the published ones, turned away by retrieve().
            queryset = Article.objects.filter(status__in=[Article.Status.PUBLISHED, Article.Status.WITHDRAWN])
        queryset = queryset.select_related("source").defer("raw_text", "search_vector", "suggestions")
        if self.action == "retrieve" or not self.format_kwarg:
            # retrieve() reads them once it knows the article is shown; rows written by hand read their own values.
            return queryset
        return queryset.prefetch_related(*self.detail_prefetches())

    def detail_prefetches(self) -> list[Prefetch]:
        """What a detail shows besides the article, as DRF's field-by-field way (a `.json` address) reads it.

        Quotes (those the requester may see), mentions, dated mentions. Rows written by hand read the same as
        plain values instead (serializers.article_evidence).
        """
        editor = self.is_editor
        quotes = Quote.objects.select_related("speaker").order_by("start", "id")
        if not editor:
            quotes = quotes.exclude(status=Quote.Status.REJECTED)
        dated = DatedMention.objects.order_by("start", "id")
        if not editor:
            dated = dated.exclude(status=DatedMention.Status.REJECTED)
        return [
            Prefetch("quotes", queryset=quotes.defer("search_vector"), to_attr="visible_quotes"),
            Prefetch("mentions", queryset=Mention.objects.select_related("person"), to_attr="mention_list"),
            Prefetch("dated_mentions", queryset=dated, to_attr="dated_mention_list"),
        ]

    def retrieve(self, request, *args, **kwargs) -> Response:
        article = self.get_object()
        editor = self.is_editor
        if article.status == Article.Status.WITHDRAWN and not editor:
            raise Gone(f"Withdrawn: {article.withdrawn_reason}" if article.withdrawn_reason else None)
        if self.format_kwarg:
            prefetch_related_objects([article], *self.detail_prefetches())
            if not editor and not presentation.shows_text(article):
                article.visible_quotes = []
        self.etag_version = article.version
        return Response(self.get_serializer(article).data)

    def partial_update(self, request, *args, **kwargs) -> Response:
        article = self.get_object()
        incoming = serializers.ArticleUpdateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        version = self.expected_version(request, data)
        status = data.pop("status", None)
        reason = data.pop("withdrawn_reason", "")
        try:
            # One transaction: a correction and a status change are saved together or not at all.
            with transaction.atomic():
                if "published_on" in data:
                    # Through the pipeline, as in the admin: relative dates ("last week") resolve again at once.
                    article = pipeline.article_set_published_on(
                        article=article,
                        published_on=data.pop("published_on"),
                        expected_version=version,
                        nlp_model=settings.NLP_MODEL or None,
                        match_threshold=settings.PERSON_MATCH_THRESHOLD,
                    )
                    version = article.version
                if data:
                    article = services.article_update(article=article, data=data, expected_version=version)
                    version = article.version
                if status == Article.Status.PUBLISHED:
                    article = services.article_publish(article=article, expected_version=version)
                elif status == Article.Status.WITHDRAWN:
                    article = services.article_withdraw(article=article, reason=reason, expected_version=version)
        except services.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        return self.updated(article)


# --- quotes -------------------------------------------------------------------------

QUOTE_CSV_HEADER = [
    "id",
    "url",
    "text",
    "speaker",
    "speaker_slug",
    "speaker_mention",
    "article_slug",
    "article_title",
    "published_on",
    "source",
    "start",
    "end",
    "confidence",
    "status",
]


# The columns a quote's row in a list (QuoteSerializer) or the CSV export shows.
QUOTE_LIST_FIELDS = (
    "text",
    "speaker_mention",
    "start",
    "end",
    "confidence",
    "origin",
    "extractor_version",
    "status",
    "version",
    "locked_fields",
    "article__slug",
    "article__title",
    "article__published_on",
    "article__source__slug",
    "article__source__name",
    "speaker__slug",
    "speaker__name",
    "speaker__kind",
)


@extend_schema_view(
    list=extend_schema(
        summary="List quotes",
        description="Quotes of published articles (editors also see rejected ones and drafts'). "
        "`?format=csv` streams every matching row as CSV, with the same filters and ordering.",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="`csv`: every matching quote as CSV, streamed, not paged (the same as Accept: text/csv).",
            )
        ],
        responses={
            (200, "application/json"): serializers.QuoteSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every matching quote, one per line."),
        },
    ),
    retrieve=extend_schema(summary="One quote"),
    partial_update=extend_schema(
        summary="Correct a quote (editors)",
        description="Send `version` (or If-Match): set the speaker (locked against re-extraction), verify or "
        "reject. The change is recorded in the quote's history.",
        request=serializers.QuoteUpdateSerializer,
        responses={200: serializers.QuoteSerializer, **PATCH_ERRORS},
        parameters=[IF_MATCH],
    ),
)
class QuoteViewSet(ArchiveViewSet):
    """Quotes with their speakers; ids, not slugs."""

    queryset = Quote.objects.all()
    serializer_class = serializers.QuoteSerializer
    filterset_class = filters.QuoteFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]{1,18}"
    lookup_description = "The quote's id."
    ordering_fields = {"published_on": "article__published_on", "confidence": "confidence", "id": "pk"}
    ordering = "-published_on"

    def get_renderers(self):
        renderers = super().get_renderers()
        # A list comes as CSV too; one quote does not (an unmapped method still gets its 405, not a 404).
        return renderers if self.action in ("retrieve", "partial_update") else [*renderers, CSVRenderer()]

    def get_queryset(self) -> QuerySet[Quote]:
        queryset = Quote.objects.all() if self.is_editor else presentation.visible_quotes()
        queryset = queryset.select_related("article__source", "speaker")
        if self.action == "list":
            return queryset.only(*QUOTE_LIST_FIELDS)  # what a row (or a CSV line) shows and no more
        return queryset.defer(
            "search_vector",
            "article__raw_text",
            "article__body",
            "article__search_vector",
            "article__suggestions",
            "article__captions",
        )

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        queryset = self.paginator.order_queryset(queryset, request, self)
        base = request.build_absolute_uri(reverse("quote-list"))

        def row(q: Quote) -> list[Any]:
            article, speaker = q.article, q.speaker
            return [
                q.pk,
                f"{base}{q.pk}/",
                q.text,
                speaker.name if speaker else "",
                speaker.slug if speaker else "",
                q.speaker_mention,
                article.slug,
                article.title,
                article.published_on.isoformat() if article.published_on else "",
                article.source.name if article.source else "",
                q.start,
                q.end,
                q.confidence,
                q.status,
            ]

        return csv_response(queryset.iterator(chunk_size=2000), header=QUOTE_CSV_HEADER, row=row, filename="quotes.csv")

    def partial_update(self, request, *args, **kwargs) -> Response:
        quote = self.get_object()
        incoming = serializers.QuoteUpdateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        version = self.expected_version(request, data)
        status = data.pop("status", None)
        try:
            with transaction.atomic():
                if data:
                    quote = services.quote_update(quote=quote, data=data, expected_version=version)
                    version = quote.version
                if status is not None:
                    quote = services.quote_set_status(quote=quote, status=status, expected_version=version)
        except services.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        return self.updated(quote)


# --- people -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List people and organisations",
        description="Everyone a published article names, quotes or lists as author (editors see everyone). "
        "Merged people are left out; their old slugs redirect.",
    ),
    retrieve=extend_schema(
        summary="One person or organisation",
        responses={
            200: serializers.PersonSerializer,
            301: OpenApiResponse(description="Merged into another person: Location is their address."),
        },
    ),
    partial_update=extend_schema(
        summary="Correct a person (editors)",
        description="Send `version` (or If-Match): name, kind, roles, description; each locked and recorded in "
        "the history. The slug never changes.",
        request=serializers.PersonUpdateSerializer,
        responses={200: serializers.PersonSerializer, **PATCH_ERRORS},
        parameters=[IF_MATCH],
    ),
)
class PersonViewSet(ArchiveViewSet):
    """People and organisations, one row each across the archive."""

    queryset = Person.objects.all()
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    ordering_fields = {"name": "name", "quote_count": "quote_count"}
    ordering = "name"

    def _quotes(self) -> QuerySet[Quote]:
        return Quote.objects.all() if self.is_editor else presentation.visible_quotes()

    def get_queryset(self) -> QuerySet[Person]:
        quotes = self._quotes().filter(speaker=OuterRef("pk")).order_by().values("speaker")
        count = quotes.annotate(n=Count("pk")).values("n")
        queryset = (
            Person.objects.active()
            .annotate(quote_count=Coalesce(Subquery(count), Value(0), output_field=IntegerField()))
            .prefetch_related("aliases")
        )
        if self.is_editor:
            return queryset
        published = Article.objects.published()
        return queryset.filter(
            Exists(Mention.objects.filter(person=OuterRef("pk"), article__in=published))
            | Exists(self._quotes().filter(speaker=OuterRef("pk")))
            | Exists(Article.authors.through.objects.filter(person=OuterRef("pk"), article__in=published))
        )

    def retrieve(self, request, *args, **kwargs):
        merged = Person.objects.filter(slug=kwargs.get("slug"), merged_into__isnull=False).first()
        if merged is not None:
            survivor = presentation.survivor(merged)
            if survivor is not None and self.get_queryset().filter(pk=survivor.pk).exists():
                url = reverse("person-detail", kwargs={"slug": survivor.slug})
                query = request.META.get("QUERY_STRING")
                return HttpResponsePermanentRedirect(url + (f"?{query}" if query else ""))
        return super().retrieve(request, *args, **kwargs)

    def partial_update(self, request, *args, **kwargs) -> Response:
        person = self.get_object()
        incoming = serializers.PersonUpdateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        version = self.expected_version(request, data)
        try:
            person = services.person_update(person=person, data=data, expected_version=version)
        except services.ConflictError as exc:
            raise Conflict(str(exc)) from exc
        return self.updated(person)
