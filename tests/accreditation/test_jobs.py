"""The application sweeps: lapse expired invitations, remind of lapsing ones, remind the panel; each idempotent,
and a paused team's invitation waits."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from accredit.accreditation.jobs import lapse_invitations, remind_lapsing_invitations, remind_panel
from accredit.audit import AuditEvent
from accredit.deadlines.services import pause_deadlines
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.scheduling.registry import sweeps
from workflows.accreditation import ApplicationStatus as S


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def _keys(kind: str) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.dedupe_key).where(Notification.kind == kind)
                                   .order_by(Notification.id)))


def test_the_sweeps_are_registered():
    names = [s.name for s in sweeps()]
    assert [n for n in names if n in ("lapse_invitations", "invitation_reminders", "panel_reminders")] == [
        "lapse_invitations", "invitation_reminders", "panel_reminders"]


def test_invitation_lapses_the_day_after_it_expires_once(trust, app_walk):
    application = app_walk.invited()  # expires on 9 December 2026
    assert (lapse_invitations(_at(date(2026, 12, 9))), application.status) == (0, S.INVITED)
    assert (lapse_invitations(_at(date(2026, 12, 10))), application.status) == (1, S.CLOSED)
    assert lapse_invitations(_at(date(2026, 12, 11))) == 0
    row = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "application.expire")).one()
    assert (row.actor_id, row.from_state, row.to_state, row.reason) == (
        None, "invited", "closed", "The invitation lapsed after 9 December 2026")


def test_paused_team_invitation_waits_for_the_pause_to_end(trust, app_walk):
    application = app_walk.invited()
    pause_deadlines(trust.ward, reason="Norovirus outbreak: ward closed", until=date(2026, 12, 20),
                    by=trust.quality_lead, starts_on=date(2026, 12, 1))
    assert (lapse_invitations(_at(date(2026, 12, 15))), lapse_invitations(_at(date(2026, 12, 20)))) == (0, 0)
    assert (lapse_invitations(_at(date(2026, 12, 21))), application.status) == (1, S.CLOSED)


def test_lapsing_reminder_goes_to_the_team_lead_once(trust, app_walk):
    application = app_walk.invited()
    lead = trust.lead.id
    assert remind_lapsing_invitations(_at(date(2026, 11, 24))) == 0  # 15 days before
    assert remind_lapsing_invitations(_at(date(2026, 11, 25))) == 1
    assert remind_lapsing_invitations(_at(date(2026, 11, 30))) == 0
    assert _keys("application.lapsing") == [f"application:{application.id}:lapsing:2026-12-09:{lead}"]


def test_panel_reminder_seven_days_before_to_each_sitting_member(trust, panel, app_walk):
    application = app_walk.panel_ready(today=date(2026, 10, 1))  # the panel meets on 15 October
    assert remind_panel(_at(date(2026, 10, 7))) == 0
    assert remind_panel(_at(date(2026, 10, 8))) == 3
    assert remind_panel(_at(date(2026, 10, 9))) == 0
    detail = f"application:{application.id}:panel_reminder:1-2026-10-15"
    assert sorted(_keys("application.panel_reminder")) == sorted(
        f"{detail}:{u.id}" for u in (panel.chair, panel.member2, panel.insider))


def test_panel_members_are_told_when_assigned(trust, panel, app_walk):
    application = app_walk.panel_ready()
    assert sorted(_keys("application.panel_assigned")) == sorted(
        f"application:{application.id}:panel_assigned:1:{u.id}" for u in (panel.chair, panel.member2, panel.insider))
    assert _keys("application.prepanel_assigned") == [
        f"application:{application.id}:prepanel_assigned:{panel.member.id}"]


def test_lapsing_sweep_says_nothing_after_expiry(trust, app_walk):
    app_walk.invited()
    assert remind_lapsing_invitations(_at(date(2026, 12, 9) + timedelta(days=1))) == 0
