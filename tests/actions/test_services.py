"""Improvement action services: raise (owner, due date, standard rules), update, every transition, support plans."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from accredit.actions import queries, services
from accredit.actions.models import Action, ActionSource
from accredit.assessments.services import today_in_london
from accredit.audit import AuditEvent
from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.org import services as org
from accredit.roles import Role
from accredit.visits.services import plan_visit
from tests.actions.conftest import add_evidence, in_days, raise_one, walk_to
from workflows.action import ActionStatus
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Domain
from workflows.visit import VisitKind


def _audit(action: Action) -> list[tuple]:
    """(action, from, to, actor, reason) of every audit row of the action, oldest first."""
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_type == "actions",
                                                          AuditEvent.subject_id == action.id).order_by(AuditEvent.id))
    return [(r.action, r.from_state, r.to_state, r.actor.name if r.actor else None, r.reason) for r in rows]


def _refusal(call) -> tuple[str | None, str]:
    with pytest.raises(services.ActionError) as refused:
        call()
    db.session.rollback()
    return refused.value.field, refused.value.reason


# --- Raising -----------------------------------------------------------------------------------------------------


def test_raise_action_creates_an_open_action_and_audits_it(ward):
    action = raise_one(ward, description="Ward sister audits every Monday")
    db.session.expire_all()
    found = db.session.get(Action, action.id)
    assert (found.status, found.team_id, found.title, found.owner_id, found.created_by_id, found.due_on,
            found.domain, found.standard_code, found.source, found.description, found.finding) == (
        ActionStatus.OPEN, ward.team.id, "Audit hand hygiene weekly", ward.member.id, ward.lead.id, in_days(30),
        Domain.SAFE, None, ActionSource.TEAM, "Ward sister audits every Monday", "Hand hygiene audit at 78% in March")
    assert _audit(found) == [("action.raise", None, "open", "Sam Sister", None)]
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_id == action.id,
                                                        AuditEvent.subject_type == "actions"))
    assert (row.workflow_version, row.data["owner_id"], row.data["source"], row.data["due_on"]) == (
        "1", ward.member.id, "team", in_days(30).isoformat())


def test_raise_action_takes_the_domain_from_the_standard(ward):
    action = raise_one(ward, domain=None, standard_code=" e2 ")
    assert (action.domain, action.standard_code) == (Domain.EFFECTIVE, "E2")


def test_raise_action_accepts_a_standard_of_the_given_domain(ward):
    action = raise_one(ward, domain=Domain.CARING, standard_code="C1")
    assert (action.domain, action.standard_code) == (Domain.CARING, "C1")


def test_raise_action_refuses_a_standard_outside_the_teams_framework(ward):
    # SAFE1 belongs to the single assessment framework; the ward works to the 2017 key lines of enquiry.
    field, reason = _refusal(lambda: raise_one(ward, domain=None, standard_code="SAFE1"))
    assert (field, reason) == (
        "standard_code", "SAFE1 is not a standard of CQC key lines of enquiry for healthcare services")
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_raise_action_refuses_a_standard_of_another_domain(ward):
    field, reason = _refusal(lambda: raise_one(ward, domain=Domain.CARING, standard_code="S1"))
    assert (field, reason) == ("standard_code", "S1 is a Safe standard, not Caring: choose a standard of that "
                                                "domain, or leave the standard out")


def test_raise_action_refuses_neither_domain_nor_standard(ward):
    assert _refusal(lambda: raise_one(ward, domain=None)) == (
        "domain", "Choose the domain or standard the action is for")


@pytest.mark.parametrize(("who", "allowed"), [
    ("lead", True), ("member", True), ("quality_lead", True), ("reviewer", False), ("outsider", False),
])
def test_raise_action_owner_must_be_staff_or_a_quality_lead(ward, who, allowed):
    owner = getattr(ward, who)
    if allowed:
        assert raise_one(ward, owner=owner).owner_id == owner.id
    else:
        assert _refusal(lambda: raise_one(ward, owner=owner)) == (
            "owner", f"{owner.name} cannot own an action of Ward 7 Respiratory: choose one of its staff")


def test_raise_action_refuses_an_inactive_owner(ward):
    accounts.set_active(ward.member, False)
    assert _refusal(lambda: raise_one(ward)) == (
        "owner", "Nadia Nurse cannot own an action of Ward 7 Respiratory: choose one of its staff")


def test_raise_action_refuses_a_due_date_in_the_past_but_takes_today(ward):
    assert _refusal(lambda: raise_one(ward, due_on=in_days(-1))) == ("due_on", "The due date must be today or later")
    assert raise_one(ward, due_on=in_days(0)).due_on == today_in_london()


@pytest.mark.parametrize(("title", "expected"), [
    ("   ", ("title", "Enter what must change")),
    ("x" * 201, ("title", "The title must be 200 characters or fewer")),
    ("Two\nlines", ("title", "The title contains characters that cannot be stored")),
])
def test_raise_action_refuses_a_bad_title(ward, title, expected):
    assert _refusal(lambda: raise_one(ward, title=title)) == expected


def test_raise_action_refuses_a_closed_team(ward):
    org.close_team(ward.team, by=ward.quality_lead, reason="Ward merged into the new unit")
    db.session.commit()
    assert _refusal(lambda: raise_one(ward)) == (
        None, "Ward 7 Respiratory is closed: actions are raised for active teams only")


def test_raise_action_from_a_visit_keeps_the_visit_and_refuses_another_teams(ward):
    visit = plan_visit(ward.team, VisitKind.QRV, in_days(-1), by=ward.quality_lead)
    elsewhere = plan_visit(ward.other_team, VisitKind.QRV, in_days(-1), by=ward.quality_lead)
    action = raise_one(ward, by=ward.reviewer, source=ActionSource.VISIT, visit=visit)
    assert (action.source, action.visit_id, action.created_by_id) == (ActionSource.VISIT, visit.id, ward.reviewer.id)
    assert _refusal(lambda: raise_one(ward, source=ActionSource.VISIT, visit=elsewhere)) == (
        "visit", "That visit was to another team")


def test_raise_support_plan_raises_every_action_or_none(ward):
    good = services.ActionSpec("Staffing review", ward.lead, in_days(14), finding="QRV rated Requires improvement",
                               domain=Domain.SAFE)
    bad = services.ActionSpec("Falls audit", ward.outsider, in_days(14), domain=Domain.SAFE)
    with pytest.raises(services.ActionError):
        services.raise_support_plan(ward.team, [good, bad], by=ward.quality_lead)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0

    falls = services.ActionSpec("Falls audit", ward.member, in_days(28), standard_code="S2")
    raised = services.raise_support_plan(ward.team, [good, falls], by=ward.quality_lead)
    db.session.commit()
    assert [(a.title, a.source, a.owner_id, a.domain, a.standard_code) for a in raised] == [
        ("Staffing review", ActionSource.SUPPORT_PLAN, ward.lead.id, Domain.SAFE, None),
        ("Falls audit", ActionSource.SUPPORT_PLAN, ward.member.id, Domain.SAFE, "S2"),
    ]


# --- Updating ----------------------------------------------------------------------------------------------------


def test_update_action_changes_fields_and_audits_before_and_after(ward):
    action = raise_one(ward)
    changed = services.update_action(action, by=ward.lead, version=action.version, title="Audit hand hygiene daily",
                                     description="", owner=ward.lead, due_on=in_days(10))
    db.session.commit()
    assert changed == ["title", "owner", "due_on"]
    assert (action.title, action.owner_id, action.due_on, action.version) == (
        "Audit hand hygiene daily", ward.lead.id, in_days(10), 2)
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "action.update"))
    assert (row.actor_id, row.data) == (ward.lead.id, {
        "before": {"title": "Audit hand hygiene weekly", "owner_id": ward.member.id, "due_on": in_days(30).isoformat()},
        "after": {"title": "Audit hand hygiene daily", "owner_id": ward.lead.id, "due_on": in_days(10).isoformat()},
    })


def test_update_action_with_nothing_changed_records_nothing(ward):
    action = raise_one(ward)
    assert services.update_action(action, by=ward.lead, version=1, title=action.title, owner=ward.member,
                                  due_on=action.due_on) == []
    db.session.commit()
    assert (action.version, [a for a, *_ in _audit(action)]) == (1, ["action.raise"])


def test_update_action_refuses_a_stale_version(ward):
    action = raise_one(ward)
    services.update_action(action, by=ward.lead, version=1, title="Audit daily")
    db.session.commit()
    with pytest.raises(services.StaleAction) as refused:
        services.update_action(action, by=ward.member, version=1, title="Audit monthly")
    assert (refused.value.current_version, action.title) == (2, "Audit daily")


def test_update_action_keeps_a_past_due_date_but_refuses_a_new_one(ward):
    action = raise_one(ward, due_on=in_days(-5), today=in_days(-10))
    assert services.update_action(action, by=ward.lead, version=1, title="Audit daily", due_on=in_days(-5)) == ["title"]
    assert _refusal(lambda: services.update_action(action, by=ward.lead, version=None, due_on=in_days(-1))) == (
        "due_on", "The due date must be today or later")


def test_update_action_refuses_an_owner_outside_the_team(ward):
    action = raise_one(ward)
    assert _refusal(lambda: services.update_action(action, by=ward.lead, version=1, owner=ward.outsider)) == (
        "owner", "Olly Outsider cannot own an action of Ward 7 Respiratory: choose one of its staff")


def test_update_action_refuses_a_closed_action(ward):
    action = walk_to(raise_one(ward), ActionStatus.CLOSED, ward)
    assert _refusal(lambda: services.update_action(action, by=ward.lead, version=None, title="Later")) == (
        None, "This action is closed and can no longer be changed")


# --- Transitions -------------------------------------------------------------------------------------------------


def test_every_transition_moves_the_state_stamps_it_and_is_audited(ward):
    item = add_evidence(ward.team, ward.member)
    action = raise_one(ward)
    services.start_action(action, by=ward.member)
    assert (action.status, action.started_at is not None) == (ActionStatus.IN_PROGRESS, True)
    services.complete_action(action, by=ward.member, note="  Weekly audits: 97%  ", evidence_ids=[item.id])
    assert (action.status, action.completion_note, [e.id for e in action.evidence], action.completed_at is not None) == (
        ActionStatus.AWAITING_EVIDENCE, "Weekly audits: 97%", [item.id], True)
    services.reopen_action(action, by=ward.reviewer, reason="The audit covers one week only")
    assert (action.status, action.reopen_reason, action.completed_at) == (
        ActionStatus.IN_PROGRESS, "The audit covers one week only", None)
    services.complete_action(action, by=ward.member, note="Four weeks of audits: 96%")
    assert (action.reopen_reason, action.evidence) == (None, [])
    services.verify_action(action, by=ward.quality_lead)
    db.session.commit()
    assert (action.status, action.verified_by_id, action.verified_at is not None) == (
        ActionStatus.CLOSED, ward.quality_lead.id, True)
    assert _audit(action) == [
        ("action.raise", None, "open", "Sam Sister", None),
        ("action.start", "open", "in_progress", "Nadia Nurse", None),
        ("action.complete", "in_progress", "awaiting_evidence", "Nadia Nurse", "Weekly audits: 97%"),
        ("action.reopen", "awaiting_evidence", "in_progress", "Riley Reviewer", "The audit covers one week only"),
        ("action.complete", "in_progress", "awaiting_evidence", "Nadia Nurse", "Four weeks of audits: 96%"),
        ("action.verify", "awaiting_evidence", "closed", "Quinn Quality", None),
    ]


#: How many transitions walk_to fires to reach each state.
STEPS_TO = {ActionStatus.OPEN: 0, ActionStatus.IN_PROGRESS: 1, ActionStatus.AWAITING_EVIDENCE: 2, ActionStatus.CLOSED: 3}


@pytest.mark.parametrize(("state", "trigger"), [
    (ActionStatus.OPEN, "complete"), (ActionStatus.OPEN, "verify"), (ActionStatus.IN_PROGRESS, "start"),
    (ActionStatus.IN_PROGRESS, "verify"), (ActionStatus.CLOSED, "reopen"), (ActionStatus.CLOSED, "start"),
])
def test_transition_from_the_wrong_state_is_refused_and_changes_nothing(ward, state, trigger):
    action = walk_to(raise_one(ward), state, ward)
    calls = {
        "start": lambda: services.start_action(action, by=ward.member),
        "complete": lambda: services.complete_action(action, by=ward.member, note=""),
        "verify": lambda: services.verify_action(action, by=ward.reviewer),
        "reopen": lambda: services.reopen_action(action, by=ward.reviewer, reason=""),
    }
    with pytest.raises(IllegalTrigger):
        calls[trigger]()
    db.session.rollback()
    assert (action.status, len(_audit(action))) == (state, STEPS_TO[state] + 1)


def test_complete_action_needs_a_note(ward):
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    assert _refusal(lambda: services.complete_action(action, by=ward.member, note="  ")) == (
        "note", "Say what was done to complete the action")
    assert action.status is ActionStatus.IN_PROGRESS


def test_complete_action_refuses_evidence_from_another_team(ward):
    theirs = add_evidence(ward.other_team, ward.outsider, "Their audit")
    ours = add_evidence(ward.team, ward.member)
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    assert _refusal(lambda: services.complete_action(action, by=ward.member, note="Done",
                                                     evidence_ids=[ours.id, theirs.id])) == (
        "evidence", "Evidence can only come from this team's library")
    db.session.expire_all()
    assert (action.status, action.evidence) == (ActionStatus.IN_PROGRESS, [])


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_action_needs_a_reason(ward, reason):
    action = walk_to(raise_one(ward), ActionStatus.AWAITING_EVIDENCE, ward)
    with pytest.raises(GuardRefused) as refused:
        services.reopen_action(action, by=ward.reviewer, reason=reason)
    assert (refused.value.reasons, action.status) == (["Give a reason for reopening it"], ActionStatus.AWAITING_EVIDENCE)


# --- Overdue -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("due_in", "state", "overdue"), [
    (-1, ActionStatus.OPEN, True),
    (0, ActionStatus.OPEN, False),
    (1, ActionStatus.OPEN, False),
    (-1, ActionStatus.IN_PROGRESS, True),
    (-1, ActionStatus.AWAITING_EVIDENCE, True),
    (-1, ActionStatus.CLOSED, False),
])
def test_action_is_overdue_only_past_its_due_date_and_until_closed(ward, due_in, state, overdue):
    action = walk_to(raise_one(ward, due_on=in_days(due_in), today=in_days(-1)), state, ward)
    today = today_in_london()
    assert (action.is_overdue(today), queries.overdue_count(ward.team.id, today)) == (overdue, int(overdue))


def test_due_by_selects_open_and_in_progress_actions_due_by_the_day(ward):
    late = raise_one(ward, title="Late", due_on=in_days(-2), today=in_days(-3))
    soon = walk_to(raise_one(ward, title="Soon", due_on=in_days(7)), ActionStatus.IN_PROGRESS, ward)
    raise_one(ward, title="Later", due_on=in_days(8))
    walk_to(raise_one(ward, title="Done", due_on=in_days(1)), ActionStatus.AWAITING_EVIDENCE, ward)
    assert [a.title for a in db.session.scalars(queries.due_by(in_days(7)))] == [late.title, soon.title]


def test_plan_groups_actions_by_state_soonest_due_first(ward):
    later = raise_one(ward, title="Later", due_on=in_days(20))
    sooner = raise_one(ward, title="Sooner", due_on=in_days(5))
    started = walk_to(raise_one(ward, title="Started", due_on=in_days(1)), ActionStatus.IN_PROGRESS, ward)
    grouped = queries.plan(ward.team.id)
    assert {s.value: [a.title for a in found] for s, found in grouped.items()} == {
        "open": [sooner.title, later.title], "in_progress": [started.title], "awaiting_evidence": [], "closed": []}
    assert [a.title for a in queries.plan(ward.team.id, owner_id=ward.lead.id)[ActionStatus.OPEN]] == []


def test_staff_lists_the_teams_active_members_and_leads(ward, factory):
    trust_member = factory.user(name="Ada Agency", role=Role.TEAM_MEMBER)
    gone = factory.user(name="Gil Gone", role=Role.TEAM_MEMBER, scope=ward.team)
    accounts.set_active(gone, False)
    db.session.commit()
    assert [u.name for u in queries.staff(ward.team)] == [trust_member.name, "Nadia Nurse", "Sam Sister"]

