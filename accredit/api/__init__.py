"""The JSON API under /api/v1 (see shared/API.md): bearer tokens, the same scope checks as the pages."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every API blueprint with the flask-smorest Api (which also serves /api/v1/openapi.json)."""
    from accredit.api import errors

    errors.init_app(app)
