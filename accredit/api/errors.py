"""The API's one error format: {"error": {"code", "message", "details"}}, served and documented.

Status codes (API.md): 400 the request is malformed (bad JSON, a wrong type, a missing or unknown field; `details`
maps each field to its messages), 401 no valid bearer token, 403 a permitted thing with a forbidden action, 404
missing or outside the caller's scope (indistinguishable), 409 not allowed from the current state or a stale
version, 413 too large, 415 wrong file type, 422 a guard or a rule refused (`details` names what is missing),
429 sign-in locked out.
"""
from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from flask import Flask, jsonify

CODES = {
    400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_type", 422: "unprocessable", 429: "too_many_requests",
    500: "server_error", 503: "unavailable",
}


class ApiError(Exception):
    """Raise from an API view (or a helper it calls) to answer with the error format."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.code = status, message, details or {}, code
        self.headers = headers or {}


def error_response(status: int, message: str, description: str | None = None, details: dict | None = None,
                   code: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """A JSON error response; `description`, when given, is the message people read (werkzeug's wording)."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": description or message,
                      "details": details or {}}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="accredit"'
    response.headers.update(headers or {})
    return response


def init_app(app: Flask) -> None:
    # Other HTTP errors under /api/ (404 for unknown paths, 405, 413) reach error_response through
    # accredit.security._http_error, which replaces flask-smorest's own HTTPException handler.
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        return error_response(error.status, error.message, details=error.details, code=error.code,
                              headers=error.headers)


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable machine-readable code, e.g. not_found"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, in words fit to show"})
    details = ma.fields.Dict(
        required=True,
        metadata={"description": "Field name -> messages for 400; what is missing for 422; otherwise {}"},
    )


class ErrorResponseSchema(ma.Schema):
    """Documentation only: every error body has exactly this shape."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def document_errors(api: Any) -> None:
    """Make every error response flask-smorest documents (per status, and `default`) use ErrorResponseSchema.

    flask-smorest registers them at init_app with its own ErrorSchema, which Accredit never sends; its
    pagination metadata schema is dropped too, because Accredit pages in the body (see pagination.py).
    """
    components = api.spec.components
    for status in http.HTTPStatus:
        if status >= 400:
            components.response(status.name, _error_doc(status.phrase), lazy=True)
    components.response(api.DEFAULT_ERROR_RESPONSE_NAME, _error_doc("Any other error"), lazy=True)
    for unused in ("Error", "PaginationMetadata"):
        components.schemas.pop(unused, None)


def _error_doc(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ErrorResponseSchema}}}
