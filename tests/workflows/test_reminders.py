"""Which reminders are owed on a day, and how a pause moves a deadline: dates in, reminders out (no app)."""
from datetime import date

import pytest

from workflows.reminders import Reminder, check_reminder_settings, effective_due, reminders_owed

DUE = date(2026, 1, 14)
LADDER = ((1, "team_lead"), (7, "division_quality_lead"), (14, "trust_quality_lead"))


def owed(day: int, month: int = 1) -> list[str]:
    found = reminders_owed(today=date(2026, month, day), opens_on=date(2026, 1, 1), due=DUE,
                           reminder_days=(7, 1), escalation=LADDER)
    return [f"{r.stage}>{r.audience}" for r in found]


@pytest.mark.parametrize("day, expected", [
    (1, ["opened>team"]),
    (6, ["opened>team"]),
    (7, ["opened>team", "due-7>team_lead"]),
    (13, ["opened>team", "due-1>team_lead"]),  # the nearer reminder overtakes the 7-day one
    (14, ["opened>team", "due-1>team_lead"]),
    (15, ["overdue-1>team_lead"]),
    (21, ["overdue-1>team_lead", "overdue-7>division_quality_lead"]),
    (28, ["overdue-1>team_lead", "overdue-7>division_quality_lead", "overdue-14>trust_quality_lead"]),
])
def test_reminders_owed_on_each_day(day, expected):
    assert owed(day) == expected


def test_reminders_owed_before_the_period_opens_is_nothing():
    found = reminders_owed(today=date(2025, 12, 31), opens_on=date(2026, 1, 1), due=DUE, reminder_days=(7, 1),
                           escalation=LADDER)
    assert found == []


def test_reminder_days_reads_its_stage():
    assert [Reminder("due-7", "team_lead", DUE).days, Reminder("overdue-14", "x", DUE).days,
            Reminder("opened", "team", DUE).days] == [7, 14, 0]


@pytest.mark.parametrize("pauses, today, expected", [
    ([], date(2026, 1, 20), DUE),
    ([(date(2026, 1, 10), date(2026, 1, 20))], date(2026, 1, 21), date(2026, 1, 20)),  # covers the due date
    ([(date(2026, 1, 16), date(2026, 1, 22))], date(2026, 1, 23), date(2026, 1, 22)),  # begins after it
    ([(date(2026, 1, 2), date(2026, 1, 5))], date(2026, 1, 20), DUE),  # over before the due date
    ([(date(2026, 2, 1), date(2026, 2, 5))], date(2026, 1, 20), DUE),  # not begun yet
    ([(date(2026, 1, 10), date(2026, 1, 16)), (date(2026, 1, 18), date(2026, 1, 19))], date(2026, 1, 25),
     date(2026, 1, 19)),  # the latest end wins
])
def test_effective_due_moves_to_the_end_of_a_pause_that_ends_after_it(pauses, today, expected):
    assert effective_due(DUE, pauses, today) == expected


@pytest.mark.parametrize("days, ladder, message", [
    ((7, -1), LADDER, "assessment_reminder_days must be whole numbers of days, 0 or more"),
    ((7, True), LADDER, "assessment_reminder_days must be whole numbers of days, 0 or more"),
    ((7,), ((0, "team_lead"),), "assessment_escalation steps must be [days overdue (1 or more), audience]"),
    ((7,), ((1, "team_lead", "x"),), "assessment_escalation steps must be [days overdue (1 or more), audience]"),
    ((7,), (3,), "assessment_escalation steps must be [days overdue (1 or more), audience]"),
    ((7,), ((1, "matron"),),
     "assessment_escalation audience 'matron' is not one of team, team_lead, division_quality_lead, trust_quality_lead"),
])
def test_reminder_settings_are_refused_with_the_reason(days, ladder, message):
    with pytest.raises(ValueError) as refused:
        check_reminder_settings(days, ladder)
    assert str(refused.value) == message
