"""Two years of demo history (API.md: `demo` loads "two years of history"): monthly self-assessments, Quality
Review Visits with their reports, improvement actions in every state. The same seed and day give the same history.

Self-assessments are many (every team, every month) and go in by bulk insert, with the audit rows their services
would have written. Visits and actions are few and go through their real services, with the clock set back to
when each step happened (`_clock`), so their timestamps, audit rows, eligibility checks and invitations are what
the services make. The notifications those services write are removed afterwards: history was told long ago,
and the scheduler must not email it now.
"""
from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from accredit import models_base
from accredit.actions import services as actions
from accredit.assessments import services as assessments
from accredit.assessments.models import LONDON, AssessmentResponse, SelfAssessment
from accredit.audit import AuditEvent
from accredit.auth import services as accounts
from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.notifications.models import Notification
from accredit.org.models import Team
from accredit.roles import Role, ScopeKind
from accredit.visits import services as visits
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.periods import Period, period_containing, previous_period
from workflows.ratings import Domain, Rating
from workflows.team import TeamStatus
from workflows.visit import VisitKind, VisitStatus

MONTHS = 24
FIRST_NAMES = ["Aisha", "Ben", "Chloe", "Dev", "Emma", "Femi", "Grace", "Harry", "Imran", "Jess", "Kofi", "Lucy",
               "Maya", "Noah", "Olu", "Priya", "Ravi", "Sara", "Tom", "Uma", "Vik", "Zara"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Khan",
              "Lewis", "Morgan", "Nolan", "Owen", "Patel", "Quinn", "Roberts", "Singh", "Taylor", "Walsh", "Young"]
NARRATIVES = {
    Domain.SAFE: ["Monthly audits green; two near misses reviewed at huddle", "Staffing met the safe level on all "
                  "but three shifts", "Falls and pressure ulcer bundles in place; audit 94%"],
    Domain.EFFECTIVE: ["NEWS2 escalation audit 96%", "Care plans reviewed weekly", "Discharge summaries within 24h"],
    Domain.CARING: ["Friends and family test 97% positive", "Patient stories shared at handover",
                    "Compliments log kept"],
    Domain.RESPONSIVE: ["Interpreters booked for every admission that needs one", "Complaints answered in 10 days",
                        "Waiting times within target"],
    Domain.WELL_LED: ["Team meeting monthly with minutes", "Freedom to speak up guardian known to all staff",
                      "Risk register reviewed quarterly"],
}


