"""Who is calling the API and what they may reach: bearer tokens, action checks, scoped loading.

Only the `Authorization: Bearer` header authenticates an API request; the session cookie never does (the API
has no CSRF protection, so a cookie must not be enough). The token's user becomes `flask_login.current_user`
for the request, so `can()` and every permission predicate work exactly as they do for pages.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from flask import g, request
from flask_login import current_user

from accredit.api.errors import ApiError
from accredit.auth.models import ApiToken
from accredit.auth.services import token_for
from accredit.extensions import db, login_manager
from accredit.permissions import can

T = TypeVar("T")

NO_TOKEN = "Send a bearer token: Authorization: Bearer <token> (POST /api/v1/tokens gives one)"
BAD_TOKEN = "The bearer token is not valid: it may have expired or been revoked. Ask for a new one."


def load_bearer_user() -> Any:
    """Authenticate this request from its bearer token and return the user; raises ApiError 401.

    Side effects: `g.api_token` is the token row and `current_user` is its user for the rest of the request.
    """
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        _as_anonymous()
        raise ApiError(401, NO_TOKEN)
    token = token_for(raw.strip())
    if token is None:
        _as_anonymous()
        raise ApiError(401, BAD_TOKEN)
    g.api_token = token
    g._login_user = token.user  # what flask_login.current_user reads; the session is never consulted
    return token.user


def _as_anonymous() -> None:
    g._login_user = login_manager.anonymous_user()


def current_token() -> ApiToken:
    """The token that authenticated this request (only inside a bearer-protected route)."""
    return g.api_token


def require(action: str, obj: Any = None) -> None:
    """Raise ApiError 403 unless the caller may do `action` (to `obj`, for actions that need one)."""
    if not can(current_user, action, obj):
        raise ApiError(403, "You do not have permission to do this", details={"action": action})


def get_or_404_in_scope(model: type[T], id_: int, view_action: str, action: str | None = None, *,
                        options: Sequence[Any] = ()) -> T:
    """Load `model` row `id_` (with loader `options`) if the caller may see it (`view_action`); else ApiError
    404, the same body for a missing row as for one outside the caller's scope. With `action`, a visible row
    the caller may not `action` answers 403. The 404 names the model by its `api_label` class attribute, if any.
    """
    obj = db.session.get(model, id_, options=options)
    if obj is None or not can(current_user, view_action, obj):
        # One message for both cases, without the id, so that the two bodies are identical.
        raise ApiError(404, f"There is no {_label(model)} with that id that you can see")
    if action is not None and action != view_action:
        require(action, obj)
    return obj


def _label(model: type) -> str:
    return getattr(model, "api_label", model.__name__.lower())
