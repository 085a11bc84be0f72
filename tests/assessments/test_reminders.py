"""Self-assessment reminders and escalations over constructed calendars: who hears what, on which London day."""
from __future__ import annotations

from datetime import date

import pytest

from accredit.assessments import services
from accredit.assessments.reminders import send_assessment_reminders
from accredit.deadlines import services as deadlines
from accredit.extensions import db
from accredit.schemes.services import change_scheme
from accredit.scheduling.runner import parse_now
from tests.notifications.fixtures import notifications, open_assessment, ward  # noqa: F401
from workflows.ratings import Rating

LEAD, NURSE, MED_QL, TRUST_QL = "lead@test.nhs.uk", "nurse@test.nhs.uk", "medql@test.nhs.uk", "trustql@test.nhs.uk"


def sweep(when: str) -> list[tuple[str, str]]:
    """Run the reminder sweep as of `when` (London time unless it has an offset); the (stage, email) it wrote."""
    before = {n.id for n in notifications()}
    count = send_assessment_reminders(parse_now(when))
    db.session.commit()
    written = [(n.dedupe_key.split(":")[2], n.recipient.email) for n in notifications() if n.id not in before]
    assert count == len(written)
    return written


def january(ward):
    return open_assessment(ward.team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))


JANUARY = [
    ("2025-12-31T23:59", []),  # the period has not begun
    ("2026-01-01T00:05", [("opened", LEAD), ("opened", NURSE)]),  # the team; never the deactivated member
    ("2026-01-06T09:00", []),
    ("2026-01-07T09:00", [("due-7", LEAD)]),
    ("2026-01-13T09:00", [("due-1", LEAD)]),
    ("2026-01-14T09:00", []),  # the due date itself
    ("2026-01-15T09:00", [("overdue-1", LEAD)]),
    ("2026-01-21T09:00", [("overdue-7", MED_QL)]),  # the division's quality lead, not Surgery's
    ("2026-01-28T09:00", [("overdue-14", TRUST_QL)]),
    ("2026-01-31T23:59", []),
]


def test_reminders_follow_a_month_day_by_day(ward):
    january(ward)
    assert [(when, sweep(when)) for when, _ in JANUARY] == JANUARY


def test_reminders_swept_twice_are_written_once(ward):
    january(ward)
    first = sweep("2026-01-15T09:00")
    again = sweep("2026-01-15T09:00")
    later_that_day = sweep("2026-01-15T17:00")
    assert (first, again, later_that_day) == ([("overdue-1", LEAD)], [], [])
    assert len({n.dedupe_key for n in notifications()}) == len(notifications()) == 1


def test_reminders_catch_up_after_downtime_without_stale_duplicates(ward):
    january(ward)
    # Down from New Year's Eve to the 13th: the team hears it is open, the lead hears "due tomorrow" only.
    assert sweep("2026-01-13T10:00") == [("opened", LEAD), ("opened", NURSE), ("due-1", LEAD)]
    # Down again until the 29th: every escalation step reached goes out, each to its own audience.
    assert sweep("2026-01-29T10:00") == [("overdue-1", LEAD), ("overdue-7", MED_QL), ("overdue-14", TRUST_QL)]


def test_reminders_count_calendar_days_over_a_bank_holiday_weekend(ward):
    # Due on Good Friday, 3 April 2026: reminders keep calendar days through the Easter weekend.
    open_assessment(ward.team, date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 3))
    days = ["2026-04-01T08:00", "2026-04-02T08:00", "2026-04-03T08:00", "2026-04-04T08:00", "2026-04-06T08:00",
            "2026-04-10T08:00", "2026-04-17T08:00"]
    assert [sweep(day) for day in days] == [
        [("opened", LEAD), ("opened", NURSE), ("due-7", LEAD)],  # its day fell before the period opened
        [("due-1", LEAD)],
        [],
        [("overdue-1", LEAD)],  # Easter Saturday
        [],  # Easter Monday
        [("overdue-7", MED_QL)],
        [("overdue-14", TRUST_QL)],
    ]


def test_reminders_stop_once_submitted_and_skip_opened_once_started(ward):
    assessment = january(ward)
    services.start_self_assessment(assessment, by=ward.nurse)
    db.session.commit()
    assert sweep("2026-01-07T09:00") == [("due-7", LEAD)]  # started: no "it is open" to the team
    answers = [services.Answer(r.standard.code, Rating.GOOD, "Audits are green") for r in assessment.responses]
    services.save_answers(assessment, answers, by=ward.lead)
    services.submit_self_assessment(assessment, by=ward.lead)
    db.session.commit()
    assert (sweep("2026-01-13T09:00"), sweep("2026-01-15T09:00")) == ([], [])