def _at(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in London on `day`, as UTC."""
    return datetime.combine(day, time(hour), LONDON).astimezone(UTC)


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """Run services as if it were `moment`: every `utcnow` the services call, and every timestamp a row would get
    by default (audit rows, created_at, ...), says `moment`."""
    real = models_base.utcnow
    patched = [m for name, m in list(sys.modules.items())
               if name.startswith("accredit.") and getattr(m, "utcnow", None) is real]

    def stamp(mapper: Any, connection: Any, target: Any) -> None:
        for name in ("at", "created_at", "assigned_at", "computed_at", "declared_at"):
            if name in mapper.columns and getattr(target, name, None) is None:
                setattr(target, name, moment)

    for module in patched:
        module.utcnow = lambda: moment
    event.listen(db.Model, "before_insert", stamp, propagate=True)
    try:
        yield
    finally:
        event.remove(db.Model, "before_insert", stamp)
        for module in patched:
            module.utcnow = real


class History:
    """Everything the loader needs at hand: today, the people, a seeded random source."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.teams = {t.code: t for t in db.session.scalars(sa.select(Team).where(Team.status == TeamStatus.ACTIVE))}
        users = {u.email: u for u in db.session.scalars(sa.select(User))}
        self.quality_lead = users["quality.lead@demo.nhs.uk"]
        self.reviewer = users["reviewer@demo.nhs.uk"]
        self.nurse = users["nurse@demo.nhs.uk"]
        self.leads = self._team_leads()

    def _team_leads(self) -> dict[int, User]:
        """Each team's lead: the demo accounts' where they exist, else a new ward manager (no password: an
        administrator sets one) so that every self-assessment has someone who submitted it."""
        held = {g.scope_id: g.user for g in db.session.scalars(
            sa.select(RoleAssignment).where(RoleAssignment.role == Role.TEAM_LEAD,
                                            RoleAssignment.scope_kind == ScopeKind.TEAM))}
        names = self.rng.sample([f"{f} {s}" for f in FIRST_NAMES for s in LAST_NAMES], len(self.teams))
        leads = {}
        for (code, team), name in zip(sorted(self.teams.items()), names, strict=True):
            if team.id not in held:
                held[team.id] = accounts.create_user(f"lead.{code.lower()}@demo.nhs.uk", name)
                accounts.grant_role(held[team.id], Role.TEAM_LEAD, ScopeKind.TEAM, team.id)
            leads[team.id] = held[team.id]
        return leads


def load_history(seed: int, today: date) -> str | None:
    """Add the history to a loaded demo trust; None (nothing added) if it is already there."""
    current = period_containing(today)
    past = db.session.scalar(sa.select(SelfAssessment.id).where(SelfAssessment.period_start < current.start).limit(1))
    if past is not None:
        return None
    history = History(random.Random(seed * 7919), today)
    first_notification = db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0
    assessed = _self_assessments(history, current)
    visited, raised = _visits_and_actions(history)
    db.session.execute(sa.delete(Notification).where(Notification.id > first_notification))
    db.session.flush()
    return f"{assessed} self-assessments, {visited} visits, {raised} improvement actions"


# --- Self-assessments ---------------------------------------------------------------------------------------


def _fate(rng: random.Random, months_ago: int) -> str:
    """What became of one past period: mostly accepted on time, some late, a few missed; last month's few still
    await review."""
    roll = rng.random()
    if roll < 0.06:
        return "missed"
    if roll < 0.16:
        return "late"
    return "submitted" if months_ago == 1 and roll > 0.93 else "accepted"


def _self_assessments(history: History, current: Period) -> int:
    """Every active team's self-assessment for the last MONTHS periods (bulk) and an open one for this period."""
    periods, period = [], current
    for _ in range(MONTHS):
        period = previous_period(period)
        periods.append(period)
    rows, answers, audits = [], {}, []
    for team in sorted(history.teams.values(), key=lambda t: t.code):
        version = current_version(team.framework_key)
        baseline = history.rng.choice([Rating.GOOD, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.OUTSTANDING])
        for months_ago, period in enumerate(periods, start=1):
            if team.opened_on > period.end:
                continue
            fate = _fate(history.rng, months_ago)
            row, steps = _assessment_row(history, team, version, period, fate)
            rows.append(row)
            answers[(team.id, period.start)] = [
                _answer(history.rng, s, baseline, fate) for s in version.standards]
            audits.append(((team.id, period.start), steps))
    db.session.execute(sa.insert(SelfAssessment.__table__), _uniform(rows))
    ids = {(t, s): i for i, t, s in db.session.execute(
        sa.select(SelfAssessment.id, SelfAssessment.team_id, SelfAssessment.period_start)
        .where(SelfAssessment.period_start < current.start))}
    responses = [{**a, "assessment_id": ids[key]} for key, items in answers.items() for a in items]
    for start in range(0, len(responses), 5000):
        db.session.execute(sa.insert(AssessmentResponse.__table__), responses[start:start + 5000])
    db.session.execute(sa.insert(AuditEvent.__table__), _uniform([
        {**step, "subject_type": "self_assessments", "subject_id": ids[key], "workflow_version": "1"}
        for key, steps in audits for step in steps]))
    for team in history.teams.values():  # this period: open, as the scheduler would have opened it
        assessments.ensure_assessment(team, current)
    return len(rows) + len(history.teams)


def _uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the same keys each (None where one lacks a key), as one executemany needs."""
    keys = {k for row in rows for k in row}
    return [{k: row.get(k) for k in keys} for row in rows]


def _assessment_row(history: History, team: Team, version: Any, period: Period,
                    fate: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng, lead, reviewer = history.rng, history.leads[team.id], history.reviewer
    opened, started = _at(period.start, 0), _at(period.start + timedelta(days=rng.randint(1, 6)), 11)
    row = {"team_id": team.id, "framework_version_id": version.id, "period_start": period.start,
           "period_end": period.end, "due_on": period.due, "created_at": opened, "started_at": started,
           "updated_at": started, "version": 4}
    steps = [{"at": opened, "actor_id": None, "action": "assessment.open", "from_state": None, "to_state": "open",
              "data": {"period": period.start.isoformat()}},
             {"at": started, "actor_id": lead.id, "action": "start", "from_state": "open", "to_state": "in_progress"}]
    if fate == "missed":
        closed = _at(period.end + timedelta(days=1), 0)
        steps.append({"at": closed, "actor_id": None, "action": "close_period", "from_state": "in_progress",
                      "to_state": "missed", "reason": "The period ended without a submission"})
        return {**row, "status": AssessmentStatus.MISSED, "closed_at": closed}, steps
    late = fate == "late"
    submitted_on = period.due + timedelta(days=rng.randint(1, 9)) if late else period.due - timedelta(
        days=rng.randint(0, 6))
    submitted = _at(max(submitted_on, period.start + timedelta(days=7)), 15)
    steps.append({"at": submitted, "actor_id": lead.id, "action": "submit", "from_state": "in_progress",
                  "to_state": "submitted"})
    row = {**row, "submitted_at": submitted, "submitted_by_id": lead.id, "updated_at": submitted}
    if fate == "submitted":
        return {**row, "status": AssessmentStatus.SUBMITTED}, steps
    accepted = submitted + timedelta(days=rng.randint(1, 5))
    steps.append({"at": accepted, "actor_id": reviewer.id, "action": "accept", "from_state": "submitted",
                  "to_state": "accepted"})
    return {**row, "status": AssessmentStatus.ACCEPTED, "accepted_at": accepted,
            "accepted_by_id": reviewer.id}, steps


def _answer(rng: random.Random, standard: Any, baseline: Rating, fate: str) -> dict[str, Any]:
    answered = fate != "missed" or rng.random() < 0.3
    scale = list(Rating)
    drift = rng.choice([0, 0, 0, 0, 1, -1])
    rating = scale[max(1, min(len(scale) - 1, scale.index(baseline) + drift))]
    return {"standard_id": standard.id, "position": standard.position, "version": 1,
            "rating": rating if answered else None,
            "narrative": f"{standard.code}: {rng.choice(NARRATIVES[standard.domain])}" if answered else ""}


# --- Visits and actions ---------------------------------------------------------------------------------------

#: (team code, kind, months before today, overall rating, how far it got); dates fall on working days.
VISITS = [
    ("MED-ACUTE-03", VisitKind.QRV, 14, Rating.GOOD, VisitStatus.PUBLISHED),  # Ward 8: eligible, then invited
    ("MED-ACUTE-03", VisitKind.QRV, 1, Rating.OUTSTANDING, VisitStatus.PUBLISHED),
    ("MED-ACUTE-02", VisitKind.QRV, 11, Rating.GOOD, VisitStatus.PUBLISHED),  # Ward 7 Respiratory
    ("MH-ADULT-01", VisitKind.QRV, 19, Rating.GOOD, VisitStatus.PUBLISHED),  # Willow Ward: Good, then RI
    ("MH-ADULT-01", VisitKind.QRV, 6, Rating.REQUIRES_IMPROVEMENT, VisitStatus.PUBLISHED),
    ("MH-ADULT-03", VisitKind.QRV, 16, Rating.GOOD, VisitStatus.PUBLISHED),  # Crisis Resolution Team North:
    ("MH-ADULT-03", VisitKind.QRV, 4, Rating.GOOD, VisitStatus.PUBLISHED),  # eligible (its application: demo.py)
    ("SURG-CRIT-01", VisitKind.QRV, 20, Rating.OUTSTANDING, VisitStatus.PUBLISHED),  # ICU: Outstanding, then RI
    ("SURG-CRIT-01", VisitKind.QRV, 8, Rating.REQUIRES_IMPROVEMENT, VisitStatus.PUBLISHED),
    ("MH-ADULT-02", VisitKind.OBJECTIVE_REVIEW, 5, Rating.GOOD, VisitStatus.PUBLISHED),  # Oak Ward (Step-up)
    ("MED-ELDER-01", VisitKind.QRV, 0, Rating.GOOD, VisitStatus.FACTUAL_ACCURACY),  # Ward 10: out for comments
    ("SURG-ORTH-03", VisitKind.QRV, 3, None, VisitStatus.CANCELLED),  # Fracture Clinic
    ("SURG-GEN-01", VisitKind.QRV, -2, None, VisitStatus.SCHEDULED),  # Ward 20: in the future
]
RATINGS_FOR = {
    Rating.OUTSTANDING: {**{d: Rating.GOOD for d in Domain}, Domain.CARING: Rating.OUTSTANDING,
                         Domain.WELL_LED: Rating.OUTSTANDING},
    Rating.GOOD: {**{d: Rating.GOOD for d in Domain}, Domain.RESPONSIVE: Rating.OUTSTANDING},
    Rating.REQUIRES_IMPROVEMENT: {**{d: Rating.GOOD for d in Domain}, Domain.SAFE: Rating.REQUIRES_IMPROVEMENT,
                                  Domain.WELL_LED: Rating.REQUIRES_IMPROVEMENT},
}
FINDINGS = {Domain.SAFE: ("Resuscitation trolley checks missed on 4 days in March", "Check the resuscitation "
                          "trolley every day and record it"),
            Domain.WELL_LED: ("Risk register not reviewed since last year", "Review the risk register at the "
                              "monthly team meeting"),
            Domain.EFFECTIVE: ("Care plans not updated after falls", "Update the care plan within 24 hours of a "
                               "fall"),
            Domain.RESPONSIVE: ("Complaint responses took 25 days on average", "Answer complaints within 10 days")}


def _working_day(day: date) -> date:
    from workflows.calendar import is_working_day

    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _visits_and_actions(history: History) -> tuple[int, int]:
    made, raised = 0, 0
    for code, kind, months_ago, overall, state in VISITS:
        team = history.teams.get(code)
        if team is None:
            continue
        day = _working_day(history.today - timedelta(days=round(months_ago * 30.4)))
        if state is VisitStatus.FACTUAL_ACCURACY:
            day = _working_day(history.today - timedelta(days=10))
        with_actions = overall is Rating.REQUIRES_IMPROVEMENT or code == "MED-ACUTE-02"
        visit, raised_here = _visit(history, team, kind, day, overall, state, with_actions)
        for action, action_state in zip(raised_here, ACTION_STATES):  # none for a visit without actions
            _walk(history, action, action_state, day)
        raised += len(raised_here)
        made += 1
    return made, raised


def _visit(history: History, team: Team, kind: VisitKind, day: date, overall: Rating | None,
           state: VisitStatus, with_actions: bool) -> tuple[Any, list[Any]]:
    """A visit to `team` on `day`, taken by the real services as far as `state`, each step on its own day; with
    the actions raised at it (`with_actions`)."""
    ql, reviewer, lead = history.quality_lead, history.reviewer, history.leads[team.id]
    planned_on = min(day - timedelta(days=90), history.today)
    with _clock(_at(planned_on, 9)):
        visit = visits.plan_visit(team, kind, day, by=ql)
        visits.assign_reviewer(visit, reviewer, by=ql, is_lead=True)
        visits.schedule_visit(visit, by=ql)
    if state is VisitStatus.CANCELLED:
        with _clock(_at(day - timedelta(days=14), 14)):
            visits.cancel_visit(visit, by=ql, reason="The ward was closed to admissions for a norovirus outbreak")
        return visit, []
    if state is VisitStatus.SCHEDULED:
        return visit, []
    with _clock(_at(day, 9)):
        visits.start_visit(visit, by=reviewer)
        findings = {d: (r, f"{d.label}: {history.rng.choice(NARRATIVES[d])}.") for d, r in RATINGS_FOR[overall].items()}
        visits.save_ratings(visit, findings, by=reviewer, summary=f"{team.name}: a caring team that knows its "
                                                                   "patients well.")
        raised = _actions(history, visit) if with_actions else []
    sent_on = _working_day(day + timedelta(days=3))
    with _clock(_at(sent_on, 16)):
        visits.draft_report(visit, by=reviewer)
        visits.send_report(visit, by=reviewer, today=sent_on)
    if state is VisitStatus.FACTUAL_ACCURACY:
        return visit, raised
    commented_on = sent_on + timedelta(days=5)
    with _clock(_at(commented_on, 12)):
        visits.comment_on_report(visit, "The ward has 28 beds, not 24.", by=lead, today=commented_on, finished=True)
    published_on = commented_on + timedelta(days=2)
    with _clock(_at(published_on, 10)):
        visits.publish_report(visit, by=reviewer, today=published_on)
    return visit, raised


#: The states the actions raised at a visit reach, in turn: every state shows, some overdue.
ACTION_STATES = [ActionStatus.CLOSED, ActionStatus.AWAITING_EVIDENCE, ActionStatus.IN_PROGRESS, ActionStatus.OPEN]


def _actions(history: History, visit: Any) -> list[Any]:
    """Actions raised at the visit (on its day, under its clock), one per ACTION_STATES; the one left open is
    overdue."""
    owner, raised_on = history.leads[visit.team_id], visit.visit_date
    raised = []
    for index, (domain, state) in enumerate(zip(FINDINGS, ACTION_STATES, strict=True)):
        finding, title = FINDINGS[domain]
        due = raised_on + timedelta(days=60 + 30 * index) if state is not ActionStatus.OPEN else (
            max(raised_on, min(raised_on + timedelta(days=45), history.today - timedelta(days=3))))
        raised.append(visits.raise_visit_action(visit, by=history.reviewer, title=title, finding=finding,
                                                domain=domain, owner=owner, due_on=due, today=raised_on))
    return raised


def _walk(history: History, action: Any, state: ActionStatus, raised_on: date) -> None:
    owner, reviewer = action.owner, history.reviewer
    if state is ActionStatus.OPEN:
        return
    started = min(raised_on + timedelta(days=7), history.today)
    with _clock(_at(started, 9)):
        actions.start_action(action, by=owner)
    if state is ActionStatus.IN_PROGRESS:
        return
    done = min(raised_on + timedelta(days=40), history.today)
    with _clock(_at(done, 16)):
        actions.complete_action(action, by=owner, note="Done, and checked at the weekly safety huddle since")
    if state is ActionStatus.CLOSED:
        with _clock(_at(min(done + timedelta(days=5), history.today), 11)):
            actions.verify_action(action, by=reviewer)
