"""The OpenAPI schema of the whole API: every operation documents the errors it can answer with, in one shape."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly

from articles.api.errors import ErrorSerializer

_COMMON_ERRORS = {
    400: "Invalid input: a query parameter, cursor or body field; `fields` names each.",
    403: "Not allowed: writing needs an editor's account (session or `Authorization: Token ...`); "
    "some filters are for editors only.",
    404: "No such object (or not one you may see), or an unknown `format`.",
    406: "None of the media types in Accept can be produced.",
    429: "Too many requests from an anonymous client (API_ANON_RATE): wait for Retry-After seconds.",
}
_WRITE_ERRORS = {
    415: "The body is not JSON (or form data).",
}


class ArchiveAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error responses, the 304 of conditional GETs and the ETag header."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            # django-filter and the pagination treat `?x=` as no `x` at all; say so where the type
            # (a date, a number, one of a list) would not admit an empty value anyway.
            schema = parameter.get("schema", {})
            typed = schema.get("type") not in ("string", "array") or "enum" in schema or "format" in schema
            if parameter.get("in") == "query" and not parameter.get("required") and typed:
                parameter["allowEmptyValue"] = True
        return operation

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        description = getattr(self.view, "lookup_description", None)
        if description and "{" in self.path:
            # Describe the lookup in the path ({slug} or {id}), which the model fields leave undescribed.
            by_pk = self.view.lookup_field == "pk"
            name = "id" if by_pk else self.view.lookup_field
            kind = OpenApiTypes.INT if by_pk else OpenApiTypes.STR
            pattern = None if by_pk else rf"^{self.view.lookup_value_regex}$"
            parameter = OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description, pattern=pattern)
            parameters = [parameter, *parameters]
        return parameters

    def get_auth(self):
        auths = super().get_auth()
        # drf-spectacular knows AllowAny and IsAuthenticatedOrReadOnly only: anonymous reads are allowed here too.
        anonymous_reads = any(isinstance(p, DjangoModelPermissionsOrAnonReadOnly) for p in self.view.get_permissions())
        if anonymous_reads and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(_COMMON_ERRORS)
        if self.method in ("PATCH", "PUT", "POST"):
            errors.update(_WRITE_ERRORS)
        if self.method == "GET":
            not_modified = OpenApiResponse(description="Not modified: the ETag sent in If-None-Match still matches.")
            responses.setdefault("304", self._get_response_for_code(not_modified, "304", direction=direction))
        for code, description in errors.items():
            if str(code) not in responses:
                error = OpenApiResponse(ErrorSerializer, description=description)
                responses[str(code)] = self._get_response_for_code(error, str(code), ["application/json"], direction)
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if self.method in ("GET", "PATCH") and status_code in ("200", "304"):
            headers.setdefault(
                "ETag",
                {
                    "schema": {"type": "string"},
                    "description": "Identifies this representation: send it in If-None-Match for a 304 when "
                    "nothing changed, or (details) in If-Match with a PATCH.",
                },
            )
        if status_code == "429":
            headers.setdefault(
                "Retry-After", {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
            )
        return headers