def test_reminders_follow_the_scheme_ladder(ward):
    change_scheme({"assessment_reminder_days": [3], "assessment_escalation": [[2, "team"], [4, "trust_quality_lead"]]},
                  by=None)
    january(ward)
    assert [sweep(day) for day in ("2026-01-11T09:00", "2026-01-13T09:00", "2026-01-16T09:00", "2026-01-18T09:00")] == [
        [("opened", LEAD), ("opened", NURSE), ("due-3", LEAD)],
        [],  # no 1-day reminder in this scheme
        [("overdue-2", LEAD), ("overdue-2", NURSE)],
        [("overdue-4", TRUST_QL)],
    ]


def test_reminder_emails_name_the_team_due_date_and_link(ward):
    assessment = january(ward)
    sweep("2026-01-15T09:00")
    (row,) = notifications()
    assert (row.kind, row.subject, row.link) == (
        "assessment.overdue", "Ward 7: the January 2026 self-assessment is 1 day overdue",
        f"/self-assessments/{assessment.id}")
    assert "was due on 14 January 2026 and has not been submitted" in row.body_text
    assert f"http://127.0.0.1:5000/self-assessments/{assessment.id}" in row.body_text
    assert f'href="http://127.0.0.1:5000/self-assessments/{assessment.id}"' in row.body_html


def test_escalation_email_says_why_the_quality_lead_is_told(ward):
    january(ward)
    sweep("2026-01-21T09:00")
    escalation = [n for n in notifications() if n.recipient.email == MED_QL]
    assert [n.subject for n in escalation] == ["Escalation: Ward 7: the January 2026 self-assessment is 7 days overdue"]
    assert "You are told because you are a quality lead for the division for Ward 7." in escalation[0].body_text


# --- Pauses -------------------------------------------------------------------------------------------------


def pause(ward, first: date, last: date, reason: str = "Norovirus outbreak: ward closed"):
    made = deadlines.pause_deadlines(ward.team, reason=reason, starts_on=first, until=last,
                                     by=ward.medicine_quality_lead)
    db.session.commit()
    return made


def test_paused_team_hears_nothing_and_its_deadline_moves_to_the_pause_end(ward):
    january(ward)
    open_assessment(ward.other_team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))
    pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    days = ["2026-01-13T09:00", "2026-01-15T09:00", "2026-01-20T23:00", "2026-01-21T09:00", "2026-01-27T09:00"]
    assert [sweep(day) for day in days] == [
        [("opened", "ward9@test.nhs.uk"), ("due-1", "ward9@test.nhs.uk")],  # Ward 9 is not paused
        [("overdue-1", "ward9@test.nhs.uk")],
        [],
        [("overdue-1", LEAD), ("overdue-7", "surgql@test.nhs.uk")],  # Ward 7 counts from the pause's last day
        [("overdue-7", MED_QL)],
    ]
    moved = [n.dedupe_key.split(":")[3] for n in notifications() if n.recipient.email in (LEAD, MED_QL)]
    assert moved == ["2026-01-20", "2026-01-20"]


def test_pause_after_the_due_date_restarts_the_ladder_from_its_end(ward):
    january(ward)
    assert sweep("2026-01-15T09:00") == [("overdue-1", LEAD)]
    pause(ward, date(2026, 1, 16), date(2026, 1, 22))
    assert [sweep(d) for d in ("2026-01-21T09:00", "2026-01-23T09:00", "2026-01-29T09:00")] == [
        [],  # paused: the 7-day escalation does not fire
        [("overdue-1", LEAD)],  # day 1 again, counted from 22 January
        [("overdue-7", MED_QL)],
    ]


def test_pause_ended_early_counts_from_the_day_before_it_ended(ward):
    january(ward)
    made = pause(ward, date(2026, 1, 10), date(2026, 1, 31))
    deadlines.end_pause(made, by=ward.medicine_quality_lead, today=date(2026, 1, 17))
    db.session.commit()
    assert [sweep(d) for d in ("2026-01-16T09:00", "2026-01-17T09:00")] == [[], [("overdue-1", LEAD)]]


@pytest.mark.parametrize("first, last", [(date(2026, 1, 2), date(2026, 1, 5)), (date(2026, 2, 1), date(2026, 2, 3))])
def test_pause_that_ends_before_the_due_date_or_has_not_begun_changes_nothing(ward, first, last):
    january(ward)
    pause(ward, first, last)
    assert sweep("2026-01-15T09:00") == [("overdue-1", LEAD)]
