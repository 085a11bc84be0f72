"""Scheduled sweeps for applications: lapse expired invitations, remind of lapsing ones, remind the panel.

Each takes `now`, selects by date, and is idempotent: a lapsed invitation is no longer `invited`, and reminders
are claimed by dedupe keys (`application:<id>:lapsing:<expiry>:<user>`, `...:panel_reminder:<sitting>-<date>:...`).
A team whose deadlines are paused hears nothing while paused, and a pause ending after the invitation's expiry
moves the lapse to the pause's last day.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from accredit.accreditation import notices
from accredit.accreditation.models import Application, PanelStage
from accredit.accreditation.portfolio import lapse_invitation
from accredit.assessments.services import today_in_london
from accredit.deadlines.queries import pause_windows
from accredit.extensions import db
from accredit.notifications.audiences import Audiences
from accredit.schemes.services import current_scheme
from workflows.accreditation import ApplicationStatus
from workflows.reminders import effective_due


def _invited() -> list[Application]:
    return list(db.session.scalars(sa.select(Application).where(Application.status == ApplicationStatus.INVITED)
                                   .order_by(Application.id)))


def _windows(applications: list[Application], today):
    if not applications:
        return {}
    since = min(a.invitation_expires_on for a in applications)
    return pause_windows({a.team_id for a in applications}, since=since, today=today)


def _paused(windows, team_id: int, today) -> bool:
    return any(first <= today <= last for first, last in windows.get(team_id, []))


def lapse_invitations(now: datetime) -> int:
    """Close every invitation whose (pause-extended) expiry date has passed; returns how many lapsed."""
    today = today_in_london(now)
    invited = _invited()
    windows = _windows(invited, today)
    lapsed = 0
    for application in invited:
        expires = effective_due(application.invitation_expires_on, windows.get(application.team_id, []), today)
        if today > expires and not _paused(windows, application.team_id, today):
            lapse_invitation(application, today=today)
            lapsed += 1
    return lapsed


def remind_lapsing_invitations(now: datetime) -> int:
    """Tell the team lead, once, when an invitation lapses within the scheme's reminder days."""
    today = today_in_london(now)
    days = current_scheme().invitation_reminder_days
    invited = _invited()
    windows = _windows(invited, today)
    owed = []
    for application in invited:
        expires = effective_due(application.invitation_expires_on, windows.get(application.team_id, []), today)
        if not _paused(windows, application.team_id, today) and expires - timedelta(days=days) <= today <= expires:
            owed.append((application, expires))
    audiences, written = Audiences(application.team for application, _ in owed), 0
    for application, expires in owed:
        written += notices.send(application, "lapsing", notices.team_leads(application, audiences),
                                detail=expires.isoformat(), context={"expires_on": expires}, at=now)
    return written


def remind_panel(now: datetime) -> int:
    """Tell each sitting panel member, once, when the panel meets within the scheme's reminder days."""
    today = today_in_london(now)
    days = current_scheme().panel_reminder_days
    rows = db.session.scalars(sa.select(Application).where(
        Application.status.in_([ApplicationStatus.PRE_PANEL, ApplicationStatus.PANEL_READY]),
        Application.panel_date.is_not(None), Application.panel_date >= today,
        Application.panel_date <= today + timedelta(days=days)).order_by(Application.id))
    written = 0
    for application in rows:
        people = [m.user for m in application.panel_of(PanelStage.PANEL) if not m.recused]
        written += notices.send(application, "panel_reminder", people,
                                detail=f"{application.sitting}-{application.panel_date.isoformat()}", at=now)
    return written
