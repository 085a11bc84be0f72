"""Action reminders: due in 7 days to the owner, overdue day 1 to the owner, then the scheme's ladder; once each,
over bank holidays in calendar days, nothing for a paused team or an action no longer with its owner."""
from __future__ import annotations

from datetime import date

import pytest

from accredit.actions import services
from accredit.actions.reminders import send_action_reminders
from accredit.auth import services as accounts
from accredit.deadlines import services as deadlines
from accredit.extensions import db
from accredit.roles import Role
from accredit.schemes.services import change_scheme
from accredit.scheduling.runner import parse_now
from tests.actions.conftest import raise_one, walk_to
from tests.notifications.fixtures import notifications
from workflows.action import ActionStatus
from workflows.ratings import Domain

DUE = date(2026, 1, 14)  #: a Wednesday


@pytest.fixture
def medicine_lead(factory, ward):
    """The quality lead for the ward's division (Medicine)."""
    user = factory.user(name="Mo Medicine", role=Role.QUALITY_LEAD, scope=ward.team.service.division)
    factory.user(name="Sue Surgery", role=Role.QUALITY_LEAD, scope=ward.other_team.service.division)
    factory.commit()
    return user


def due_on(ward, day: date = DUE, **kwargs):
    return raise_one(ward, due_on=day, today=date(2025, 12, 1), **kwargs)


def sweep(when: str) -> list[tuple[str, str]]:
    """Run the sweep as of `when` (London time); the (stage, recipient's name) of what it wrote."""
    before = {n.id for n in notifications()}
    count = send_action_reminders(parse_now(when))
    db.session.commit()
    written = [(n.dedupe_key.split(":")[2], n.recipient.name) for n in notifications() if n.id not in before]
    assert count == len(written)
    return written


LADDER = [
    ("2026-01-06T09:00", []),
    ("2026-01-07T09:00", [("due-7", "Nadia Nurse")]),
    ("2026-01-13T09:00", []),  # one reminder before the due date, not two
    ("2026-01-14T09:00", []),  # the due date itself
    ("2026-01-15T00:05", [("overdue-1", "Nadia Nurse")]),
    ("2026-01-15T17:00", []),  # again that day: nothing twice
    ("2026-01-21T09:00", [("overdue-7", "Mo Medicine")]),  # the division's quality lead, not Surgery's
    ("2026-01-28T09:00", [("overdue-14", "Quinn Quality")]),  # the trust's
    ("2026-02-28T09:00", []),
]


def test_action_reminders_follow_the_ladder_day_by_day(ward, medicine_lead):
    due_on(ward)
    assert [(when, sweep(when)) for when, _ in LADDER] == LADDER


def test_action_ladder_counts_calendar_days_over_christmas_bank_holidays(ward, medicine_lead):
    due_on(ward, date(2026, 12, 24))
    days = ["2026-12-17T08:00", "2026-12-25T08:00", "2026-12-28T08:00", "2026-12-31T08:00", "2027-01-07T08:00"]
    assert [sweep(d) for d in days] == [
        [("due-7", "Nadia Nurse")],
        [("overdue-1", "Nadia Nurse")],  # Christmas Day
        [],  # the Boxing Day substitute bank holiday
        [("overdue-7", "Mo Medicine")],
        [("overdue-14", "Quinn Quality")],
    ]


def test_action_reminders_caught_up_after_downtime_reach_every_step(ward, medicine_lead):
    due_on(ward)
    assert sweep("2026-01-29T09:00") == [("overdue-1", "Nadia Nurse"), ("overdue-7", "Mo Medicine"),
                                         ("overdue-14", "Quinn Quality")]


