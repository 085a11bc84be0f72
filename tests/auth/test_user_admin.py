"""The administrator's user pages: list, create, roles for a scope, deactivate, set a password."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.auth.models import User
from accredit.extensions import db
from accredit.roles import Role
from tests.helpers import csrf_token_from, field_error, select_options, summary_errors

NEW_PASSWORD = "a new long passphrase"


def post(client, path: str, data: dict | None = None, token_from: str | None = None):
    """POST `data` to `path` with the CSRF token of the page at `token_from` (default: `path` itself)."""
    token = csrf_token_from(client.get(token_from or path))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def audit_rows(action: str, by: User) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor_id == by.id).order_by(AuditEvent.id)
    )
    return [(r.subject_type, r.subject_id, r.data) for r in rows]


@pytest.fixture
def admin(factory):
    user = factory.user(name="Alex Admin", email="admin@test.nhs.uk", role=Role.ADMIN)
    factory.commit()
    return user


@pytest.fixture
def as_admin(client, auth, admin):
    auth.login(admin)
    return client


@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.TEAM_LEAD])
def test_user_admin_forbidden_to_non_admins(client, auth, factory, role):
    team = factory.team()
    outsider = factory.user(role=role, scope="trust" if role is Role.QUALITY_LEAD else team)
    target = factory.user(name="Target", role=Role.TEAM_MEMBER, scope=team)
    grant = target.roles[0]
    factory.commit()
    auth.login(outsider)
    token = csrf_token_from(client.get("/account"))
    base = f"/admin/users/{target.id}"
    pages = ["/admin/users/", "/admin/users/new", base, f"{base}/roles/{grant.id}/revoke", f"{base}/deactivate",
             f"{base}/reactivate", f"{base}/password"]
    posts = {
        "/admin/users/new": {"name": "Eve", "email": "eve@test.nhs.uk"},
        f"{base}/roles": {"role": "admin", "scope": "trust"},
        f"{base}/roles/{grant.id}/revoke": {},
        f"{base}/deactivate": {},
        f"{base}/password": {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    }
    assert [client.get(p).status_code for p in pages] == [403] * len(pages)
    assert [client.post(p, data={**d, "csrf_token": token}).status_code for p, d in posts.items()] == [403] * 5
    db.session.expire_all()
    assert (target.active, len(target.roles), target.session_version) == (True, 1, 1)
    assert db.session.scalar(sa.select(User).where(User.email == "eve@test.nhs.uk")) is None


def test_user_admin_anonymous_sent_to_sign_in(client):
    response = client.get("/admin/users/")
    assert (response.status_code, unquote(response.location)) == (302, "/sign-in?next=/admin/users/")


def test_user_list_filters_by_search_role_and_status(as_admin, factory):
    team = factory.team()
    factory.user(name="Nadia Nurse", email="nadia@test.nhs.uk", role=Role.TEAM_MEMBER, scope=team)
    factory.user(name="Sam Sister", email="sam@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
    gone = factory.user(name="Nigel Gone", email="nigel@test.nhs.uk", role=Role.TEAM_MEMBER, scope=team)
    gone.active = False
    factory.commit()

    def names(query: str) -> list[str]:
        html = as_admin.get(f"/admin/users/?{query}").get_data(as_text=True)
        return [n for n in ("Alex Admin", "Nadia Nurse", "Nigel Gone", "Sam Sister") if f">{n}</a>" in html]

    assert names("") == ["Alex Admin", "Nadia Nurse", "Nigel Gone", "Sam Sister"]
    assert names("q=N") == ["Alex Admin", "Nadia Nurse", "Nigel Gone", "Sam Sister"]  # every email has an n
    assert names("q=nadia") == ["Nadia Nurse"]
    assert names("q=SAM%40test") == ["Sam Sister"]
    assert names("role=team_member") == ["Nadia Nurse", "Nigel Gone"]
    assert names("role=team_member&status=active") == ["Nadia Nurse"]
    assert names("status=inactive") == ["Nigel Gone"]
    assert names("q=%25") == []  # a LIKE wildcard is searched for literally


def test_user_list_shows_roles_with_scope_names(as_admin, factory):
    division = factory.division(name="Surgery")
    factory.user(name="Quinn", role=Role.QUALITY_LEAD, scope=division)
    factory.commit()
    html = as_admin.get("/admin/users/").get_data(as_text=True)
    assert "Quality lead – Surgery (division)" in html
    assert "Administrator – the whole trust" in html


def test_create_user_adds_active_user_with_audit(as_admin, admin):
    response = post(as_admin, "/admin/users/new", {"name": " Nadia Nurse ", "email": "Nadia@Test.nhs.uk",
                                                   "password": NEW_PASSWORD})
    user = db.session.scalar(sa.select(User).where(User.email == "nadia@test.nhs.uk"))
    assert (response.status_code, response.location) == (302, f"/admin/users/{user.id}")
    assert (user.name, user.active, user.password_hash is not None) == ("Nadia Nurse", True, True)
    assert audit_rows("user.create", admin) == [("users", user.id, {"email": "nadia@test.nhs.uk"})]


def test_create_user_without_password_leaves_it_unset(as_admin):
    post(as_admin, "/admin/users/new", {"name": "No Password", "email": "nopass@test.nhs.uk", "password": ""})
    user = db.session.scalar(sa.select(User).where(User.email == "nopass@test.nhs.uk"))
    assert (user.name, user.password_hash) == ("No Password", None)


def test_create_user_duplicate_email_shown_next_to_field(as_admin, admin):
    response = post(as_admin, "/admin/users/new", {"name": "Second Alex", "email": "ADMIN@test.nhs.uk"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(response, "email") == "A user with the email admin@test.nhs.uk already exists"
    assert summary_errors(response) == ["A user with the email admin@test.nhs.uk already exists"]
    assert 'value="Second Alex"' in html  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_create_user_short_password_shown_next_to_field(as_admin):
    response = post(as_admin, "/admin/users/new", {"name": "Short", "email": "short@test.nhs.uk", "password": "short"})
    assert field_error(response, "password") == "Password must be at least 12 characters"
    assert db.session.scalar(sa.select(User).where(User.email == "short@test.nhs.uk")) is None


def test_create_user_missing_fields_shown(as_admin):
    response = post(as_admin, "/admin/users/new", {"name": "", "email": "not-an-email"})
    assert summary_errors(response) == ["Enter the person's name", "Enter an email address like name@nhs.net"]


def test_user_page_lists_scope_choices_and_roles(as_admin, factory):
    team = factory.team(name="Ward 7")
    user = factory.user(name="Sam Sister", role=Role.TEAM_LEAD, scope=team)
    factory.commit()
    response = as_admin.get(f"/admin/users/{user.id}")
    html = response.get_data(as_text=True)
    assert "<h1>Sam Sister</h1>" in html
    assert "Ward 7 (team)" in html
    assert select_options(response, "scope") == [
        ("", "Choose the trust, a division, a service or a team", False),
        ("trust", "The whole trust", False),
        (f"division:{team.division.id}", f"Division: {team.division.name}", False),
        (f"service:{team.service.id}", f"Service: {team.service.name}", False),
        (f"team:{team.id}", "Team: Ward 7", False),
    ]


def test_grant_role_for_division_adds_grant_with_audit(as_admin, admin, factory):
    division = factory.division(name="Surgery")
    user = factory.user(name="Quinn")
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/roles", {"role": "quality_lead", "scope": f"division:{division.id}"},
                    token_from=f"/admin/users/{user.id}")
    assert (response.status_code, response.location) == (302, f"/admin/users/{user.id}")
    db.session.expire_all()
    assert [(g.role, g.scope_key, g.granted_by_id) for g in user.roles] == [
        (Role.QUALITY_LEAD, f"division:{division.id}", admin.id)
    ]
    assert audit_rows("role.grant", admin) == [
        ("users", user.id, {"role": "quality_lead", "scope": f"division:{division.id}"})
    ]
    assert "Quinn is now quality lead for Division: Surgery" in as_admin.get(response.location).get_data(as_text=True)


def test_grant_admin_for_a_team_refused_next_to_scope(as_admin, factory):
    team = factory.team()
    user = factory.user()
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/roles", {"role": "admin", "scope": f"team:{team.id}"},
                    token_from=f"/admin/users/{user.id}")
    assert response.status_code == 200
    assert field_error(response, "scope") == "Administrators are held for the whole trust"
    assert [v for v, _, selected in select_options(response, "scope") if selected] == [f"team:{team.id}"]
    db.session.expire_all()
    assert user.roles == []


def test_grant_role_already_held_refused_next_to_role(as_admin, factory):
    user = factory.user(name="Rita", role=Role.REVIEWER)
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/roles", {"role": "reviewer", "scope": "trust"},
                    token_from=f"/admin/users/{user.id}")
    assert field_error(response, "role") == "Rita already holds this role for this scope"


def test_grant_role_without_choices_shows_both_errors(as_admin, factory):
    user = factory.user()
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/roles", {"role": "", "scope": ""},
                    token_from=f"/admin/users/{user.id}")
    assert summary_errors(response) == ["Choose a role", "Choose what the role covers"]


def test_revoke_role_removes_grant_with_audit(as_admin, admin, factory):
    team = factory.team()
    user = factory.user(role=Role.TEAM_LEAD, scope=team)
    factory.grant(user, Role.REVIEWER)
    factory.commit()
    lead = next(g for g in user.roles if g.role is Role.TEAM_LEAD)
    path = f"/admin/users/{user.id}/roles/{lead.id}/revoke"
    assert "Remove a role from" in as_admin.get(path).get_data(as_text=True)
    response = post(as_admin, path)
    assert (response.status_code, response.location) == (302, f"/admin/users/{user.id}")
    db.session.expire_all()
    assert [(g.role, g.scope_key) for g in user.roles] == [(Role.REVIEWER, "trust")]
    assert audit_rows("role.revoke", admin) == [("users", user.id, {"role": "team_lead", "scope": f"team:{team.id}"})]


def test_revoke_grant_of_another_user_not_found(as_admin, factory):
    user, other = factory.user(), factory.user(role=Role.REVIEWER)
    factory.commit()
    assert as_admin.get(f"/admin/users/{user.id}/roles/{other.roles[0].id}/revoke").status_code == 404
    assert as_admin.get("/admin/users/9999").status_code == 404


def test_revoke_last_admin_role_refused(as_admin, admin):
    grant = admin.roles[0]
    response = post(as_admin, f"/admin/users/{admin.id}/roles/{grant.id}/revoke")
    assert response.status_code == 200
    assert summary_errors(response) == ["You cannot remove the last administrator"]
    db.session.expire_all()
    assert [g.role for g in admin.roles] == [Role.ADMIN]
    assert audit_rows("role.revoke", admin) == []


def test_deactivate_last_admin_refused(as_admin, admin):
    response = post(as_admin, f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 200
    assert summary_errors(response) == ["You cannot deactivate the last administrator"]
    db.session.expire_all()
    assert (admin.active, admin.session_version) == (True, 1)
    assert as_admin.get("/admin/users/").status_code == 200  # still signed in


def test_deactivated_user_signed_out_and_cannot_sign_in(app, as_admin, admin, factory, auth):
    nurse = factory.user(email="nurse@test.nhs.uk", role=Role.TEAM_MEMBER, scope=factory.team())
    factory.commit()
    nurse_client = app.test_client()
    nurse_auth = type(auth)(nurse_client)
    nurse_auth.login(nurse)
    assert nurse_client.get("/").status_code == 200

    assert "will be signed out everywhere" in as_admin.get(f"/admin/users/{nurse.id}/deactivate").get_data(as_text=True)
    response = post(as_admin, f"/admin/users/{nurse.id}/deactivate")
    assert (response.status_code, response.location) == (302, f"/admin/users/{nurse.id}")
    db.session.expire_all()
    assert (nurse.active, nurse.session_version) == (False, 2)
    assert audit_rows("user.deactivate", admin) == [("users", nurse.id, None)]

    assert nurse_client.get("/").status_code == 302  # the open session has ended
    refused = nurse_auth.login(nurse)
    assert summary_errors(refused) == ["Enter a correct email address and password"]
    assert nurse_client.get("/").status_code == 302


def test_reactivated_user_can_sign_in_again(app, as_admin, admin, factory, auth):
    nurse = factory.user(role=Role.TEAM_MEMBER, scope=factory.team())
    nurse.active = False
    factory.commit()
    response = post(as_admin, f"/admin/users/{nurse.id}/reactivate")
    assert response.status_code == 302
    assert audit_rows("user.activate", admin) == [("users", nurse.id, None)]
    nurse_client = app.test_client()
    type(auth)(nurse_client).login(nurse)
    assert nurse_client.get("/").status_code == 200


def test_set_password_signs_user_out_and_new_password_works(app, as_admin, admin, factory, auth):
    nurse = factory.user(role=Role.TEAM_MEMBER, scope=factory.team())
    factory.commit()
    nurse_client = app.test_client()
    nurse_auth = type(auth)(nurse_client)
    nurse_auth.login(nurse)
    response = post(as_admin, f"/admin/users/{nurse.id}/password", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (response.status_code, response.location) == (302, f"/admin/users/{nurse.id}")
    db.session.expire_all()
    assert nurse.session_version == 2
    assert audit_rows("user.password_set", admin) == [("users", nurse.id, None)]
    assert nurse_client.get("/").status_code == 302
    nurse_auth.login(nurse, password=NEW_PASSWORD)
    assert nurse_client.get("/").status_code == 200


def test_set_own_password_keeps_admin_signed_in(as_admin, admin):
    response = post(as_admin, f"/admin/users/{admin.id}/password", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert as_admin.get("/admin/users/").status_code == 200


def test_set_password_too_short_refused_next_to_field(as_admin, factory):
    user = factory.user()
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/password", {"new_password": "short", "confirm": "short"})
    assert field_error(response, "new_password") == "Password must be at least 12 characters"
    db.session.expire_all()
    assert user.session_version == 1


def test_set_password_mismatch_refused(as_admin, factory):
    user = factory.user()
    factory.commit()
    response = post(as_admin, f"/admin/users/{user.id}/password", {"new_password": NEW_PASSWORD, "confirm": "other"})
    assert field_error(response, "confirm") == "The passwords do not match"
