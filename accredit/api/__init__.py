"""The JSON API under /api/v1 (see shared/API.md): bearer tokens, the same scope checks as the pages.

A resource is one module here with one ApiBlueprint (see blueprint.py for the pattern); add it to BLUEPRINTS.
The OpenAPI document (/api/v1/openapi.json) is generated from those modules by flask-smorest.
"""
from __future__ import annotations

from flask import Flask

API_DESCRIPTION = """Accredit's JSON API. Send `Authorization: Bearer <token>` (from `POST /api/v1/tokens`) on
every call but that one; the session cookie of the web pages does not authenticate the API.

The same role and scope checks as the pages apply: a record outside the caller's scope answers 404, exactly as
one that does not exist; a visible record with a forbidden action answers 403.

Every error answers `{"error": {"code", "message", "details"}}`. 400: the request is malformed (bad JSON, a
wrong type, a missing or unknown field; `details` maps each field to its messages). 401: no valid token.
409: not allowed from the current state, or a stale `version`. 422: a guard or rule refused (`details` names
what is missing). 429: sign-in locked out after repeated failures.

Lists take `?page=` (from 1) and `?per_page=` (default 50, at most 500) and answer
`{"items": [...], "total": n, "page": p, "per_page": k}`.
"""


def blueprints() -> list:
    from accredit.api import actions, assessments, auth, evidence, frameworks, notifications, teams, visits

    return [auth.blp, teams.blp, frameworks.blp, evidence.blp, assessments.blp, visits.blp, notifications.blp,
            actions.blp, _coverage_blp(), _stepup_blp(), _awards_blp(), _applications_blp()]


def _applications_blp():
    from accredit.api import applications

    return applications.blp


def _awards_blp():
    from accredit.api import awards

    return awards.blp


def _stepup_blp():
    from accredit.api import stepup

    return stepup.blp


def _coverage_blp():
    from accredit.api import coverage

    return coverage.blp


def register(app: Flask) -> None:
    """Register every API blueprint with the flask-smorest Api (which also serves /api/v1/openapi.json)."""
    from accredit.api import errors
    from accredit.api.blueprint import BEARER_SCHEME, install_converters
    from accredit.extensions import api, csrf

    errors.init_app(app)
    errors.document_errors(api)
    install_converters(app, api)
    api.spec.options["info"] = {"description": API_DESCRIPTION}
    api.spec.components.security_scheme(
        BEARER_SCHEME, {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/tokens"}
    )
    for blp in blueprints():
        csrf.exempt(blp)  # no cookie authenticates the API, so there is no cross-site request to forge
        _register(api, app, blp)


def _register(api, app: Flask, blp) -> None:
    """Api.register_blueprint, but tagging the routes with the blueprint's `tag` rather than its Flask name."""
    app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = api
    app.register_blueprint(blp)
    blp.register_views_in_doc(api, app, api.spec, name=blp.name, parameters=None)
    api.spec.tag({"name": blp.tag, "description": blp.description})