def test_action_reminder_rows_name_the_action_due_date_and_link(ward, medicine_lead):
    action = due_on(ward)
    sweep("2026-01-07T09:00")
    sweep("2026-01-21T09:00")
    (due,) = notifications("action.due")
    (escalation,) = [n for n in notifications("action.overdue") if n.recipient == medicine_lead]
    assert (due.kind, due.subject, due.link, due.dedupe_key) == (
        "action.due", "Ward 7 Respiratory: your action 'Audit hand hygiene weekly' is due in 7 days",
        f"/actions/{action.id}", f"action:{action.id}:due-7:2026-01-14:{ward.member.id}")
    assert "is due in 7 days (Wednesday 14 January 2026)" in due.body_text
    assert f"http://127.0.0.1:5000/actions/{action.id}" in due.body_text
    assert (escalation.kind, escalation.subject) == (
        "action.overdue", "Escalation: Ward 7 Respiratory: the action 'Audit hand hygiene weekly' is 7 days overdue")
    assert "You are told because you are a quality lead for the division for Ward 7 Respiratory." in escalation.body_text
    assert "Owner: Nadia Nurse." in escalation.body_text


@pytest.mark.parametrize("state, expected", [
    (ActionStatus.OPEN, [("overdue-1", "Nadia Nurse")]),
    (ActionStatus.IN_PROGRESS, [("overdue-1", "Nadia Nurse")]),
    (ActionStatus.AWAITING_EVIDENCE, []),  # the owner has done their part: it waits for a verifier
    (ActionStatus.CLOSED, []),
])
def test_only_actions_still_with_their_owner_are_chased(ward, medicine_lead, state, expected):
    walk_to(due_on(ward), state, ward)
    assert sweep("2026-01-15T09:00") == expected


def test_new_due_date_starts_the_reminders_afresh(ward, medicine_lead):
    action = due_on(ward)
    assert sweep("2026-01-15T09:00") == [("overdue-1", "Nadia Nurse")]
    services.update_action(action, by=ward.lead, version=action.version, due_on=date(2026, 1, 30),
                           today=date(2026, 1, 15))
    db.session.commit()
    assert [sweep(d) for d in ("2026-01-21T09:00", "2026-01-23T09:00", "2026-01-31T09:00")] == [
        [], [("due-7", "Nadia Nurse")], [("overdue-1", "Nadia Nurse")]]


def test_inactive_owner_is_skipped_but_the_ladder_goes_on(ward, medicine_lead):
    due_on(ward)
    accounts.set_active(ward.member, False)
    db.session.commit()
    assert sweep("2026-01-21T09:00") == [("overdue-7", "Mo Medicine")]


def test_paused_team_hears_nothing_and_its_action_is_due_when_the_pause_ends(ward, medicine_lead):
    due_on(ward)
    due_on(ward, owner=ward.lead, title="Check the resus trolley daily")
    services.raise_action(ward.other_team, title="Label the sharps bins", owner=ward.outsider, due_on=DUE,
                          by=ward.quality_lead, domain=Domain.SAFE, today=date(2025, 12, 1))
    deadlines.pause_deadlines(ward.team, reason="Norovirus outbreak: ward closed", starts_on=date(2026, 1, 10),
                              until=date(2026, 1, 20), by=ward.quality_lead)
    db.session.commit()
    assert [sweep(d) for d in ("2026-01-13T09:00", "2026-01-15T09:00", "2026-01-20T09:00", "2026-01-21T09:00",
                               "2026-01-27T09:00")] == [
        [("due-7", "Olly Outsider")], [("overdue-1", "Olly Outsider")], [],  # Ward 20 is not paused
        [("overdue-1", "Nadia Nurse"), ("overdue-1", "Sam Sister"), ("overdue-7", "Sue Surgery")],  # Ward 7 counts
        # from the pause's last day
        [("overdue-7", "Mo Medicine"), ("overdue-7", "Mo Medicine")],
    ]
    ward7 = [n for n in notifications() if n.recipient.name not in ("Olly Outsider", "Sue Surgery")]
    assert {n.dedupe_key.split(":")[3] for n in ward7} == {"2026-01-20"}


def test_action_reminders_follow_the_scheme_settings(ward, medicine_lead):
    change_scheme({"action_reminder_days": [3], "action_escalation": [[2, "team_lead"], [5, "trust_quality_lead"]]},
                  by=None)
    db.session.commit()
    due_on(ward)
    assert [sweep(d) for d in ("2026-01-07T09:00", "2026-01-11T09:00", "2026-01-15T09:00", "2026-01-16T09:00",
                               "2026-01-19T09:00")] == [
        [], [("due-3", "Nadia Nurse")], [], [("overdue-2", "Sam Sister")], [("overdue-5", "Quinn Quality")]]
