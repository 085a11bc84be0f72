"""The API's Blueprint: every route needs a bearer token unless marked public, and documents its errors.

A resource module looks like this (see teams.py):

    blp = ApiBlueprint("api_teams", __name__, tag="teams", description="Teams in the caller's scope")

    @blp.route("/teams/<id:team_id>")
    @blp.response(200, TeamDetailSchema)
    @blp.errors(404)
    def get_team(team_id):
        return get_or_404_in_scope(Team, team_id, "team.view")

`route` adds the bearer check (401) and the security requirement to the OpenAPI document; `arguments` answers
a malformed body or query with 400 in the error format; `errors` documents the other error statuses a route
can answer. Routes are plain functions (no MethodView) so that the bearer check wraps every one of them.
"""
from __future__ import annotations

import http
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter, IntegerConverter

from accredit.api.access import load_bearer_user
from accredit.api.errors import ApiError

BEARER_SCHEME = "bearerAuth"
MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds; larger ones are simply not found


class IdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive database id (a larger number answers 404, never a database error)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        super().__init__(map, min=1, max=MAX_ID)


class SlugConverter(BaseConverter):
    """`<slug:name>` in a route: a lower-case key such as `cqc-kloe-2017`; anything else answers 404."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def install_converters(app: Any, api: Any) -> None:
    """Make `<id:…>` and `<slug:…>` usable in API routes and describe them in the OpenAPI document."""
    app.url_map.converters.update(id=IdConverter, slug=SlugConverter)
    # The spec's Flask plugin is made afresh by every Api.init_app, so this registers once per app.
    api.flask_plugin.register_converter(
        SlugConverter, lambda converter: {"type": "string", "pattern": f"^{SlugConverter.regex}$", "maxLength": 64}
    )


class ApiParser(FlaskParser):
    """webargs parser whose refusals are 400 errors in the API's format, never flask-smorest's 422."""

    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(self, error: ma.ValidationError, req: Any, schema: ma.Schema, *, error_status_code: Any,
                     error_headers: Any) -> NoReturn:
        # webargs namespaces the messages by location: {"json": {"email": [...]}}.
        (location, messages), = error.messages.items()
        where = "request body is" if location in {"json", "form", "files"} else "query parameters are"
        raise ApiError(400, f"The {where} not valid: see details", details=_as_dict(messages))

    def _handle_invalid_json_error(self, error: json.JSONDecodeError | UnicodeDecodeError, req: Any,
                                   *args: Any, **kwargs: Any) -> NoReturn:
        raise ApiError(400, "The request body is not valid JSON", details={"json": [str(error)]})


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"_schema": messages}


class ApiBlueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, name: str, import_name: str, *, tag: str, description: str = "", **kwargs: Any):
        kwargs.setdefault("url_prefix", "/api/v1")
        super().__init__(name, import_name, description=description, **kwargs)
        self.tag = tag  #: the OpenAPI tag of every route here (blueprint names stay unique in Flask)

    def route(self, rule: str, *, public: bool = False, **options: Any) -> Callable:
        """Register a view; unless `public`, it needs a bearer token and answers 401 without one."""
        options.setdefault("tags", [self.tag])

        def decorator(func: Callable) -> Callable:
            view = func
            if public:
                view = self.doc(security=[])(view)
            else:
                view = self.alt_response(401, response="UNAUTHORIZED")(_bearer_required(view))
                view = self.doc(security=[{BEARER_SCHEME: []}])(view)
            super(ApiBlueprint, self).route(rule, **options)(view)
            return func

        return decorator

    def errors(self, *statuses: int) -> Callable:
        """Document the error responses (in the error format) a route may answer besides 400 and 401."""

        def decorator(func: Callable) -> Callable:
            for status in statuses:
                func = self.alt_response(status, response=http.HTTPStatus(status).name)(func)
            return func

        return decorator


def _bearer_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        load_bearer_user()
        return view(*args, **kwargs)

    return wrapped
