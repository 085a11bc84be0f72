"""The improvement action reminder sweep (DESIGN.md §6): due soon to the owner, overdue to the owner on day 1,
then up the scheme's escalation ladder (the division's quality lead, then the trust's).

Timings and the ladder are scheme settings (`action_reminder_days`, `action_escalation`); which reminders are
owed on a day is workflows.reminders' pure rule, counted in calendar days as the self-assessment ladder is. Only
actions still with their owner (open or in progress) are chased: one awaiting evidence waits for a verifier.
Each reminder is claimed by a key `action:<id>:<stage>:<due date>:<user id>`, so a new due date (or a pause that
moves it) starts the reminders afresh, and a sweep run twice writes nothing the second time. A team whose
deadlines are paused hears nothing while the pause lasts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from accredit.actions.models import Action
from accredit.assessments.services import today_in_london
from accredit.deadlines.queries import pause_windows
from accredit.extensions import db
from accredit.notifications import services as notifications
from accredit.notifications.audiences import AUDIENCE_LABELS, Audiences
from accredit.notifications.links import path_for
from accredit.org.models import Service, Team
from accredit.schemes.services import current_scheme
from workflows.action import ActionStatus
from workflows.reminders import Reminder, deadline_reminders_owed, effective_due
from workflows.team import TeamStatus

#: The states in which the owner still has the action's work to do.
CHASED = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class _Planned:
    key: str
    user: Any
    reminder: Reminder
    action: Action


def send_action_reminders(now: datetime) -> int:
    """Write every action reminder owed as of `now` and not yet claimed; returns how many were written."""
    today, scheme = today_in_london(now), current_scheme()
    actions = db.session.scalars(
        sa.select(Action).join(Team, Team.id == Action.team_id)
        .where(Action.status.in_(CHASED), Team.status == TeamStatus.ACTIVE)
        .options(joinedload(Action.team).joinedload(Team.service).joinedload(Service.division),
                 joinedload(Action.owner))
        .order_by(Action.id)
    ).all()
    if not actions:
        return 0
    since = min(min(a.due_on for a in actions), today)
    windows = pause_windows({a.team_id for a in actions}, since=since, today=today)
    audiences = Audiences()
    planned = [p for a in actions for p in _plan(a, windows.get(a.team_id, []), today, scheme, audiences)]
    return notifications.notify_many((notifications.Owed(p.user, p.key, partial(_note, p, today)) for p in planned),
                                     at=now)


def _plan(action: Action, windows: list[tuple[date, date]], today: date, scheme: Any,
          audiences: Audiences) -> list[_Planned]:
    if any(first <= today <= last for first, last in windows):
        return []  # paused: no reminder, no escalation
    due = effective_due(action.due_on, windows, today)
    owed = deadline_reminders_owed(today=today, due=due, reminder_days=scheme.action_reminder_days,
                                   escalation=scheme.action_escalation, audience="owner")
    planned = []
    for reminder in owed:
        people = ([action.owner] if action.owner.active else []) if reminder.audience == "owner" \
            else audiences.people(action.team, reminder.audience)
        for user in people:
            key = f"action:{action.id}:{reminder.stage}:{reminder.due.isoformat()}:{user.id}"
            planned.append(_Planned(key, user, reminder, action))
    return planned


def _when(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _note(planned: _Planned, today: date) -> notifications.Note:
    reminder, action = planned.reminder, planned.action
    team = action.team.name
    days = abs((today - reminder.due).days)  # said as it stands today, when caught up late
    escalated = reminder.audience not in ("owner", "team", "team_lead")
    if reminder.is_overdue:
        late = f"{days} day{'s' if days != 1 else ''} overdue"
        kind, template = "action.overdue", "actions/emails/overdue"
        subject = f"{'Escalation: ' if escalated else ''}{team}: the action '{action.title}' is {late}"
    else:
        kind, template = "action.due", "actions/emails/due"
        subject = f"{team}: your action '{action.title}' is due {_when(days)}"
    context = {"action": action, "team": action.team, "due": reminder.due, "days": days, "when": _when(days),
               "escalated": escalated, "audience_label": AUDIENCE_LABELS[reminder.audience],
               "is_owner": planned.user.id == action.owner_id}
    return notifications.Note(planned.user, kind, planned.key, subject, template, context,
                              link=path_for("actions.show", action_id=action.id))
