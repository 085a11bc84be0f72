"""Conflicts of interest when assigning reviewers, their override, peer-review matching, and the reviewer list."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.roles import Role
from accredit.visits import queries, services
from accredit.visits.models import ConflictDeclaration
from workflows.visit import VisitKind, VisitStatus


def _reviewer(factory, trust, *grants, name="Pat Peer"):
    """A trust-wide reviewer who also holds each (role, scope) in `grants`."""
    user = factory.user(name=name, role=Role.REVIEWER, password=None)
    for role, scope in grants:
        factory.grant(user, role, scope)
    return user


def _refusal(visit, user, by) -> list[str]:
    with pytest.raises(services.ConflictRefused) as refused:
        services.assign_reviewer(visit, user, by=by)
    assert visit.reviewer_ids() == []
    return refused.value.reasons


@pytest.mark.parametrize(("grant", "reasons"), [
    ((Role.TEAM_MEMBER, "ward"), ["works in this team"]),
    ((Role.TEAM_LEAD, "ward"), ["works in this team"]),
    ((Role.TEAM_LEAD, "acute"), ["manages this team in their line"]),
    ((Role.TEAM_LEAD, "medicine"), ["manages this team in their line"]),
], ids=["member", "team-lead", "service-line", "division-line"])
def test_assign_reviewer_refuses_own_or_line_managed_team(factory, trust, walk, grant, reasons):
    role, scope = grant
    user = _reviewer(factory, trust, (role, getattr(trust, scope)))
    assert _refusal(walk.plan(), user, trust.quality_lead) == reasons


def test_assign_reviewer_refuses_declared_conflict(factory, trust, walk):
    db.session.add(ConflictDeclaration(user_id=trust.reviewer.id, team_id=trust.ward.id,
                                       reason="My sister works there"))
    assert _refusal(walk.plan(), trust.reviewer, trust.quality_lead) == [
        "has declared a conflict of interest with this team"]


def test_assign_reviewer_names_every_reason_at_once(factory, trust, walk):
    user = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.ward), (Role.TEAM_LEAD, trust.medicine))
    db.session.add(ConflictDeclaration(user_id=user.id, team_id=trust.ward.id, reason="Was its manager"))
    visit = walk.plan()
    with pytest.raises(services.ConflictRefused) as refused:
        services.assign_reviewer(visit, user, by=trust.quality_lead)
    assert refused.value.reason == ("Pat Peer cannot review Ward 7 Respiratory: works in this team; manages this team "
                                    "in their line; has declared a conflict of interest with this team")


def test_assign_reviewer_conflict_in_another_team_is_no_conflict(factory, trust, walk):
    user = _reviewer(factory, trust, (Role.TEAM_LEAD, trust.surgical_ward))
    assignment = services.assign_reviewer(walk.plan(), user, by=trust.quality_lead)
    assert (assignment.user_id, assignment.conflict_override_reason) == (user.id, None)


def test_quality_lead_override_is_recorded_on_assignment_and_audit(factory, trust, walk):
    user = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.ward))
    visit = walk.plan()
    assignment = services.assign_reviewer(visit, user, by=trust.quality_lead,
                                          override_reason=" The only respiratory specialist available ")
    row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit.assign_reviewer")).one()
    assert (assignment.conflict_override_reason, row.reason, row.actor_id, row.data) == (
        "The only respiratory specialist available", "The only respiratory specialist available",
        trust.quality_lead.id, {"user_id": user.id, "is_lead": False, "overridden": ["works in this team"]})


def test_override_by_someone_other_than_a_quality_lead_is_refused(factory, trust, walk):
    user = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.ward))
    visit = walk.plan()
    with pytest.raises(services.VisitError) as refused:
        services.assign_reviewer(visit, user, by=trust.reviewer, override_reason="I say so")
    assert (refused.value.reason, visit.reviewer_ids()) == (
        "Only a quality lead covering the team can override a conflict of interest", [])


def test_assign_reviewer_refuses_someone_who_is_not_a_reviewer_for_the_team(factory, trust, walk):
    user = factory.user(name="Dee Division", role=Role.REVIEWER, scope=factory.division(), password=None)
    with pytest.raises(services.VisitError, match="^Dee Division is not a reviewer for Ward 7 Respiratory$"):
        services.assign_reviewer(walk.plan(), user, by=trust.quality_lead)


def test_assign_reviewer_twice_is_refused(trust, walk):
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    with pytest.raises(services.VisitError, match="^Riley Reviewer is already a reviewer for this visit$"):
        services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)


def test_assign_reviewer_refused_once_the_report_is_drafted(trust, walk, factory):
    visit = walk.to(walk.plan(), VisitStatus.DRAFT_REPORT)
    other = _reviewer(factory, trust)
    with pytest.raises(services.VisitError, match="^Reviewers cannot be changed once the visit is draft report$"):
        services.assign_reviewer(visit, other, by=trust.quality_lead)


def test_lead_reviewer_is_one_at_a_time(factory, trust, walk):
    visit = walk.plan()
    other = _reviewer(factory, trust)
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead, is_lead=True)
    services.assign_reviewer(visit, other, by=trust.quality_lead, is_lead=True)
    assert [(r.user_id, r.is_lead) for r in visit.reviewers] == [(trust.reviewer.id, False), (other.id, True)]


# --- Peer and objective reviews ----------------------------------------------------------------------------


@pytest.mark.parametrize(("team", "reasons"), [
    ("sister_ward", []),
    ("surgical_ward", []),
    ("community", ["is not in another inpatient ward team, so cannot give a like-for-like peer review"]),
    (None, ["is not in another inpatient ward team, so cannot give a like-for-like peer review"]),
], ids=["same-type-same-service", "same-type-elsewhere", "other-type", "no-team"])
def test_peer_review_needs_a_reviewer_from_a_team_of_the_same_type(factory, trust, walk, team, reasons):
    grants = [(Role.TEAM_MEMBER, getattr(trust, team))] if team else []
    user = _reviewer(factory, trust, *grants)
    visit = walk.plan(kind=VisitKind.PEER_REVIEW)
    if reasons:
        assert _refusal(visit, user, trust.quality_lead) == reasons
    else:
        assert services.assign_reviewer(visit, user, by=trust.quality_lead).user_id == user.id


def test_peer_review_from_the_same_team_is_refused(factory, trust, walk):
    user = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.ward))
    assert _refusal(walk.plan(kind=VisitKind.PEER_REVIEW), user, trust.quality_lead) == [
        "works in this team", "is not in another inpatient ward team, so cannot give a like-for-like peer review"]


@pytest.mark.parametrize(("team", "reasons"), [
    ("sister_ward", ["works in Ward 8 Cardiology, in the same service, so cannot give an objective review"]),
    ("community", []),
    ("surgical_ward", []),
], ids=["same-service", "same-division-other-service", "other-division"])
def test_objective_review_needs_a_reviewer_from_outside_the_service(factory, trust, walk, team, reasons):
    user = _reviewer(factory, trust, (Role.TEAM_MEMBER, getattr(trust, team)))
    visit = walk.plan(kind=VisitKind.OBJECTIVE_REVIEW)
    if reasons:
        assert _refusal(visit, user, trust.quality_lead) == reasons
    else:
        assert services.assign_reviewer(visit, user, by=trust.quality_lead).user_id == user.id


# --- The reviewer list ----------------------------------------------------------------------------------------


def _count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_reviewer_candidates_show_load_specialty_and_conflicts(factory, trust, walk):
    ward_reviewer = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.ward), name="Wendy Ward")
    community = _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.community), name="Colin Community")
    factory.user(name="Dora Division", role=Role.REVIEWER, scope=factory.division(), password=None)  # not covering
    busy = walk.plan(trust.sister_ward)
    services.assign_reviewer(busy, trust.reviewer, by=trust.quality_lead)
    services.assign_reviewer(busy, community, by=trust.quality_lead)
    services.assign_reviewer(walk.plan(trust.surgical_ward), trust.reviewer, by=trust.quality_lead)
    done = walk.to(walk.plan(trust.surgical_ward, day=date(2026, 1, 5)), VisitStatus.PUBLISHED)  # not a load
    services.cancel_visit(walk.to(walk.plan(trust.sister_ward), VisitStatus.SCHEDULED), by=trust.quality_lead,
                          reason="Outbreak")
    visit = walk.plan()
    rows = [(c.user.name, c.load, c.specialties, c.reasons) for c in queries.reviewer_candidates(visit)]
    assert (rows, done.reviewer_ids()) == ([
        ("Colin Community", 1, ["Community team"], []),
        ("Riley Reviewer", 2, [], []),
        ("Wendy Ward", 0, ["Inpatient ward"], ["works in this team"]),
    ], [trust.reviewer.id])


def test_reviewer_candidates_leave_out_those_already_assigned(trust, walk):
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    assert queries.reviewer_candidates(visit) == []


def test_reviewer_candidates_take_the_same_queries_for_two_or_twelve(factory, trust, walk):
    visit = walk.plan()
    db.session.commit()

    def queries_for_list() -> tuple[int, int]:
        db.session.expire_all()
        statements, stop = _count_queries()
        try:
            found = queries.reviewer_candidates(db.session.get(type(visit), visit.id))
        finally:
            stop()
        return len(found), len(statements)

    _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.sister_ward), name="Few")
    db.session.commit()
    few = queries_for_list()
    for n in range(10):
        _reviewer(factory, trust, (Role.TEAM_MEMBER, trust.community), (Role.TEAM_LEAD, trust.acute), name=f"Many {n}")
    db.session.commit()
    many = queries_for_list()
    assert (few[0], many[0], few[1]) == (2, 12, many[1])
