"""The API's one error format: {"error": {"code", "message", "details"}}."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

CODES = {
    400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_type", 422: "unprocessable", 429: "too_many_requests",
    500: "server_error", 503: "unavailable",
}


class ApiError(Exception):
    """Raise from an API view to answer with the error format."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.code = status, message, details or {}, code


def error_response(status: int, message: str, description: str | None = None, details: dict | None = None,
                   code: str | None = None) -> Any:
    body = {"error": {"code": code or CODES.get(status, "error"), "message": description or message,
                      "details": details or {}}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="accredit"'
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        return error_response(error.status, error.message, details=error.details, code=error.code)
