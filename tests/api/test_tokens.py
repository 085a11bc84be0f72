"""Bearer tokens: issue, use, expire, revoke; the sign-in lockout; no cookie ever authenticates the API."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from accredit.api.access import BAD_TOKEN, NO_TOKEN
from accredit.auth import services as accounts
from accredit.auth.models import ApiToken, SignInAttempt
from accredit.auth.services import BAD_CREDENTIALS, LOCKED_MESSAGE
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.roles import Role
from tests.api.conftest import answer, error


def _user(factory):
    user = factory.user(email="nadia@test.nhs.uk", name="Nadia Nurse", role=Role.TEAM_MEMBER, scope=factory.team())
    factory.commit()
    return user


def test_token_issue_answers_token_and_expiry_and_stores_only_its_hash(api, factory, app):
    user = _user(factory)
    before = utcnow()
    response = api.client.post("/api/v1/tokens", json={"email": "NADIA@test.nhs.uk ", "password": "correct-horse-battery"})
    assert response.status_code == 201
    body = response.get_json()
    assert sorted(body) == ["expires_at", "token"]
    expires_at = datetime.fromisoformat(body["expires_at"])
    hours = app.config["API_TOKEN_HOURS"]
    assert before + timedelta(hours=hours) <= expires_at <= utcnow() + timedelta(hours=hours)
    stored = db.session.scalars(sa.select(ApiToken)).all()
    assert [(t.user_id, t.token_hash) for t in stored] == [(user.id, hashlib.sha256(body["token"].encode()).hexdigest())]


def test_token_authenticates_api_calls(api, factory):
    user = _user(factory)
    api.sign_in(user)
    response = api.get("/api/v1/me")
    assert (response.status_code, response.get_json()["email"]) == (200, "nadia@test.nhs.uk")


def test_token_expired_is_refused(api, factory):
    user = _user(factory)
    api.sign_in(user)
    token = db.session.scalars(sa.select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert answer(api.get("/api/v1/me")) == error(401, "unauthorised", BAD_TOKEN)


def test_token_revoked_by_delete_current_no_longer_works(api, factory):
    user = _user(factory)
    api.sign_in(user)
    response = api.delete("/api/v1/tokens/current")
    assert (response.status_code, response.get_data()) == (204, b"")
    assert answer(api.get("/api/v1/me")) == error(401, "unauthorised", BAD_TOKEN)
    db.session.rollback()
    assert [t.revoked_at is not None for t in db.session.scalars(sa.select(ApiToken))] == [True]


def test_token_revoke_leaves_other_tokens_working(api, factory):
    user = _user(factory)
    first = api.sign_in(user)
    api.sign_in(user)
    assert api.delete("/api/v1/tokens/current").status_code == 204
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 200


def test_token_of_deactivated_user_is_refused(api, factory):
    user = _user(factory)
    api.sign_in(user)
    accounts.set_active(user, False)
    db.session.commit()
    assert answer(api.get("/api/v1/me")) == error(401, "unauthorised", BAD_TOKEN)


def test_token_wrong_password_is_401_and_the_attempt_is_committed(api, factory):
    _user(factory)
    response = api.client.post("/api/v1/tokens", json={"email": "nadia@test.nhs.uk", "password": "wrong"})
    assert answer(response) == error(401, "unauthorised", BAD_CREDENTIALS)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="accredit"'
    db.session.rollback()  # only what the request committed survives
    attempts = db.session.execute(sa.select(SignInAttempt.email, SignInAttempt.succeeded)).all()
    assert attempts == [("nadia@test.nhs.uk", False)]


def test_token_unknown_email_is_401_like_a_wrong_password(api, factory):
    response = api.client.post("/api/v1/tokens", json={"email": "nobody@test.nhs.uk", "password": "x"})
    assert answer(response) == error(401, "unauthorised", BAD_CREDENTIALS)


def test_token_lockout_refuses_even_the_right_password(api, factory):
    _user(factory)
    for _ in range(5):
        bad = api.client.post("/api/v1/tokens", json={"email": "nadia@test.nhs.uk", "password": "wrong"})
        assert bad.status_code == 401
    response = api.client.post("/api/v1/tokens",
                               json={"email": "nadia@test.nhs.uk", "password": "correct-horse-battery"})
    assert answer(response) == error(429, "too_many_requests", LOCKED_MESSAGE)
    assert response.headers["Retry-After"] == "900"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_token_malformed_json_is_400(api):
    response = api.client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    status, body = answer(response)
    assert (status, body["error"]["code"], body["error"]["message"]) == (
        400, "bad_request", "The request body is not valid JSON")
    assert sorted(body["error"]["details"]) == ["json"]


def test_token_missing_field_is_400_naming_it(api):
    response = api.client.post("/api/v1/tokens", json={"email": "nadia@test.nhs.uk"})
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details",
                                     {"password": ["Missing data for required field."]})


def test_token_wrong_type_is_400(api):
    response = api.client.post("/api/v1/tokens", json={"email": 5, "password": ["x"]})
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details",
                                     {"email": ["Not a valid string."], "password": ["Not a valid string."]})


def test_token_body_that_is_not_an_object_is_400(api):
    response = api.client.post("/api/v1/tokens", json=["nadia@test.nhs.uk", "pw"])
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details",
                                     {"_schema": ["Invalid input type."]})


def test_token_form_encoded_body_is_400(api):
    response = api.client.post("/api/v1/tokens", data={"email": "nadia@test.nhs.uk", "password": "x"})
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details", {
        "email": ["Missing data for required field."], "password": ["Missing data for required field."]})


def test_api_without_token_is_401(api):
    response = api.get("/api/v1/me")
    assert answer(response) == error(401, "unauthorised", NO_TOKEN)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="accredit"'


def test_api_with_unknown_token_is_401(api):
    assert answer(api.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})) == error(
        401, "unauthorised", BAD_TOKEN)


def test_api_with_other_auth_scheme_is_401(api):
    assert answer(api.get("/api/v1/me", headers={"Authorization": "Basic bmFkaWE6cHc="})) == error(
        401, "unauthorised", NO_TOKEN)


def test_api_session_cookie_alone_does_not_authenticate(client, auth, factory):
    user = _user(factory)
    assert auth.login(user).status_code == 302  # signed in to the pages
    assert client.get("/").status_code == 200
    assert answer(client.get("/api/v1/me")) == error(401, "unauthorised", NO_TOKEN)
    assert client.delete("/api/v1/tokens/current").status_code == 401


def test_api_bearer_token_wins_over_a_session_of_someone_else(api, auth, factory):
    cookie_user = factory.user(email="admin@test.nhs.uk", role=Role.ADMIN)
    token_user = _user(factory)
    auth.login(cookie_user)
    api.sign_in(token_user)
    assert api.get("/api/v1/me").get_json()["email"] == "nadia@test.nhs.uk"


def test_token_email_with_control_characters_is_400_not_a_database_error(api):
    response = api.client.post("/api/v1/tokens", json={"email": "nadia\u0000@test.nhs.uk", "password": "x"})
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details",
                                     {"email": ["Must not contain control characters."]})
