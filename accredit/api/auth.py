"""Signing in and out of the API (bearer tokens) and the caller's own identity, roles and scopes."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask_login import current_user

from accredit.api.access import current_token
from accredit.api.blueprint import ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.schemas import enum_field, plain_text
from accredit.auth import services
from accredit.extensions import db
from accredit.org.queries import scope_name
from accredit.roles import Role

blp = ApiBlueprint("api_auth", __name__, tag="auth", description="Bearer tokens and the caller")

TOKEN_DOC = """Sign in with an email address and password; the answer holds a bearer token.

Send it on every other call as `Authorization: Bearer <token>`. Tokens expire (`expires_at`), are revoked by
`DELETE /api/v1/tokens/current`, and stop working when the password changes or the account is deactivated.
The sign-in page's lockout applies: after 5 failures in 15 minutes for an account or an address, sign-in is
refused with **429** (code `too_many_requests`, a `Retry-After` header) even with the right password.
Wrong credentials answer 401; a malformed body 400.
"""


class TokenRequestSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=254), plain_text])
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1024))


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True, metadata={"description": "Shown once; only its hash is stored"})
    expires_at = ma.fields.DateTime(required=True)


@blp.route("/tokens", methods=["POST"], public=True)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.errors(401, 429)
@blp.doc(summary="Sign in: get a bearer token", description=TOKEN_DOC)
def create_token(credentials: dict[str, Any]) -> dict[str, Any]:
    try:
        user = services.authenticate(credentials["email"], credentials["password"], request.remote_addr or "unknown")
    except services.SignInRefused as refused:
        db.session.commit()  # the failed attempt must count towards the lockout, though sign-in failed
        if isinstance(refused, services.SignInLocked):
            retry = str(current_app.config["LOCKOUT_WINDOW_MINUTES"] * 60)
            raise ApiError(429, str(refused), headers={"Retry-After": retry}) from None
        raise ApiError(401, str(refused)) from None
    raw, token = services.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/tokens/current", methods=["DELETE"])
@blp.response(204)
def revoke_current_token() -> Response:
    """Sign out: revoke the token this request was sent with."""
    services.revoke_token(current_token())
    db.session.commit()
    return Response(status=204)


class GrantSchema(ma.Schema):
    role = enum_field(Role)
    scope = ma.fields.String(required=True, attribute="scope_key",
                             metadata={"description": "trust, or kind:id such as division:3 or team:12"})
    scope_name = ma.fields.Method("_scope_name", required=True, metadata={"type": "string"})

    def _scope_name(self, grant: Any) -> str:
        return scope_name(grant.scope_kind, grant.scope_id)


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.Nested(GrantSchema), required=True)


@blp.route("/me")
@blp.response(200, MeSchema)
def me() -> Any:
    """The caller: who they are and the roles they hold, each with its scope."""
    user = current_user._get_current_object()
    return {"id": user.id, "name": user.name, "email": user.email, "roles": sorted(user.roles, key=lambda a: a.id)}
