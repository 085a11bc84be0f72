"""The self-assessment reminder sweep (DESIGN.md §6): period open, due soon, overdue and its escalation ladder.

Timings and the ladder are scheme settings; which reminders are owed on a day is workflows.reminders' pure
rule. Each reminder is claimed by a key `assessment:<id>:<stage>[:<due date>]:<user id>`, so the sweep can run
any number of times, in two schedulers at once, or late after downtime, and each person hears each thing once.
Teams whose deadlines are paused that day hear nothing; a pause that ends after the due date moves it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from accredit.assessments.models import AssessmentResponse, SelfAssessment
from accredit.assessments.services import today_in_london
from accredit.deadlines.queries import pause_windows
from accredit.extensions import db
from accredit.frameworks.models import Standard
from accredit.notifications import services as notifications
from accredit.notifications.audiences import AUDIENCE_LABELS, Audiences
from accredit.notifications.links import path_for
from accredit.org.models import Service, Team
from accredit.schemes.services import current_scheme
from workflows.assessment import AssessmentStatus
from workflows.reminders import Reminder, effective_due, reminders_owed
from workflows.team import TeamStatus


@dataclass(frozen=True)
class _Planned:
    key: str
    user: object
    reminder: Reminder
    assessment: SelfAssessment


def send_assessment_reminders(now: datetime) -> int:
    """Write every self-assessment reminder owed as of `now` and not yet claimed; returns how many were written.

    A fixed number of statements however many teams: the assessments, their pauses, the people, one count of
    answers and one of standards, then two per 500 reminders (notify_many).
    """
    today = today_in_london(now)
    scheme = current_scheme()
    assessments = db.session.scalars(
        sa.select(SelfAssessment).join(Team, Team.id == SelfAssessment.team_id).where(*_chased(today))
        .options(joinedload(SelfAssessment.team).joinedload(Team.service).joinedload(Service.division))
        .order_by(SelfAssessment.id)
    ).all()
    if not assessments:
        return 0
    since = min(a.period_start for a in assessments)
    windows = pause_windows({a.team_id for a in assessments}, since=since, today=today)
    audiences = Audiences()
    planned = [p for a in assessments for p in _plan(a, windows.get(a.team_id, []), today, scheme, audiences)]
    if not planned:
        return 0
    progress = _progress(today), _standards({a.framework_version_id for a in assessments})
    return notifications.notify_many(
        (notifications.Owed(p.user, p.key, partial(_note, p, today, progress)) for p in planned), at=now)


def _chased(today: date) -> list[sa.ColumnElement[bool]]:
    """The assessments a sweep on `today` chases (with Team joined): open or started, of an active team, begun."""
    return [SelfAssessment.status.in_([AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS]),
            Team.status == TeamStatus.ACTIVE, SelfAssessment.period_start <= today]


def _progress(today: date) -> dict[int, int]:
    """The answered standards of every chased assessment that has some, in one grouped count (an assessment
    nobody has opened yet has no answer rows at all: services.ensure_answers)."""
    rows = db.session.execute(
        sa.select(AssessmentResponse.assessment_id, sa.func.count())
        .join(SelfAssessment, SelfAssessment.id == AssessmentResponse.assessment_id)
        .join(Team, Team.id == SelfAssessment.team_id).where(*_chased(today), AssessmentResponse.is_answered)
        .group_by(AssessmentResponse.assessment_id)
    )
    return {assessment_id: answered for assessment_id, answered in rows}


def _standards(version_ids: set[int]) -> dict[int, int]:
    """How many standards each framework version has."""
    rows = db.session.execute(
        sa.select(Standard.framework_version_id, sa.func.count()).where(Standard.framework_version_id.in_(version_ids))
        .group_by(Standard.framework_version_id)
    )
    return {version_id: standards for version_id, standards in rows}


def _plan(assessment: SelfAssessment, windows, today, scheme, audiences: Audiences) -> list[_Planned]:
    if any(first <= today <= last for first, last in windows):
        return []  # paused: no reminder, no escalation
    due = effective_due(assessment.due_on, windows, today)
    owed = reminders_owed(today=today, opens_on=assessment.period_start, due=due,
                          reminder_days=scheme.assessment_reminder_days, escalation=scheme.assessment_escalation)
    planned = []
    for reminder in owed:
        if reminder.stage == "opened" and assessment.status is not AssessmentStatus.OPEN:
            continue  # the team has already started: telling them it is open helps nobody
        for user in audiences.people(assessment.team, reminder.audience):
            planned.append(_Planned(_key(assessment, reminder, user), user, reminder, assessment))
    return planned


def _key(assessment: SelfAssessment, reminder: Reminder, user) -> str:
    # Due and overdue keys carry the due date they speak of: a pause that moves it starts their clock again.
    if reminder.stage == "opened":
        return f"assessment:{assessment.id}:opened:{user.id}"
    return f"assessment:{assessment.id}:{reminder.stage}:{reminder.due.isoformat()}:{user.id}"


def _note(planned: _Planned, today: date, progress: tuple[dict[int, int], dict[int, int]]) -> notifications.Note:
    reminder, assessment = planned.reminder, planned.assessment
    team = assessment.team
    answered_of, standards_of = progress
    answered, total = answered_of.get(assessment.id, 0), standards_of.get(assessment.framework_version_id, 0)
    # Said as it stands today: a reminder caught up late says "in 2 days", not its stage's "in 7 days".
    days = abs((today - reminder.due).days)
    context = {
        "assessment": assessment, "team": team, "due": reminder.due, "days": days,
        "when": _when(days), "escalated": reminder.audience not in ("team", "team_lead"),
        "audience_label": AUDIENCE_LABELS[reminder.audience],
        "progress": f"{answered} of {total} standards are answered.",
    }
    kind, template, subject = _wording(reminder, days, team.name, assessment.period_label)
    return notifications.Note(planned.user, kind, planned.key, subject, template, context,
                              link=path_for("assessments.show", assessment_id=assessment.id))


def _when(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _wording(reminder: Reminder, days: int, team: str, period: str) -> tuple[str, str, str]:
    """(kind, template, subject) for a reminder `days` before or after its due date."""
    if reminder.stage == "opened":
        return "assessment.opened", "assessments/emails/opened", f"{team}: the {period} self-assessment is open"
    if not reminder.is_overdue:
        return "assessment.due", "assessments/emails/due", f"{team}: the {period} self-assessment is due {_when(days)}"
    late = f"{days} day{'s' if days != 1 else ''} overdue"
    prefix = "Escalation: " if reminder.audience not in ("team", "team_lead") else ""
    return "assessment.overdue", "assessments/emails/overdue", f"{prefix}{team}: the {period} self-assessment is {late}"
