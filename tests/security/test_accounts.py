"""Accounts under attack: lockout across workers, token expiry and revocation, session fixation, password change,
and the last administrator. Two app instances on one database stand for two gunicorn workers.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accredit import create_app
from accredit.auth import services as accounts
from accredit.auth.models import ApiToken
from accredit.auth.services import BAD_CREDENTIALS, LOCKED_MESSAGE
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.roles import Role
from config import TestConfig
from tests.conftest import AuthActions, FreshGlobalsClient
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, summary_errors

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def second_worker(app, tmp_path):
    """Another app on the same database, as a second gunicorn worker would be: nothing in memory is shared."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], VAR_DIR=tmp_path,
                       EVIDENCE_DIR=tmp_path / "evidence")
    other.test_client_class = FreshGlobalsClient
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def member(factory):
    user = factory.user(email="nadia@test.nhs.uk", role=Role.TEAM_MEMBER)
    factory.commit()
    return user


def sign_in(client, email: str, password: str):
    token = csrf_token_from(client.get("/sign-in"))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def page_says(response, text: str) -> bool:
    return text in response.get_data(as_text=True)


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_lockout_counts_failures_made_on_either_worker(app, second_worker, member):
    first, second = app.test_client(), second_worker.test_client()
    outcomes = [page_says(sign_in(client, member.email, "wrong"), BAD_CREDENTIALS)
                for client in (first, second, first, second, first)]
    assert outcomes == [True] * 5

    on_second = sign_in(second, member.email, PASSWORD)
    on_first_api = first.post("/api/v1/tokens", json={"email": member.email, "password": PASSWORD})

    assert page_says(on_second, LOCKED_MESSAGE) is True
    assert is_signed_in(second) is False
    assert (on_first_api.status_code, on_first_api.get_json()["error"]["message"]) == (429, LOCKED_MESSAGE)


def test_lockout_four_failures_across_workers_do_not_lock(app, second_worker, member):
    first, second = app.test_client(), second_worker.test_client()
    for client in (first, second, first, second):
        sign_in(client, member.email, "wrong")
    assert sign_in(second, member.email, PASSWORD).status_code == 302
    assert is_signed_in(second) is True


def token_of(client, user, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": password})
    assert response.status_code == 201
    return response.get_json()["token"]


def me(client, token: str) -> tuple[int, str | None]:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    body = response.get_json()
    return response.status_code, body.get("email") or body["error"]["code"]


def test_token_revoked_on_one_worker_is_refused_by_the_other(app, second_worker, member):
    first, second = app.test_client(), second_worker.test_client()
    token = token_of(first, member)
    assert me(second, token) == (200, member.email)

    revoked = first.delete("/api/v1/tokens/current", headers={"Authorization": f"Bearer {token}"})

    assert revoked.status_code == 204
    assert me(second, token) == (401, "unauthorised")
    assert me(first, token) == (401, "unauthorised")


def test_token_expired_answers_401_on_every_worker(app, second_worker, member):
    first, second = app.test_client(), second_worker.test_client()
    token = token_of(first, member)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert [me(first, token), me(second, token)] == [(401, "unauthorised")] * 2


def test_token_expires_after_the_configured_hours(app, member):
    before = utcnow()
    token_of(app.test_client(), member)
    expires_at = db.session.scalar(sa.select(ApiToken.expires_at))
    hours = app.config["API_TOKEN_HOURS"]
    assert before + timedelta(hours=hours) <= expires_at <= utcnow() + timedelta(hours=hours)


def test_session_cookie_from_before_sign_in_is_not_signed_in_after(app, member):
    victim = app.test_client()
    victim.get("/sign-in")
    planted = victim.get_cookie("session").value  # what an attacker could have fixed in the victim's browser

    sign_in(victim, member.email, PASSWORD)

    assert victim.get_cookie("session").value != planted
    assert is_signed_in(victim) is True
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert is_signed_in(attacker) is False


def test_session_cookie_from_before_sign_out_is_not_signed_in_after(app, member):
    client = app.test_client()
    sign_in(client, member.email, PASSWORD)
    captured = client.get_cookie("session").value
    AuthActions(client).logout()
    accounts.change_password(member, PASSWORD, NEW_PASSWORD)  # what a careful user does after a suspected theft
    db.session.commit()
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert is_signed_in(replay) is False


def test_password_change_signs_out_other_sessions_and_tokens_but_not_this_session(app, second_worker, member):
    here, elsewhere, api_client = app.test_client(), second_worker.test_client(), app.test_client()
    sign_in(here, member.email, PASSWORD)
    sign_in(elsewhere, member.email, PASSWORD)
    token = token_of(api_client, member)

    changed = here.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD, "csrf_token": csrf_token_from(here.get("/account"))})

    assert changed.status_code == 302
    assert [is_signed_in(here), is_signed_in(elsewhere)] == [True, False]
    assert me(api_client, token) == (401, "unauthorised")
    assert me(api_client, token_of(api_client, member, NEW_PASSWORD)) == (200, member.email)
    db.session.refresh(member)
    assert member.session_version == 2


# --- the last administrator -------------------------------------------------------------------------------------

@pytest.fixture
def admins(factory):
    first = factory.user(name="Ada Admin", role=Role.ADMIN)
    second = factory.user(name="Bo Admin", role=Role.ADMIN)
    factory.commit()
    return first, second


def admin_post(client, path: str):
    token = csrf_token_from(client.get("/account"))
    return client.post(path, data={"csrf_token": token})


def test_last_admin_two_admins_one_may_go_then_the_other_must_stay(app, admins):
    first, second = admins
    client = app.test_client()
    AuthActions(client).login(first)

    gone = admin_post(client, f"/admin/users/{second.id}/deactivate")
    own_role = admin_post(client, f"/admin/users/{first.id}/roles/{first.roles[0].id}/revoke")
    own_account = admin_post(client, f"/admin/users/{first.id}/deactivate")

    assert gone.status_code == 302
    assert summary_errors(own_role) == ["You cannot remove the last administrator"]
    assert summary_errors(own_account) == ["You cannot deactivate the last administrator"]
    db.session.expire_all()
    assert [(u.active, [g.role for g in u.roles]) for u in (first, second)] == [(True, [Role.ADMIN]),
                                                                             (False, [Role.ADMIN])]


def test_last_admin_an_inactive_admin_does_not_count(admins):
    first, second = admins
    accounts.set_active(second, False, by=first)
    with pytest.raises(accounts.AccountError, match="^You cannot remove the last administrator$"):
        accounts.revoke_role(first.roles[0], by=first)


def test_last_admin_removing_the_role_of_one_of_two_is_allowed(admins):
    first, second = admins
    accounts.revoke_role(second.roles[0], by=first)
    assert [[g.role for g in u.roles] for u in admins] == [[Role.ADMIN], []]
    with pytest.raises(accounts.AccountError, match="^You cannot deactivate the last administrator$"):
        accounts.set_active(first, False, by=first)
