"""Pure rules behind the visit and action reminders: working days back from a close, a paused clock, the action
ladder and its settings (no app)."""
from datetime import date

import pytest

from workflows.calendar import add_unpaused_working_days, add_working_days, subtract_working_days
from workflows.reminders import check_reminder_settings, deadline_reminders_owed
from workflows.scheme import Scheme

DUE = date(2026, 1, 14)
ACTION_LADDER = ((1, "owner"), (7, "division_quality_lead"), (14, "trust_quality_lead"))


@pytest.mark.parametrize("end, days, expected", [
    (date(2026, 5, 27), 2, date(2026, 5, 22)),  # Wednesday after the Spring bank holiday: back to Friday
    (date(2026, 5, 26), 2, date(2026, 5, 21)),
    (date(2026, 12, 29), 2, date(2026, 12, 23)),  # over Christmas Day and the Boxing Day substitute (28th)
    (date(2026, 1, 14), 0, date(2026, 1, 14)),
])
def test_subtract_working_days_skips_weekends_and_bank_holidays(end, days, expected):
    assert subtract_working_days(end, days) == expected
    if days:
        assert add_working_days(expected, days) == end


@pytest.mark.parametrize("pauses, expected", [
    ([], date(2026, 5, 27)),
    ([(date(2026, 5, 20), date(2026, 6, 3))], date(2026, 6, 10)),  # 5 days before, 5 after
    ([(date(2026, 5, 16), date(2026, 5, 17))], date(2026, 5, 27)),  # a paused weekend costs nothing
    ([(date(2026, 5, 1), date(2026, 5, 12))], date(2026, 5, 27)),  # over before the clock started
    ([(date(2026, 5, 13), date(2026, 5, 13)), (date(2026, 5, 27), date(2026, 5, 27))], date(2026, 5, 29)),
])
def test_paused_days_stop_the_working_day_clock(pauses, expected):
    assert add_unpaused_working_days(date(2026, 5, 12), 10, pauses) == expected


@pytest.mark.parametrize("function", [subtract_working_days, lambda d, n: add_unpaused_working_days(d, n, [])])
def test_working_days_refuse_a_negative_count(function):
    with pytest.raises(ValueError):
        function(DUE, -1)


@pytest.mark.parametrize("day, expected", [
    (6, []),
    (7, ["due-7>owner"]),
    (14, ["due-7>owner"]),
    (15, ["overdue-1>owner"]),
    (21, ["overdue-1>owner", "overdue-7>division_quality_lead"]),
    (28, ["overdue-1>owner", "overdue-7>division_quality_lead", "overdue-14>trust_quality_lead"]),
])
def test_deadline_reminders_owed_to_an_owner_then_the_ladder(day, expected):
    found = deadline_reminders_owed(today=date(2026, 1, day), due=DUE, reminder_days=(7,), escalation=ACTION_LADDER,
                                    audience="owner")
    assert [f"{r.stage}>{r.audience}" for r in found] == expected


def test_scheme_action_and_visit_settings_default_to_design_and_round_trip():
    scheme = Scheme()
    assert (scheme.action_reminder_days, scheme.action_escalation, scheme.visit_reminder_days,
            scheme.factual_accuracy_reminder_working_days) == ((7,), ACTION_LADDER, 14, 2)
    changed = Scheme.from_mapping({"action_reminder_days": [3], "action_escalation": [[2, "team_lead"]]})
    assert (changed.action_reminder_days, changed.action_escalation) == ((3,), ((2, "team_lead"),))
    assert Scheme.from_mapping(changed.to_mapping()) == changed


@pytest.mark.parametrize("values, message", [
    ({"action_escalation": [[7, "matron"]]},
     "action_escalation audience 'matron' is not one of owner, team, team_lead, division_quality_lead, "
     "trust_quality_lead"),
    ({"action_reminder_days": [-1]}, "action_reminder_days must be whole numbers of days, 0 or more"),
    ({"assessment_escalation": [[7, "owner"]]},
     "assessment_escalation audience 'owner' is not one of team, team_lead, division_quality_lead, "
     "trust_quality_lead"),
    ({"visit_reminder_days": 0}, "visit_reminder_days and factual_accuracy_reminder_working_days must be at least 1"),
])
def test_scheme_refuses_bad_action_and_visit_reminder_settings(values, message):
    with pytest.raises(ValueError) as refused:
        Scheme.from_mapping(values)
    assert str(refused.value) == message


def test_check_reminder_settings_names_the_settings_it_checks():
    with pytest.raises(ValueError) as refused:
        check_reminder_settings((1,), ((0, "owner"),), subject="action", audiences=("owner",))
    assert str(refused.value) == "action_escalation steps must be [days overdue (1 or more), audience]"
