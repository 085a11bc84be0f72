"""Step-up services: the regulation made once, signals recorded, the engine's proposals, approval and rejection
(each audited with its reasons), level changes and their guards, and levels as of a day."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.stepup import queries, services
from accredit.stepup.models import LevelChange, LevelProposal
from tests.stepup.conftest import SCHEME
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Rating
from workflows.stepup import ProposalStatus, Severity, SignalKind, StepupLevel

TODAY = date(2026, 6, 15)
RED_REASON = {"description": "Incident: Patient fall with harm", "severity": "red", "points": 30, "on": "2026-06-01",
              "source": "recorded"}


def audit_rows(prefix: str = "stepup.") -> list[tuple]:
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                              .order_by(AuditEvent.id))
    return [(r.action, r.subject_type, r.from_state, r.to_state, r.reason, r.actor_id) for r in rows]


@pytest.fixture
def proposed(trust, factory) -> LevelProposal:
    """A red signal for the ward, and the engine's proposal to step it up to Step up."""
    factory.signal(trust.ward, Severity.RED, date(2026, 6, 1))
    proposal = services.review_team(trust.ward, today=TODAY, scheme=SCHEME)
    db.session.commit()
    return proposal


def test_a_regulation_is_made_once_and_its_making_audited_once(trust):
    first = services.ensure_regulation(trust.ward)
    again = services.ensure_regulation(trust.ward)
    db.session.commit()
    assert first is again
    assert (first.level, first.since, first.cycle_started_on) == (StepupLevel.STANDARD, date(2020, 4, 1),
                                                                   date(2020, 4, 1))
    assert audit_rows() == [("stepup.create", "stepup_regulations", None, "standard", None, None)]


def test_recording_a_signal_asks_for_a_fresh_review_and_is_audited(trust):
    regulation = services.ensure_regulation(trust.ward)
    regulation.reviewed_on = TODAY
    signal = services.record_signal(trust.ward, kind=SignalKind.COMPLAINT, severity=Severity.AMBER,
                                    occurred_on=date(2026, 6, 10), description="  Family complaint about meals ",
                                    by=trust.quality_lead, today=TODAY)
    db.session.commit()
    assert (signal.description, signal.recorded_by_id, regulation.reviewed_on) == (
        "Family complaint about meals", trust.quality_lead.id, None)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stepup.record_signal"))
    assert (event.subject_type, event.subject_id, event.actor_id, event.data) == (
        "risk_signals", signal.id, trust.quality_lead.id,
        {"team_id": trust.ward.id, "kind": "complaint", "severity": "amber", "occurred_on": "2026-06-10",
         "description": "Family complaint about meals"})


@pytest.mark.parametrize(("occurred_on", "description", "field", "reason"), [
    (None, "A fall", "occurred_on", "Enter the date it happened"),
    (date(2026, 6, 16), "A fall", "occurred_on", "The date it happened must be today or in the past"),
    (date(2026, 6, 1), "   ", "description", "Describe what happened"),
])
def test_a_signal_needs_a_past_date_and_a_description(trust, occurred_on, description, field, reason):
    with pytest.raises(services.StepupError) as refused:
        services.record_signal(trust.ward, kind=SignalKind.INCIDENT, severity=Severity.RED, occurred_on=occurred_on,
                               description=description, by=trust.quality_lead, today=TODAY)
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_the_engine_proposes_with_its_reasons_and_the_proposal_is_audited(trust, proposed):
    assert (proposed.trigger, proposed.from_level, proposed.to_level, proposed.status, proposed.score) == (
        "step_up", StepupLevel.STANDARD, StepupLevel.STEP_UP, ProposalStatus.PENDING, 30)
    assert proposed.explanation == ("Step up to Step up (enhanced): Risk score 30: 1 red (30 points) in the last 6 "
                                    "months; a score of 30 points to step up (20–44)")
    assert proposed.reasons == [RED_REASON]
    assert audit_rows() == [
        ("stepup.create", "stepup_regulations", None, "standard", None, None),
        ("stepup.propose", "stepup_proposals", None, "pending", proposed.explanation, None),
    ]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stepup.propose"))
    assert event.data == {"team_id": trust.ward.id, "from": "standard", "to": "step_up", "score": 30,
                          "reasons": [RED_REASON]}
    assert (proposed.regulation.score, proposed.regulation.reviewed_on) == (30, TODAY)


def test_reviewing_again_raises_nothing_more(trust, proposed):
    assert services.review_team(trust.ward, today=TODAY, scheme=SCHEME) is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(LevelProposal.id))) == 1


