"""The API's errors: one JSON shape for every failure, and the exceptions the archive adds to DRF's."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """The client edited an old version of the row: somebody saved it since."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object was changed since you read it; reload it and apply your change again."
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    """A write came without the version it was made against, so a lost update could not be detected."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send the object's `version` in the body or its ETag in an If-Match header."
    default_code = "precondition_required"


class Gone(exceptions.APIException):
    """The object existed but was taken down."""

    status_code = status.HTTP_410_GONE
    default_detail = "This object was withdrawn."
    default_code = "gone"


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documents the shape in the OpenAPI schema)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated for clients that lose it.")
    code = serializers.CharField(
        help_text="A stable machine-readable code, e.g. `invalid`, `not_found`, `permission_denied`, `conflict`, "
        "`throttled`."
    )
    detail = serializers.CharField(help_text="What went wrong, in words a person reads.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="For invalid input: each offending field or query parameter with its messages "
        "(nested like the input for nested fields); empty otherwise.",
    )


def _codes(detail: Any) -> str:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code or "invalid"
    return "invalid"


def error_body(status_code: int, code: str, detail: str, fields: dict | None = None) -> dict[str, Any]:
    """The error shape: ``{status, code, detail, fields}``."""
    return {"status": status_code, "code": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with every error reshaped into the one documented JSON body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # Django's debug page says more to a developer
        # Clients get JSON even from a bug; the traceback goes to the log.
        logger.exception("API error", exc_info=exc)
        set_rollback()
        return Response(
            error_body(500, "server_error", "The server failed to answer; the error was logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            body = error_body(response.status_code, "invalid", "Invalid input.", detail)
        else:
            messages = detail if isinstance(detail, list) else [detail]
            text = " ".join(str(m) for m in messages) or "Invalid input."
            body = error_body(response.status_code, _codes(messages[0] if messages else None), text)
    else:
        detail = exc.detail
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) and detail.code else exc.default_code
        body = error_body(response.status_code, str(code), str(detail))
    response.data = body
    return response
