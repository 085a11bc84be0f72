"""What people are told about a visit (DESIGN.md §6): the notice when it is scheduled, the reminder before it,
the draft report sent, factual accuracy closing, and the visit cancelled.

The first, third and last are written by the visit services as they happen; the reminder and the closing notice
are a sweep (`send_visit_reminders`). Every notification is claimed by a key `visit:<id>:<stage>[:<date>]:<user
id>`, so each person hears each thing once however often the sweep runs. A team whose deadlines are paused hears
no reminder while the pause lasts, and a pause that ends after the factual accuracy period moves its close.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accredit.assessments.services import today_in_london
from accredit.deadlines.queries import pause_windows
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.notifications import services as notifications
from accredit.notifications.audiences import Audiences
from accredit.notifications.links import path_for
from accredit.org.models import Service, Team
from accredit.roles import Role
from accredit.schemes.services import current_scheme
from accredit.visits.models import Visit, VisitReviewer
from accredit.visits.queries import holders
from workflows.calendar import subtract_working_days, working_days_between
from workflows.visit import VisitStatus


def _long(day: date) -> str:
    return day.strftime("%A %-d %B %Y")


def _people(visit: Visit, *, team_lead: bool = True, reviewers: bool = True,
            audiences: Audiences | None = None) -> list[Any]:
    """The team's leads (by name) and the visit's reviewers, active, each once, in that order; the leads from
    `audiences` when a sweep has read them for many teams, else read here."""
    found: dict[int, Any] = {}
    if team_lead:
        leads = holders(visit.team, Role.TEAM_LEAD) if audiences is None else sorted(
            audiences.people(visit.team, "team_lead"), key=lambda u: (u.name, u.id))
        found.update((u.id, u) for u in leads)
    if reviewers:
        found.update((r.user.id, r.user) for r in visit.reviewers if r.user.active and r.user.id not in found)
    return list(found.values())


def _context(visit: Visit, user: Any, **extra: Any) -> dict[str, Any]:
    assignment = next((r for r in visit.reviewers if r.user_id == user.id), None)
    return {"visit": visit, "team": visit.team, "kind": visit.kind.label, "is_reviewer": assignment is not None,
            "is_lead_reviewer": bool(assignment and assignment.is_lead),
            "reviewers": [r.user.name for r in sorted(visit.reviewers, key=lambda r: (not r.is_lead, r.user.name))],
            **extra}


def _note(visit: Visit, user: Any, *, stage: str, subject: str, template: str, **extra: Any) -> notifications.Note:
    return notifications.Note(user, f"visit.{stage.split(':')[0]}", f"visit:{visit.id}:{stage}:{user.id}", subject,
                              f"visits/emails/{template}", _context(visit, user, **extra),
                              link=path_for("visits.show", visit_id=visit.id))


# --- Told as it happens (called by accredit.visits.services) -------------------------------------------------


def visit_scheduled(visit: Visit, only: Any = None) -> int:
    """The notice of a scheduled visit, to the team lead and every reviewer (or, with `only`, to that one
    reviewer: assigned after the visit was scheduled). Returns how many were written."""
    people = [only] if only is not None else _people(visit)
    subject = f"{visit.team.name}: {visit.kind.label} on {_long(visit.visit_date)}"
    return notifications.notify_many(
        [_note(visit, u, stage="scheduled", subject=subject, template="scheduled") for u in people], at=utcnow())


def report_sent(visit: Visit) -> int:
    """The draft report is out for factual accuracy: the team lead is asked for comments."""
    subject = f"{visit.team.name}: the draft report of the {visit.kind.label} is ready for your comments"
    return notifications.notify_many([_note(visit, u, stage="sent", subject=subject, template="report_sent",
                                            closes=visit.factual_accuracy_due) for u in _people(visit, reviewers=False)],
                                     at=utcnow())


def visit_cancelled(visit: Visit) -> int:
    """The visit is cancelled: its reviewers are told, and the team lead too once the visit had been scheduled
    (a visit only planned was never announced to the team)."""
    people = _people(visit, team_lead=visit.scheduled_at is not None)
    when = f" on {visit.visit_date:%-d %B %Y}" if visit.visit_date else ""
    subject = f"{visit.team.name}: the {visit.kind.label}{when} is cancelled"
    return notifications.notify_many(
        [_note(visit, u, stage="cancelled", subject=subject, template="cancelled") for u in people], at=utcnow())


# --- The sweep -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owed:
    visit: Visit
    user: Any
    stage: str  #: `reminder:<visit date>` or `closing:<close date>`
    day: date  #: the visit date, or the day factual accuracy closes


def send_visit_reminders(now: datetime) -> int:
    """Write every visit reminder owed as of `now` and not yet claimed; returns how many were written.

    - the reminder, `visit_reminder_days` (14) before a scheduled visit, to the team lead and reviewers; not when
      the visit was scheduled inside that window (the notice has just told them);
    - factual accuracy closing, `factual_accuracy_reminder_working_days` (2) working days before the period
      closes (paused days not counted: services.factual_accuracy_closes), to the team lead, unless they have
      finished commenting.
    Caught up after downtime up to the visit day or the close; nothing for a team paused today.
    """
    today, scheme = today_in_london(now), current_scheme()
    visits = db.session.scalars(
        sa.select(Visit).join(Team, Team.id == Visit.team_id)
        .where(sa.or_(sa.and_(Visit.status == VisitStatus.SCHEDULED, Visit.visit_date > today,  # in reminder range
                              Visit.visit_date <= today + timedelta(days=scheme.visit_reminder_days)),
                      sa.and_(Visit.status == VisitStatus.FACTUAL_ACCURACY, Visit.team_comments_closed_at.is_(None),
                              Visit.factual_accuracy_due.is_not(None))))
        .options(joinedload(Visit.team).joinedload(Team.service).joinedload(Service.division),
                 selectinload(Visit.reviewers).joinedload(VisitReviewer.user))
        .order_by(Visit.id)
    ).all()
    if not visits:
        return 0
    # Every pause that can touch a factual accuracy period (or today: who is paused), in one query.
    since = min([today, *(subtract_working_days(v.factual_accuracy_due, scheme.factual_accuracy_working_days)
                          for v in visits if v.status is VisitStatus.FACTUAL_ACCURACY)])
    windows = pause_windows({v.team_id for v in visits}, since=since, today=today)
    audiences = Audiences(v.team for v in visits)
    owed = [o for v in visits for o in _owed(v, windows.get(v.team_id, []), today, scheme, audiences)]
    return notifications.notify_many((_owed_note(o, today) for o in owed), at=now)


def _owed(visit: Visit, windows: list[tuple[date, date]], today: date, scheme: Any,
          audiences: Audiences) -> list[_Owed]:
    if any(first <= today <= last for first, last in windows):
        return []  # paused: no reminder
    if visit.status is VisitStatus.SCHEDULED:
        remind_on = date.fromordinal(visit.visit_date.toordinal() - scheme.visit_reminder_days)
        scheduled_on = today_in_london(visit.scheduled_at) if visit.scheduled_at else None
        if today < remind_on or (scheduled_on is not None and scheduled_on >= remind_on):
            return []
        return [_Owed(visit, u, f"reminder:{visit.visit_date.isoformat()}", visit.visit_date)
                for u in _people(visit, audiences=audiences)]
    from accredit.visits.services import factual_accuracy_closes  # the services import this module

    closes = factual_accuracy_closes(visit, today, windows)
    if not subtract_working_days(closes, scheme.factual_accuracy_reminder_working_days) <= today <= closes:
        return []
    return [_Owed(visit, u, f"closing:{closes.isoformat()}", closes)
            for u in _people(visit, reviewers=False, audiences=audiences)]


def _owed_note(owed: _Owed, today: date) -> notifications.Note:
    visit, team = owed.visit, owed.visit.team.name
    if owed.stage.startswith("reminder:"):
        days = (owed.day - today).days
        when = "tomorrow" if days == 1 else f"in {days} days"
        return _note(visit, owed.user, stage=owed.stage, template="reminder", days=days, when=when,
                     subject=f"{team}: the {visit.kind.label} is {when}, on {_long(owed.day)}")
    left = working_days_between(today, owed.day)
    when = ("today" if owed.day == today else f"in {left} working day{'s' if left != 1 else ''}" if left
            else f"on {_long(owed.day)}")  # a pause may end on a weekend
    return _note(visit, owed.user, stage=owed.stage, template="closing", closes=owed.day, when=when,
                 moved=owed.day != visit.factual_accuracy_due,
                 subject=f"{team}: factual accuracy comments on the draft report close {when}")
