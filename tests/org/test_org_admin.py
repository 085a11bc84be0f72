"""The administrator's organisation pages: divisions, services, teams and their lifecycle."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.frameworks.schema import load_framework_file
from accredit.frameworks.services import import_framework
from accredit.org import services as org
from accredit.org.imports import COLUMNS
from accredit.org.models import Division, Service, Team, TeamType
from accredit.roles import Role
from config import BASE_DIR
from tests.helpers import csrf_token_from, field_error, flashed, select_options, summary_errors, table_rows
from workflows.team import TeamStatus

ADMIN = "/admin/organisation"
HEADER = ",".join(COLUMNS)


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    token = csrf_token_from(client.get(token_from or f"{ADMIN}/divisions/new"))
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def team_audit(team: Team) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "teams", AuditEvent.subject_id == team.id)
        .order_by(AuditEvent.id)
    )
    return [(r.action, r.actor_id, r.from_state, r.to_state, r.reason, r.data) for r in rows]


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def admin(factory):
    user = factory.user(name="Alex Admin", role=Role.ADMIN)
    factory.commit()
    return user


@pytest.fixture
def as_admin(client, auth, admin):
    auth.login(admin)
    return client


@pytest.fixture
def frameworks(app):
    for name in ("cqc-kloe-2017.yaml", "cqc-saf-2023.yaml", "accreditation-standards.yaml"):
        import_framework(load_framework_file(BASE_DIR / "frameworks" / name))
    db.session.commit()


@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.TEAM_LEAD])
def test_org_admin_forbidden_to_non_admins(client, auth, factory, role):
    team, target = factory.team(name="Ward 7"), factory.team()
    user = factory.user(role=role, scope="trust" if role is Role.QUALITY_LEAD else team)
    factory.commit()
    auth.login(user)
    token = csrf_token_from(client.get("/account"))
    t = f"{ADMIN}/teams/{team.id}"
    pages = [f"{ADMIN}/", f"{ADMIN}/divisions/new", f"{ADMIN}/services/new", f"{ADMIN}/services/{team.service_id}",
             f"{ADMIN}/teams/new", t, f"{t}/edit", f"{t}/close", f"{t}/reopen", f"{t}/merge", f"{ADMIN}/import",
             f"{ADMIN}/import/example.csv"]
    posts = {
        f"{ADMIN}/divisions/new": {"code": "NEW", "name": "New"},
        f"{ADMIN}/services/new": {"division_id": team.division.id, "code": "NEWS", "name": "New"},
        f"{ADMIN}/teams/new": {"service_id": team.service_id, "code": "NEWT", "name": "New", "team_type": "crisis_team"},
        f"{t}/edit": {"name": "Renamed", "team_type": "crisis_team", "service_id": team.service_id},
        f"{t}/close": {"reason": "Gone", "on": date.today().isoformat()},
        f"{t}/merge": {"reason": "Gone", "into": target.id, "on": date.today().isoformat()},
        f"{ADMIN}/import": {"file": (io.BytesIO(f"{HEADER}\nA,A,B,B,C,C,crisis_team\n".encode()), "o.csv")},
    }
    assert [client.get(p).status_code for p in pages] == [403] * len(pages)
    assert [client.post(p, data={**d, "csrf_token": token}).status_code for p, d in posts.items()] == [403] * 7
    db.session.expire_all()
    assert (count(Division), count(Service), count(Team)) == (2, 2, 2)
    assert (team.name, team.status) == ("Ward 7", TeamStatus.ACTIVE)
    assert [row[0] for row in team_audit(team)] == ["team.open"]


def test_org_index_lists_divisions_services_and_team_counts(as_admin, factory, admin):
    medicine = factory.division(name="Medicine")
    factory.division(name="Surgery")
    acute = factory.service(medicine, name="Acute medicine")
    factory.team(acute), factory.team(acute)
    org.close_team(factory.team(acute), by=admin, reason="Closed")
    factory.commit()
    response = as_admin.get(f"{ADMIN}/")
    html = response.get_data(as_text=True)
    assert table_rows(response) == [["Acute medicine", acute.code, "2", "1"]]
    assert f'href="{ADMIN}/services/{acute.id}"' in html
    assert "No services yet." in html  # Surgery
    assert "<h1>Organisation</h1>" in html


def test_service_page_lists_its_teams_with_status(as_admin, factory, admin):
    service = factory.service(name="Acute medicine")
    ward = factory.team(service, name="Ward 7", team_type=TeamType.INPATIENT_WARD)
    closed = factory.team(service, name="Ward 8", team_type=TeamType.DAY_SERVICE)
    org.close_team(closed, by=admin, reason="Closed")
    factory.commit()
    response = as_admin.get(f"{ADMIN}/services/{service.id}")
    assert table_rows(response) == [["Ward 7", ward.code, "Inpatient ward", "Active"],
                                    ["Ward 8", closed.code, "Day service", "Closed"]]


def test_create_division_adds_division_with_audit(as_admin, admin):
    response = post(as_admin, f"{ADMIN}/divisions/new", {"code": "med", "name": "Medicine"})
    assert (response.status_code, response.location) == (302, f"{ADMIN}/")
    division = db.session.scalar(sa.select(Division))
    assert (division.code, division.name) == ("MED", "Medicine")
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "division.create"))
    assert (row.actor_id, row.subject_id) == (admin.id, division.id)
    assert flashed(as_admin.get(response.location)) == ["Division Medicine has been added"]


def test_create_division_taken_code_shown_next_to_field(as_admin, factory):
    factory.division(code="MED", name="Medicine")
    factory.commit()
    response = post(as_admin, f"{ADMIN}/divisions/new", {"code": "med", "name": "Medicine two"})
    assert response.status_code == 200
    assert field_error(response, "code") == "A division with the code MED already exists"
    assert 'value="Medicine two"' in response.get_data(as_text=True)
    assert count(Division) == 1


def test_create_division_bad_code_refused(as_admin):
    response = post(as_admin, f"{ADMIN}/divisions/new", {"code": "MED ACUTE", "name": ""})
    assert summary_errors(response) == ["The code may use only letters, digits, - and _", "Enter the division's name"]
    assert count(Division) == 0


def test_create_service_in_division(as_admin, factory, admin):
    division = factory.division(name="Medicine")
    factory.commit()
    page = as_admin.get(f"{ADMIN}/services/new?division={division.id}")
    assert [v for v, _, selected in select_options(page, "division_id") if selected] == [str(division.id)]
    response = post(as_admin, f"{ADMIN}/services/new", {"division_id": division.id, "code": "med-a", "name": "Acute"})
    service = db.session.scalar(sa.select(Service))
    assert (response.status_code, response.location) == (302, f"{ADMIN}/services/{service.id}")
    assert (service.code, service.name, service.division_id) == ("MED-A", "Acute", division.id)


def test_create_service_without_division_refused(as_admin, factory):
    factory.division()
    factory.commit()
    response = post(as_admin, f"{ADMIN}/services/new", {"division_id": "", "code": "X", "name": "X"})
    assert field_error(response, "division_id") == "Choose a division"
    assert count(Service) == 0


def test_create_team_offers_imported_self_assessment_frameworks(as_admin, frameworks):
    page = as_admin.get(f"{ADMIN}/teams/new")
    assert select_options(page, "framework_key") == [
        ("cqc-kloe-2017", "CQC key lines of enquiry for healthcare services", False),
        ("cqc-saf-2023", "CQC single assessment framework", False),
    ]


def test_create_team_adds_active_team_with_audit(as_admin, factory, admin, frameworks):
    service = factory.service()
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/new", {
        "service_id": service.id, "code": "crt-n", "name": "Crisis Team North", "team_type": "crisis_team",
        "framework_key": "cqc-saf-2023",
    })
    team = db.session.scalar(sa.select(Team))
    assert (response.status_code, response.location) == (302, f"{ADMIN}/teams/{team.id}")
    assert (team.code, team.name, team.team_type, team.framework_key, team.status, team.service_id) == (
        "CRT-N", "Crisis Team North", TeamType.CRISIS_TEAM, "cqc-saf-2023", TeamStatus.ACTIVE, service.id
    )
    assert team_audit(team) == [("team.open", admin.id, None, "active", None, {"code": "CRT-N", "service": service.code})]


def test_create_team_unknown_framework_refused(as_admin, factory, frameworks):
    service = factory.service()
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/new", {
        "service_id": service.id, "code": "T", "name": "T", "team_type": "crisis_team",
        "framework_key": "accreditation-standards",
    })
    assert field_error(response, "framework_key") == "Not a valid choice."
    assert count(Team) == 0


def test_create_team_taken_code_shown_next_to_field(as_admin, factory, frameworks):
    existing = factory.team()
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/new", {
        "service_id": existing.service_id, "code": existing.code.lower(), "name": "Copy", "team_type": "crisis_team",
        "framework_key": "cqc-kloe-2017",
    })
    assert field_error(response, "code") == f"A team with the code {existing.code} already exists"
    assert count(Team) == 1


def test_edit_team_changes_name_type_and_service(as_admin, factory, admin):
    team, other = factory.team(name="Ward 7"), factory.service(name="Elsewhere")
    factory.commit()
    page = as_admin.get(f"{ADMIN}/teams/{team.id}/edit")
    assert [v for v, _, selected in select_options(page, "team_type") if selected] == ["inpatient_ward"]
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/edit", {
        "name": "Ward 7 Respiratory", "team_type": "day_service", "service_id": other.id, "version": "1",
    }, token_from=f"{ADMIN}/teams/{team.id}/edit")
    assert (response.status_code, response.location) == (302, f"{ADMIN}/teams/{team.id}")
    db.session.expire_all()
    assert (team.name, team.team_type, team.service_id, team.code) == ("Ward 7 Respiratory", TeamType.DAY_SERVICE,
                                                                     other.id, team.code)
    assert team_audit(team)[-1][:2] == ("team.update", admin.id)


def test_edit_team_stale_version_refused(as_admin, factory):
    team = factory.team(name="Ward 7")
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/edit", {
        "name": "Mine", "team_type": "day_service", "service_id": team.service_id, "version": "0",
    })
    assert summary_errors(response) == [
        "Someone else changed this team while you were editing. Check the details below and save again."
    ]
    assert 'value="Mine"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert team.name == "Ward 7"


@pytest.mark.parametrize(
    ("state", "offered"),
    [("active", ["close", "merge"]), ("closed", ["reopen"]), ("merged", [])],
)
def test_team_admin_page_offers_only_changes_the_state_allows(as_admin, factory, admin, state, offered):
    team, target = factory.team(), factory.team()
    if state == "closed":
        org.close_team(team, by=admin, reason="Closed")
    if state == "merged":
        org.merge_team(team, into=target, by=admin, reason="Merged")
    factory.commit()
    html = as_admin.get(f"{ADMIN}/teams/{team.id}").get_data(as_text=True)
    shown = [t for t in ("close", "reopen", "merge") if f'href="{ADMIN}/teams/{team.id}/{t}"' in html]
    assert shown == offered


def test_close_team_closes_and_keeps_history(as_admin, factory, admin):
    team = factory.team(name="Ward 7")
    team.opened_on = date(2020, 1, 1)
    factory.commit()
    assert "<h1>Close team: Ward 7</h1>" in as_admin.get(f"{ADMIN}/teams/{team.id}/close").get_data(as_text=True)
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/close", {"reason": "Ward refurbishment", "on": "2025-01-31"})
    assert (response.status_code, response.location) == (302, f"{ADMIN}/teams/{team.id}")
    db.session.expire_all()
    assert (team.status, team.closed_on) == (TeamStatus.CLOSED, date(2025, 1, 31))
    assert team_audit(team)[-1] == ("team.close", admin.id, "active", "closed", "Ward refurbishment", None)
    assert flashed(as_admin.get(response.location)) == ["Ward 7 has been closed. Its history is kept."]
    team_page = as_admin.get(f"/teams/{team.id}")
    assert team_page.status_code == 200
    assert "Ward refurbishment" in team_page.get_data(as_text=True)


def test_close_team_without_reason_shown_next_to_field(as_admin, factory):
    team = factory.team()
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/close", {"reason": " ", "on": date.today().isoformat()})
    assert field_error(response, "reason") == "Give a reason"
    db.session.expire_all()
    assert team.status is TeamStatus.ACTIVE


def test_close_team_future_or_before_opening_date_refused(as_admin, factory):
    team = factory.team()
    factory.commit()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/close", {"reason": "Gone", "on": tomorrow})
    assert field_error(response, "on") == "The date must be today or in the past"
    before = (team.opened_on - timedelta(days=1))
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/close", {"reason": "Gone", "on": before.isoformat()})
    assert field_error(response, "on") == f"The date cannot be before the team opened ({team.opened_on:%-d %B %Y})"
    db.session.expire_all()
    assert team.status is TeamStatus.ACTIVE


def test_reopen_team_makes_it_active(as_admin, factory, admin):
    team = factory.team(name="Ward 7")
    org.close_team(team, by=admin, reason="Closed")
    factory.commit()
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/reopen", {"reason": "Open again"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (team.status, team.closed_on) == (TeamStatus.ACTIVE, None)
    assert [row[0] for row in team_audit(team)] == ["team.open", "team.close", "team.reopen"]


def test_merge_team_points_at_target_and_keeps_history(as_admin, factory, admin):
    team, target = factory.team(name="Ward 7"), factory.team(name="Ward 8")
    factory.commit()
    page = as_admin.get(f"{ADMIN}/teams/{team.id}/merge")
    assert [v for v, _, _ in select_options(page, "into")] == ["", str(target.id)]  # itself not offered
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/merge",
                    {"into": target.id, "reason": "Wards combined", "on": date.today().isoformat()})
    assert (response.status_code, response.location) == (302, f"{ADMIN}/teams/{team.id}")
    db.session.expire_all()
    assert (team.status, team.merged_into_id, team.closed_on) == (TeamStatus.MERGED, target.id, date.today())
    assert team_audit(team)[-1] == ("team.merge", admin.id, "active", "merged", "Wards combined", {"into": target.code})
    team_page = as_admin.get(f"/teams/{team.id}").get_data(as_text=True)
    assert f'href="/teams/{target.id}">Ward 8</a>' in team_page


@pytest.mark.parametrize("target_kind", ["itself", "closed", "missing"])
def test_merge_into_invalid_target_refused_with_reason(as_admin, factory, admin, target_kind):
    team = factory.team()
    closed = factory.team(name="Ward X")
    org.close_team(closed, by=admin, reason="Closed")
    factory.commit()
    into, reason = {
        "itself": (team.id, "A team cannot merge into itself"),
        "closed": (closed.id, "Ward X is not active, so nothing can merge into it"),
        "missing": (9999, "Choose the team this team merges into"),
    }[target_kind]
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/merge", {"into": into, "reason": "Combine",
                                                                 "on": date.today().isoformat()})
    assert response.status_code == 200
    assert field_error(response, "into") == reason
    db.session.expire_all()
    assert (team.status, team.merged_into_id, team.closed_on) == (TeamStatus.ACTIVE, None, None)
    assert [row[0] for row in team_audit(team)] == ["team.open"]


def test_change_not_allowed_from_state_redirects_on_get_and_refuses_on_post(as_admin, factory, admin):
    team = factory.team(name="Ward 7")
    org.close_team(team, by=admin, reason="Closed", on=date.today())
    factory.commit()
    page = as_admin.get(f"{ADMIN}/teams/{team.id}/close")
    assert (page.status_code, page.location) == (302, f"{ADMIN}/teams/{team.id}")
    response = post(as_admin, f"{ADMIN}/teams/{team.id}/close", {"reason": "Again", "on": date.today().isoformat()})
    assert summary_errors(response) == ["'close' is not allowed from 'closed'; allowed: reopen"]
    assert [row[0] for row in team_audit(team)] == ["team.open", "team.close"]
