"""The award sweeps: expiry (idempotent, whenever it runs) and the 60- and 30-day reminders (each exactly once)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from accredit.awards.jobs import expire_awards, owed_stage, send_award_expiry_reminders
from accredit.awards.services import suspend_award
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.roles import Role
from accredit.scheduling.registry import sweeps
from workflows.accreditation import AwardStatus


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def reminders() -> list[tuple[str, str]]:
    rows = db.session.scalars(sa.select(Notification).where(Notification.kind == "award.expiring")
                              .order_by(Notification.id))
    return [(r.recipient.name, r.subject) for r in rows]


def test_award_sweeps_are_registered_in_order():
    names = [s.name for s in sweeps()]
    assert names.index("expire_awards") < names.index("award_expiry_reminders") < names.index("deliver_notifications")


def test_expire_awards_lapses_after_the_last_valid_day_once(granter):
    award = granter.grant(decided_on=date(2026, 3, 2))
    assert expire_awards(at_noon(date(2027, 3, 2))) == 0
    assert award.status is AwardStatus.ACTIVE
    assert expire_awards(at_noon(date(2027, 3, 3))) == 1
    assert (award.status, award.ended_on, award.ended_reason) == (
        AwardStatus.EXPIRED, date(2027, 3, 3), "lapsed: valid until 2 March 2027")
    assert expire_awards(at_noon(date(2027, 3, 3))) == 0
    assert expire_awards(at_noon(date(2027, 3, 4))) == 0


def test_expire_awards_run_late_records_the_true_end(granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    suspend_award(award, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    assert expire_awards(at_noon(date(2027, 5, 1))) == 1
    assert (award.status, award.ended_on) == (AwardStatus.EXPIRED, date(2027, 3, 3))
    assert [award.is_held_on(date(2026, 9, 8)), award.is_held_on(date(2027, 3, 2))] == [True, False]


def test_expire_awards_uses_the_london_date(granter):
    award = granter.grant(decided_on=date(2026, 6, 1))
    # 23:30 UTC on 1 June 2027 is already 2 June in London (summer time): the award has lapsed.
    assert expire_awards(datetime(2027, 6, 1, 23, 30, tzinfo=UTC)) == 1
    assert award.ended_on == date(2027, 6, 2)


def test_reminders_at_60_and_30_days_exactly_once_each(granter, trust, factory):
    factory.user(name="Dana Division", role=Role.QUALITY_LEAD, scope=trust.medicine)
    award = granter.grant(decided_on=date(2026, 3, 2))  # valid until 2 March 2027
    sent_on = {}
    day = date(2026, 12, 1)
    while day <= date(2027, 3, 2):
        for _ in range(2):  # every sweep runs twice a day: the second does nothing
            count = send_award_expiry_reminders(at_noon(day))
            if count:
                sent_on[day] = sent_on.get(day, 0) + count
        day += timedelta(days=1)
    assert sent_on == {date(2027, 1, 1): 2, date(2027, 1, 31): 2}
    assert reminders() == [
        ("Sam Sister", "Ward 7 Respiratory: the Outstanding Team award expires in 60 days"),
        ("Dana Division", "Ward 7 Respiratory: the Outstanding Team award expires in 60 days"),
        ("Sam Sister", "Ward 7 Respiratory: the Outstanding Team award expires in 30 days"),
        ("Dana Division", "Ward 7 Respiratory: the Outstanding Team award expires in 30 days"),
    ]
    keys = db.session.scalars(sa.select(Notification.dedupe_key).where(Notification.kind == "award.expiring")
                              .order_by(Notification.id)).all()
    assert keys[0] == f"award:{award.id}:expiring:60:{trust.lead.id}"


def test_reminders_go_to_the_trust_quality_lead_when_the_division_has_none(granter, trust):
    granter.grant(decided_on=date(2026, 3, 2))
    assert send_award_expiry_reminders(at_noon(date(2027, 1, 1))) == 2
    assert [name for name, _ in reminders()] == ["Sam Sister", "Quinn Quality"]


def test_reminders_caught_up_late_send_only_the_most_pressing_stage(granter):
    granter.grant(decided_on=date(2026, 3, 2))
    assert send_award_expiry_reminders(at_noon(date(2027, 2, 10))) == 2
    assert reminders() == [
        ("Sam Sister", "Ward 7 Respiratory: the Outstanding Team award expires in 20 days"),
        ("Quinn Quality", "Ward 7 Respiratory: the Outstanding Team award expires in 20 days"),
    ]
    assert send_award_expiry_reminders(at_noon(date(2027, 2, 11))) == 0


def test_no_reminders_for_an_expired_award(granter):
    granter.grant(decided_on=date(2026, 3, 2))
    expire_awards(at_noon(date(2027, 3, 3)))
    assert send_award_expiry_reminders(at_noon(date(2027, 3, 3))) == 0
    assert reminders() == []


def test_owed_stage():
    stages = (60, 30)
    assert [owed_stage(days, stages) for days in (61, 60, 31, 30, 1, 0, -1)] == [None, 60, 60, 30, 30, 30, None]