def test_approving_moves_the_team_one_level_and_audits_the_reasons(trust, proposed):
    change = services.approve_proposal(proposed, by=trust.medicine_lead, note="Agreed at the quality huddle",
                                       today=TODAY, scheme=SCHEME)
    db.session.commit()
    regulation = proposed.regulation
    assert (regulation.level, regulation.since, regulation.cycle_started_on) == (StepupLevel.STEP_UP, TODAY, TODAY)
    assert (proposed.status, proposed.decided_by_id, proposed.decision_note) == (
        ProposalStatus.APPROVED, trust.medicine_lead.id, "Agreed at the quality huddle")
    assert (change.team_id, change.from_level, change.to_level, change.changed_on, change.proposal_id,
            change.reason, change.changed_by_id) == (
        trust.ward.id, StepupLevel.STANDARD, StepupLevel.STEP_UP, TODAY, proposed.id, "Agreed at the quality huddle",
        trust.medicine_lead.id)
    assert audit_rows()[2:] == [
        ("stepup.step_up", "stepup_regulations", "standard", "step_up", "Agreed at the quality huddle",
         trust.medicine_lead.id),
        ("stepup.approve", "stepup_proposals", "pending", "approved", "Agreed at the quality huddle",
         trust.medicine_lead.id),
    ]
    step_up = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stepup.step_up"))
    assert step_up.data == {"team_id": trust.ward.id, "proposal_id": proposed.id, "score": 30,
                            "reasons": [RED_REASON]}
    approve = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stepup.approve"))
    assert approve.data["reasons"] == [RED_REASON]


def test_rejecting_keeps_the_level_is_audited_and_is_not_proposed_again_for_a_while(trust, proposed):
    services.reject_proposal(proposed, by=trust.quality_lead, note="Isolated incident; already reviewed")
    db.session.commit()
    assert (proposed.status, proposed.regulation.level, proposed.decision_note) == (
        ProposalStatus.REJECTED, StepupLevel.STANDARD, "Isolated incident; already reviewed")
    assert audit_rows()[2:] == [("stepup.reject", "stepup_proposals", "pending", "rejected",
                                 "Isolated incident; already reviewed", trust.quality_lead.id)]
    regulation = proposed.regulation
    regulation.reviewed_on, proposed.decided_at = None, datetime(2026, 6, 15, 12, tzinfo=UTC)  # as if decided TODAY
    assert services.review_team(trust.ward, today=date(2026, 7, 14), scheme=SCHEME) is None  # 29 days later
    again = services.review_team(trust.ward, today=date(2026, 7, 16), scheme=SCHEME)  # 31 days: the signal counts
    assert (again.trigger, again.status) == ("step_up", ProposalStatus.PENDING)


def test_rejecting_needs_a_note(trust, proposed):
    with pytest.raises(services.StepupError) as refused:
        services.reject_proposal(proposed, by=trust.quality_lead, note=" ")
    assert (refused.value.field, refused.value.reason) == ("note", "Give a note saying why you reject the proposal")
    assert proposed.status is ProposalStatus.PENDING


def test_a_decided_proposal_cannot_be_decided_again(trust, proposed):
    services.reject_proposal(proposed, by=trust.quality_lead, note="Not now")
    with pytest.raises(IllegalTrigger):
        services.reject_proposal(proposed, by=trust.quality_lead, note="Again")
    with pytest.raises(services.StepupError) as refused:
        services.approve_proposal(proposed, by=trust.quality_lead, note="Yes", today=TODAY, scheme=SCHEME)
    assert refused.value.reason == "This proposal is already rejected"


def test_a_waiting_proposal_the_engine_no_longer_makes_is_withdrawn(trust, factory, proposed):
    proposed.regulation.reviewed_on = None
    later = date(2026, 12, 2)  # the red signal of 1 June has left the window
    assert services.review_team(trust.ward, today=later, scheme=SCHEME) is None
    db.session.commit()
    assert proposed.status is ProposalStatus.WITHDRAWN
    assert proposed.decision_note.startswith("The engine no longer proposes it: Stay at Standard")
    assert audit_rows()[-1][:4] == ("stepup.withdraw", "stepup_proposals", "pending", "withdrawn")


