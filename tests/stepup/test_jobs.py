"""The `stepup_review` sweep: every active team reviewed once a day, proposals raised, cycle step reminders to
the team lead once per step and cycle; run again, it does nothing."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.org import services as org
from accredit.notifications.models import Notification
from accredit.scheduling.registry import sweeps
from accredit.scheduling.runner import parse_now
from accredit.stepup.jobs import stepup_review
from accredit.stepup.models import LevelProposal, StepupRegulation
from workflows.stepup import Severity, StepupLevel


def run(when: str) -> int:
    done = stepup_review(parse_now(when))
    db.session.commit()
    return done


def rows() -> list[tuple[str, str, str]]:
    return [(n.dedupe_key, n.recipient.name, n.subject)
            for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))]


def test_stepup_review_is_registered_before_delivery():
    names = [s.name for s in sweeps()]
    assert names.index("stepup_review") < names.index("deliver_notifications")


def test_the_sweep_reviews_every_active_team_once_a_day(trust):
    # Standard since 1 April 2020, every 6 months: step 2 of the cycle from 1 April 2026 is due 30 June.
    assert run("2026-06-20T07:00") == 1
    regulations = db.session.scalars(sa.select(StepupRegulation).order_by(StepupRegulation.team_id)).all()
    assert [(r.team_id, r.level, r.score, r.reviewed_on) for r in regulations] == [
        (team.id, StepupLevel.STANDARD, 0, date(2026, 6, 20))
        for team in (trust.ward, trust.sister_ward, trust.surgical_ward)]
    assert rows() == [(f"stepup:{trust.ward.id}:2026-04-01:peer_review:due:{trust.lead.id}", "Sam Sister",
                       "Ward 7 Respiratory: Step-up step 2 is due in 10 days")]
    body = db.session.scalar(sa.select(Notification.body_text))
    assert "Step 2 of the current cycle is due in 10 days (Tuesday 30 June 2026):\n\n" \
           "Peer review (like for like) or objective review." in body
    assert run("2026-06-20T18:00") == 0  # again that day: nothing
    assert run("2026-06-21T07:00") == 0  # the next day: reviewed again, the reminder already sent
    assert len(rows()) == 1


def test_a_signal_recorded_today_is_reviewed_at_the_next_run(trust, factory):
    assert run("2026-06-20T07:00") == 1
    factory.signal(trust.ward, Severity.RED, date(2026, 6, 20))
    db.session.scalar(sa.select(StepupRegulation).where(StepupRegulation.team_id == trust.ward.id)).reviewed_on = None
    db.session.commit()
    assert run("2026-06-20T09:00") == 1
    proposal = db.session.scalar(sa.select(LevelProposal))
    assert (proposal.team_id, proposal.trigger, proposal.to_level) == (trust.ward.id, "step_up", StepupLevel.STEP_UP)
    assert run("2026-06-20T10:00") == 0


def test_closed_teams_are_not_reviewed(trust):
    org.close_team(trust.sister_ward, by=trust.quality_lead, reason="Ward closed", on=date(2026, 1, 1))
    db.session.commit()
    run("2026-06-20T07:00")
    reviewed = db.session.scalars(sa.select(StepupRegulation.team_id).order_by(StepupRegulation.team_id)).all()
    assert reviewed == [trust.ward.id, trust.surgical_ward.id]


def test_proposals_raised_for_several_teams_in_one_run_are_each_audited_once(trust, factory):
    """The sweep flushes a chunk's proposals together, then writes their audit rows: each row names its own."""
    for team in (trust.ward, trust.surgical_ward):
        factory.signal(team, Severity.RED, date(2026, 6, 19))
    db.session.commit()
    assert run("2026-06-20T07:00") == 3  # two proposals and the ward lead's step reminder
    proposals = db.session.scalars(sa.select(LevelProposal).order_by(LevelProposal.team_id)).all()
    assert [(p.team_id, p.to_level) for p in proposals] == [
        (trust.ward.id, StepupLevel.STEP_UP), (trust.surgical_ward.id, StepupLevel.STEP_UP)]
    audited = db.session.execute(sa.select(AuditEvent.subject_id, AuditEvent.data["team_id"].as_integer())
                                 .where(AuditEvent.action == "stepup.propose").order_by(AuditEvent.subject_id)).all()
    assert [tuple(row) for row in audited] == [(p.id, p.team_id) for p in proposals]


def test_withdrawals_and_new_proposals_of_one_run_are_written_and_audited_team_by_team(trust, factory):
    """The sweep flushes withdrawals with the new proposals, then audits each team's in team order."""
    for team in (trust.sister_ward, trust.surgical_ward):
        factory.signal(team, Severity.RED, date(2026, 6, 1))
    db.session.commit()
    run("2026-06-20T07:00")
    factory.signal(trust.ward, Severity.RED, date(2026, 12, 1))
    db.session.commit()
    first = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    run("2026-12-02T07:00")  # the June signals have left the window; the ward's is new
    proposals = db.session.scalars(sa.select(LevelProposal).order_by(LevelProposal.id)).all()
    assert [(p.team_id, p.status.value) for p in proposals] == [
        (trust.sister_ward.id, "withdrawn"), (trust.surgical_ward.id, "withdrawn"), (trust.ward.id, "pending")]
    assert all(p.decision_note.startswith("The engine no longer proposes it: Stay at Standard") for p in proposals[:2])
    audited = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.from_state, AuditEvent.to_state)
        .where(AuditEvent.id > first, AuditEvent.action.startswith("stepup.")).order_by(AuditEvent.id)).all()
    assert [tuple(row) for row in audited] == [  # the teams in id order: the ward first
        ("stepup.propose", proposals[2].id, None, "pending"),
        ("stepup.withdraw", proposals[0].id, "pending", "withdrawn"),
        ("stepup.withdraw", proposals[1].id, "pending", "withdrawn")]
