"""Signing in and out: safe redirects, lockout, session fixation, password change and deactivation."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from accredit.auth import services as accounts
from accredit.auth.models import SignInAttempt
from accredit.auth.services import BAD_CREDENTIALS, LOCKED_MESSAGE
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.roles import Role
from tests.conftest import AuthActions
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from

NEW_PASSWORD = "a-brand-new-passphrase"


def sign_in(client, email: str, password: str = PASSWORD, *, next: str = "", address: str = "127.0.0.1"):
    """Post the real sign-in form (CSRF token included) from `address`."""
    token = csrf_token_from(client.get("/sign-in"))
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "next": next, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def is_signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sent_to_sign_in(response) -> tuple[int, str, dict]:
    """Status, redirect path and query of a response (however the `next` value is encoded)."""
    location = urlsplit(response.location or "")
    return response.status_code, location.path, parse_qs(location.query)


def committed_attempts(**where) -> list[tuple[str, str, bool]]:
    """Sign-in attempts as another connection sees them: only what was committed."""
    with db.engine.connect() as conn:
        columns = (SignInAttempt.email, SignInAttempt.address, SignInAttempt.succeeded)
        query = sa.select(*columns).order_by(SignInAttempt.id)
        for column, value in where.items():
            query = query.where(getattr(SignInAttempt, column) == value)
        return [tuple(row) for row in conn.execute(query)]


def add_failures(email: str, address: str, count: int, minutes_ago: float) -> None:
    at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.add_all(SignInAttempt(email=email, address=address, at=at, succeeded=False) for _ in range(count))
    db.session.commit()


@pytest.fixture
def user(factory):
    user = factory.user(email="nadia@test.nhs.uk", role=Role.TEAM_MEMBER)
    factory.commit()
    return user


def test_sign_in_with_right_password_follows_local_next(client, user):
    response = sign_in(client, user.email, next="/teams?closed=1")
    assert response.status_code == 302
    assert response.location == "/teams?closed=1"
    assert is_signed_in(client) is True


def test_sign_in_carries_next_from_query_string_into_form(client, user):
    html = client.get("/sign-in?next=/frameworks/").get_data(as_text=True)
    assert re.search(r'name="next" type="hidden" value="/frameworks/"', html) is not None


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", "http:/evil.example",
     "/\t/evil.example", "///evil.example", " //evil.example"],
)
def test_sign_in_with_foreign_next_lands_on_home(client, user, target):
    response = sign_in(client, user.email, next=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_sign_in_with_wrong_password_is_refused(client, user):
    response = sign_in(client, user.email, "not-the-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert BAD_CREDENTIALS in html
    assert is_signed_in(client) is False


def _without_secrets(html: str, email: str) -> str:
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


def test_sign_in_refusal_does_not_reveal_whether_email_exists(client, user):
    known = sign_in(client, user.email, "not-the-password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@test.nhs.uk", "not-the-password").get_data(as_text=True)
    assert BAD_CREDENTIALS in unknown
    assert _without_secrets(known, user.email) == _without_secrets(unknown, "nobody@test.nhs.uk")


def test_sign_in_locks_account_after_five_failures(client, user):
    for _ in range(5):
        assert BAD_CREDENTIALS in sign_in(client, user.email, "wrong-password").get_data(as_text=True)
    response = sign_in(client, user.email, PASSWORD)
    assert LOCKED_MESSAGE in response.get_data(as_text=True)
    assert is_signed_in(client) is False
    assert [a[2] for a in committed_attempts(email=user.email)] == [False] * 6


def test_sign_in_lockout_by_account_holds_from_another_address(client, user):
    add_failures(user.email, "10.0.0.1", 5, minutes_ago=1)
    response = sign_in(client, user.email, PASSWORD, address="10.0.0.2")
    assert LOCKED_MESSAGE in response.get_data(as_text=True)
    assert is_signed_in(client) is False


def test_sign_in_locks_address_after_failures_across_emails(client, user):
    for n in range(5):
        sign_in(client, f"guess{n}@test.nhs.uk", "wrong-password", address="10.9.9.9")
    locked = sign_in(client, user.email, PASSWORD, address="10.9.9.9")
    assert LOCKED_MESSAGE in locked.get_data(as_text=True)
    assert is_signed_in(client) is False
    elsewhere = sign_in(client, user.email, PASSWORD, address="10.1.1.1")
    assert elsewhere.location == "/"
    assert is_signed_in(client) is True


def test_sign_in_ignores_failures_older_than_window(client, user):
    add_failures(user.email, "127.0.0.1", 5, minutes_ago=16)
    response = sign_in(client, user.email, PASSWORD)
    assert response.location == "/"
    assert is_signed_in(client) is True


def test_sign_in_counts_failures_just_inside_window(client, user):
    add_failures(user.email, "10.0.0.1", 5, minutes_ago=14)
    response = sign_in(client, user.email, PASSWORD)
    assert LOCKED_MESSAGE in response.get_data(as_text=True)


def test_sign_in_four_failures_do_not_lock(client, user):
    add_failures(user.email, "127.0.0.1", 4, minutes_ago=1)
    assert sign_in(client, user.email, PASSWORD).location == "/"


def test_sign_in_failed_attempts_are_committed(client, user):
    sign_in(client, user.email, "wrong-password", address="10.2.2.2")
    sign_in(client, "nobody@test.nhs.uk", "wrong-password", address="10.2.2.2")
    assert committed_attempts() == [
        (user.email, "10.2.2.2", False),
        ("nobody@test.nhs.uk", "10.2.2.2", False),
    ]


def test_sign_in_lockout_refusal_is_committed_too(client, user):
    add_failures(user.email, "10.0.0.1", 5, minutes_ago=1)
    sign_in(client, user.email, PASSWORD, address="10.3.3.3")
    assert committed_attempts(address="10.3.3.3") == [(user.email, "10.3.3.3", False)]


def test_sign_in_replaces_session_cookie(app, client, user):
    client.get("/sign-in")
    before = client.get_cookie("session").value
    sign_in(client, user.email)
    after = client.get_cookie("session").value
    assert before != after
    assert is_signed_in(client) is True
    planted = app.test_client()  # someone holding the cookie from before sign-in gains nothing
    planted.set_cookie("session", before)
    assert is_signed_in(planted) is False


def test_sign_in_inactive_user_is_refused(client, factory):
    user = factory.user(role=Role.TEAM_MEMBER)
    accounts.set_active(user, False)
    factory.commit()
    response = sign_in(client, user.email)
    assert BAD_CREDENTIALS in response.get_data(as_text=True)
    assert is_signed_in(client) is False


def test_deactivating_user_ends_their_session(client, user):
    sign_in(client, user.email)
    assert is_signed_in(client) is True
    accounts.set_active(user, False)
    db.session.commit()
    assert sent_to_sign_in(client.get("/")) == (302, "/sign-in", {"next": ["/"]})


def _change_password(client, current: str, new: str, confirm: str | None = None):
    token = csrf_token_from(client.get("/account"))
    return client.post(
        "/account",
        data={"current_password": current, "new_password": new, "confirm": confirm or new, "csrf_token": token},
    )


def test_password_change_signs_out_other_sessions_only(app, client, user):
    other = app.test_client()
    sign_in(client, user.email)
    AuthActions(other).login(user)
    assert is_signed_in(other) is True
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.location == "/account"
    assert is_signed_in(client) is True
    assert sent_to_sign_in(other.get("/")) == (302, "/sign-in", {"next": ["/"]})
    fresh = app.test_client()
    assert sign_in(fresh, user.email, NEW_PASSWORD).location == "/"


def test_password_change_with_wrong_current_password_changes_nothing(app, client, user):
    other = app.test_client()
    sign_in(client, user.email)
    AuthActions(other).login(user)
    response = _change_password(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 200
    assert "Your current password is not correct" in response.get_data(as_text=True)
    assert is_signed_in(other) is True
    assert user.session_version == 1


def test_sign_out_get_shows_confirmation_and_keeps_session(client, user):
    sign_in(client, user.email)
    response = client.get("/sign-out")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == ["Sign out"]
    assert is_signed_in(client) is True


def test_sign_out_post_with_token_signs_out(client, user):
    sign_in(client, user.email)
    token = csrf_token_from(client.get("/sign-out"))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.location == "/sign-in"
    assert is_signed_in(client) is False


def test_sign_out_post_without_token_keeps_session(client, user):
    sign_in(client, user.email)
    response = client.post("/sign-out", data={})
    assert response.status_code == 400
    assert is_signed_in(client) is True