def test_stepping_down_too_soon_is_refused_and_changes_nothing(trust, proposed):
    services.approve_proposal(proposed, by=trust.quality_lead, note="Agreed", today=TODAY, scheme=SCHEME)
    regulation = proposed.regulation
    with pytest.raises(GuardRefused) as refused:
        services.change_level(regulation, "step_down", by=trust.quality_lead, reason="Better now",
                              today=date(2026, 9, 14), scheme=SCHEME)
    assert refused.value.reasons == ["A team stays at least 3 months at a level before stepping down; this team has "
                                     "been at Step up for 2 months"]
    assert (regulation.level, db.session.scalar(sa.select(sa.func.count(LevelChange.id)))) == (StepupLevel.STEP_UP, 1)


def test_stepping_up_again_at_once_needs_the_red_signal(trust, factory, proposed):
    services.approve_proposal(proposed, by=trust.quality_lead, note="Agreed", today=TODAY, scheme=SCHEME)
    regulation = proposed.regulation
    # The red signal still counts: the team may step up again at once.
    change = services.change_level(regulation, "step_up", by=trust.quality_lead, reason="Second serious incident",
                                   today=TODAY, scheme=SCHEME)
    assert (change.to_level, change.proposal_id) == (StepupLevel.INTENSIVE, None)
    with pytest.raises(IllegalTrigger):
        services.change_level(regulation, "step_up", by=trust.quality_lead, reason="Higher?", today=TODAY,
                              scheme=SCHEME)


def test_stepping_up_soon_without_a_red_signal_is_refused(trust, factory):
    factory.signal(trust.ward, Severity.AMBER, date(2026, 6, 1))
    regulation = services.ensure_regulation(trust.ward)
    regulation.since = date(2026, 5, 1)
    with pytest.raises(GuardRefused) as refused:
        services.change_level(regulation, "step_up", by=trust.quality_lead, reason="Worried", today=TODAY,
                              scheme=SCHEME)
    assert refused.value.reasons == ["Stepping up within 3 months of the last change needs a red signal; this team "
                                     "has been at Standard for 1 month and has no red signal"]


def test_a_direct_change_withdraws_the_waiting_proposal(trust, proposed):
    regulation = proposed.regulation
    services.change_level(regulation, "step_down", by=trust.quality_lead, reason="Outstanding peer review",
                          today=TODAY, scheme=SCHEME)
    assert (regulation.level, proposed.status) == (StepupLevel.STEP_DOWN, ProposalStatus.WITHDRAWN)


def test_levels_as_of_a_day_follow_the_level_changes(trust, factory, proposed):
    services.approve_proposal(proposed, by=trust.quality_lead, note="Agreed", today=TODAY, scheme=SCHEME)
    db.session.commit()
    ids = [trust.ward.id, trust.sister_ward.id]
    assert queries.levels_on(date(2026, 6, 14), ids) == {trust.ward.id: StepupLevel.STANDARD,
                                                         trust.sister_ward.id: StepupLevel.STANDARD}
    assert queries.levels_on(TODAY, ids) == {trust.ward.id: StepupLevel.STEP_UP,
                                             trust.sister_ward.id: StepupLevel.STANDARD}
    assert (queries.level_on(trust.ward.id, date(2026, 6, 14)), queries.level_on(trust.ward.id, TODAY)) == (
        StepupLevel.STANDARD, StepupLevel.STEP_UP)


def test_a_self_assessed_inadequate_counts_as_red(trust, factory):
    factory.self_assessment(trust.ward, date(2026, 5, 1), Rating.INADEQUATE, submitted_on=date(2026, 5, 10))
    proposal = services.review_team(trust.ward, today=TODAY, scheme=SCHEME)
    assert (proposal.trigger, proposal.score, proposal.reasons[0]["severity"]) == ("step_up", 30, "red")


def test_a_rejection_just_after_midnight_in_summer_counts_from_its_london_day(trust, proposed):
    """Rejected at 00:30 on 15 June, London time (23:30 on the 14th in UTC): not proposed again until 30 days
    after 15 June have passed."""
    services.reject_proposal(proposed, by=trust.quality_lead, note="Isolated incident; already reviewed")
    regulation = proposed.regulation
    regulation.reviewed_on, proposed.decided_at = None, datetime(2026, 6, 14, 23, 30, tzinfo=UTC)
    db.session.commit()
    assert services.review_team(trust.ward, today=date(2026, 7, 15), scheme=SCHEME) is None  # 30 days on
    again = services.review_team(trust.ward, today=date(2026, 7, 16), scheme=SCHEME)
    assert (again.trigger, again.status) == ("step_up", ProposalStatus.PENDING)
