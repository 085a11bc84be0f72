"""Organisation services: creating divisions, services and teams, and a team's close/reopen/merge lifecycle."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.org import services as org
from accredit.org.imports import TYPES, OrgImportError, import_org_csv
from accredit.org.models import Division, Service, Team, TeamType
from accredit.roles import Role
from workflows.base import GuardRefused, IllegalTrigger
from workflows.team import TeamStatus


def team_audit(team: Team) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "teams", AuditEvent.subject_id == team.id)
        .order_by(AuditEvent.id)
    )
    return [(r.action, r.actor_id, r.from_state, r.to_state, r.reason, r.workflow_version, r.data) for r in rows]


@pytest.fixture
def admin(factory):
    return factory.user(role=Role.ADMIN)


def test_create_division_normalises_code_and_audits(factory, admin):
    division = org.create_division(" med ", " Medicine ", by=admin)
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "division.create"))
    assert (division.code, division.name) == ("MED", "Medicine")
    assert (row.actor_id, row.subject_id, row.data) == (admin.id, division.id, {"code": "MED", "name": "Medicine"})


@pytest.mark.parametrize(
    ("code", "name", "field", "message"),
    [
        ("med", "Other", "code", "A division with the code MED already exists"),
        ("OTHER", "Medicine", "name", "A division called Medicine already exists"),
    ],
)
def test_create_division_taken_refused_with_field(factory, code, name, field, message):
    factory.division(code="MED", name="Medicine")
    with pytest.raises(org.OrgError) as refused:
        org.create_division(code, name)
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Division)) == 1


def test_create_service_taken_code_refused(factory):
    division = factory.division()
    org.create_service(division, "SURG-GEN", "General surgery")
    with pytest.raises(org.OrgError) as refused:
        org.create_service(division, "surg-gen", "Another")
    assert (refused.value.field, str(refused.value)) == ("code", "A service with the code SURG-GEN already exists")


def test_create_team_opens_active_team_with_framework(factory, admin):
    service = factory.service()
    team = org.create_team(service, "w7", "Ward 7", TeamType.CRISIS_TEAM, by=admin, framework_key="cqc-saf-2023",
                           opened_on=date(2024, 4, 1))
    assert (team.code, team.status, team.framework_key, team.opened_on, team.closed_on) == (
        "W7", TeamStatus.ACTIVE, "cqc-saf-2023", date(2024, 4, 1), None
    )
    assert team_audit(team) == [("team.open", admin.id, None, "active", None, None, {"code": "W7", "service": service.code})]


def test_update_team_audits_before_and_after(factory, admin):
    team = factory.team(name="Ward 7")
    other = factory.service()
    before_service = team.service.code
    org.update_team(team, name="Ward 7 Respiratory", team_type=TeamType.DAY_SERVICE, service=other, by=admin)
    assert team_audit(team)[-1] == ("team.update", admin.id, None, None, None, None, {
        "before": {"name": "Ward 7", "team_type": "inpatient_ward", "service": before_service},
        "after": {"name": "Ward 7 Respiratory", "team_type": "day_service", "service": other.code},
    })


def test_update_team_without_change_leaves_no_audit(factory):
    team = factory.team(name="Ward 7")
    org.update_team(team, name="Ward 7", team_type=team.team_type, service=team.service)
    assert [row[0] for row in team_audit(team)] == ["team.open"]


def test_close_then_reopen_team_keeps_history(factory, admin):
    team = factory.team()
    org.close_team(team, by=admin, reason="Ward refurbishment", on=date(2025, 1, 31))
    assert (team.status, team.closed_on) == (TeamStatus.CLOSED, date(2025, 1, 31))
    org.reopen_team(team, by=admin, reason="Refurbishment done")
    assert (team.status, team.closed_on) == (TeamStatus.ACTIVE, None)
    assert team_audit(team)[1:] == [
        ("team.close", admin.id, "active", "closed", "Ward refurbishment", "1", None),
        ("team.reopen", admin.id, "closed", "active", "Refurbishment done", "1", None),
    ]


def test_close_closed_team_refused_unchanged(factory, admin):
    team = factory.team()
    org.close_team(team, by=admin, reason="Closed", on=date(2025, 1, 31))
    with pytest.raises(IllegalTrigger) as refused:
        org.close_team(team, by=admin, reason="Again")
    assert refused.value.reason == "'close' is not allowed from 'closed'; allowed: reopen"
    assert (team.status, team.closed_on, len(team_audit(team))) == (TeamStatus.CLOSED, date(2025, 1, 31), 2)


def test_close_team_without_reason_refused(factory, admin):
    team = factory.team()
    with pytest.raises(GuardRefused) as refused:
        org.close_team(team, by=admin, reason="  ")
    assert (refused.value.reasons, team.status, team.closed_on) == (["Give a reason"], TeamStatus.ACTIVE, None)


def test_merge_team_points_at_target_and_audits(factory, admin):
    team, target = factory.team(), factory.team()
    org.merge_team(team, into=target, by=admin, reason="Wards combined", on=date(2025, 3, 1))
    db.session.flush()
    db.session.expire_all()
    assert (team.status, team.merged_into_id, team.closed_on) == (TeamStatus.MERGED, target.id, date(2025, 3, 1))
    assert team_audit(team)[-1] == ("team.merge", admin.id, "active", "merged", "Wards combined", "1",
                                    {"into": target.code})


@pytest.mark.parametrize(
    ("target_kind", "reason"),
    [("itself", "A team cannot merge into itself"), ("closed", "Ward X is not active, so nothing can merge into it")],
)
def test_merge_into_invalid_target_refused_unchanged(factory, admin, target_kind, reason):
    team = factory.team()
    target = team
    if target_kind == "closed":
        target = factory.team(name="Ward X")
        org.close_team(target, by=admin, reason="Closed")
    with pytest.raises(GuardRefused) as refused:
        org.merge_team(team, into=target, by=admin, reason="Combine")
    assert (refused.value.reasons, team.status, team.merged_into, team.closed_on) == ([reason], TeamStatus.ACTIVE, None, None)
    assert [row[0] for row in team_audit(team)] == ["team.open"]


def test_import_org_csv_refuses_whole_file_on_one_bad_row(factory):
    text = (
        "division_code,division_name,service_code,service_name,team_code,team_name,team_type\n"
        "MED,Medicine,MED-A,Acute,T1,Ward 1,inpatient_ward\n"
        "MED,Medicine,MED-A,Acute,T2,Ward 2,spaceship\n"
    )
    with pytest.raises(OrgImportError) as refused:
        import_org_csv(text)
    assert refused.value.problems == [(3, f"team_type 'spaceship' is not one of {TYPES}")]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


def test_lifecycle_with_expired_objects_writes_status_and_dates_together(factory, admin):
    team, target = factory.team(), factory.team()
    factory.commit()  # everything expired: reloading `by` or `into` must not flush a half-changed team
    org.close_team(team, by=admin, reason="Closed", on=date(2025, 1, 31))
    factory.commit()
    org.reopen_team(team, by=admin, reason="Open again")
    factory.commit()
    org.merge_team(team, into=target, by=admin, reason="Combined", on=date(2025, 2, 1))
    factory.commit()
    assert (team.status, team.merged_into_id, team.closed_on) == (TeamStatus.MERGED, target.id, date(2025, 2, 1))
    assert [row[0] for row in team_audit(team)] == ["team.open", "team.close", "team.reopen", "team.merge"]
