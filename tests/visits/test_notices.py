"""What people are told about a visit: the notice, the reminder two weeks before, the draft report, factual accuracy
closing two working days before, the cancellation; rows first, exact recipients, once each, paused teams skipped."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accredit.deadlines import services as deadlines
from accredit.extensions import db
from accredit.roles import Role
from accredit.scheduling.runner import parse_now
from accredit.visits import services
from accredit.visits.notices import send_visit_reminders
from tests.notifications.fixtures import notifications
from tests.statements import statements_sent
from workflows.visit import VisitStatus

VISIT_DAY = date(2026, 3, 3)  #: a Tuesday; its reminder falls on Tuesday 17 February
SENT_ON = date(2026, 5, 12)  #: 10 working days on, over the Spring bank holiday (25 May), closes Wednesday 27 May


def told(kind: str) -> list[tuple[str, str]]:
    """(recipient's name, dedupe key without the visit id) of every notification of `kind`, oldest first."""
    return [(n.recipient.name, n.dedupe_key.split(":", 2)[2]) for n in notifications(f"visit.{kind}")]


def sweep(when: str) -> list[tuple[str, str]]:
    """Run the sweep as of `when` (London time); the (kind, recipient's name) of what it wrote."""
    before = {n.id for n in notifications()}
    count = send_visit_reminders(parse_now(when))
    db.session.commit()
    written = [(n.kind, n.recipient.name) for n in notifications() if n.id not in before]
    assert count == len(written)
    return written


def scheduled(walk, *, on: date = date(2026, 1, 5), day: date = VISIT_DAY, team=None):
    """A visit scheduled (in the services' clock) on `on` for `day`."""
    visit = walk.to(walk.plan(team, day), VisitStatus.SCHEDULED)
    visit.scheduled_at = datetime(on.year, on.month, on.day, 10, tzinfo=UTC)
    db.session.commit()
    return visit


# --- Told as it happens --------------------------------------------------------------------------------------


def test_scheduling_tells_the_team_lead_and_the_reviewers(trust, walk):
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead, is_lead=True)
    db.session.commit()
    assert notifications() == []  # planned and staffed: nobody is told yet
    services.schedule_visit(visit, by=trust.quality_lead)
    db.session.commit()
    assert told("scheduled") == [("Sam Sister", f"scheduled:{trust.lead.id}"),
                                 ("Riley Reviewer", f"scheduled:{trust.reviewer.id}")]
    lead_row, reviewer_row = notifications("visit.scheduled")
    assert (lead_row.subject, lead_row.link) == (
        "Ward 7 Respiratory: Quality Review Visit on Tuesday 3 March 2026", f"/visits/{visit.id}")
    assert "The reviewers: Riley Reviewer." in lead_row.body_text
    assert f"http://127.0.0.1:5000/visits/{visit.id}" in lead_row.body_text
    assert "You are the lead reviewer for it." in reviewer_row.body_text
    assert f'href="http://127.0.0.1:5000/visits/{visit.id}"' in reviewer_row.body_html


def test_reviewer_assigned_after_scheduling_is_told_alone(factory, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.SCHEDULED)
    second = factory.user(name="Robin Second", role=Role.REVIEWER)
    before = len(notifications())
    services.assign_reviewer(visit, second, by=trust.quality_lead)
    db.session.commit()
    assert [n.recipient.name for n in notifications()[before:]] == ["Robin Second"]
    assert "You are one of its reviewers." in notifications()[-1].body_text


def test_sending_the_draft_asks_the_team_lead_only(trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    db.session.commit()
    assert told("sent") == [("Sam Sister", f"sent:{trust.lead.id}")]
    (row,) = notifications("visit.sent")
    assert row.subject == "Ward 7 Respiratory: the draft report of the Quality Review Visit is ready for your comments"
    assert "you can comment until Wednesday 27 May 2026" in row.body_text
    assert row.link == f"/visits/{visit.id}"


@pytest.mark.parametrize("state, expected", [
    (VisitStatus.PLANNED, ["Riley Reviewer"]),  # never announced to the team: only its reviewer hears
    (VisitStatus.SCHEDULED, ["Sam Sister", "Riley Reviewer"]),
    (VisitStatus.IN_PROGRESS, ["Sam Sister", "Riley Reviewer"]),
])
def test_cancelling_tells_the_reviewers_and_a_told_team_lead(trust, walk, state, expected):
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead, is_lead=True)
    walk.to(visit, state)
    services.cancel_visit(visit, by=trust.quality_lead, reason="The ward is closed for an outbreak")
    db.session.commit()
    assert [name for name, _ in told("cancelled")] == expected
    row = notifications("visit.cancelled")[0]
    assert row.subject == "Ward 7 Respiratory: the Quality Review Visit on 3 March 2026 is cancelled"
    assert "The reason given: The ward is closed for an outbreak" in row.body_text


# --- The reminder, two weeks before ---------------------------------------------------------------------------


REMINDER_DAYS = [
    ("2026-02-16T23:59", []),
    ("2026-02-17T00:05", [("visit.reminder", "Sam Sister"), ("visit.reminder", "Riley Reviewer")]),
    ("2026-02-17T17:00", []),  # run again that day: nothing twice
    ("2026-02-24T09:00", []),
    ("2026-03-03T09:00", []),  # the visit day
]


def test_visit_reminder_goes_two_weeks_before_once(trust, walk):
    scheduled(walk)
    assert [(when, sweep(when)) for when, _ in REMINDER_DAYS] == REMINDER_DAYS
    (row, _) = notifications("visit.reminder")
    assert row.subject == "Ward 7 Respiratory: the Quality Review Visit is in 14 days, on Tuesday 3 March 2026"


def test_visit_reminder_caught_up_after_downtime_says_how_far_off_it_is(trust, walk):
    scheduled(walk)
    assert sweep("2026-03-01T09:00") == [("visit.reminder", "Sam Sister"), ("visit.reminder", "Riley Reviewer")]
    assert [n.subject for n in notifications("visit.reminder")][0] == (
        "Ward 7 Respiratory: the Quality Review Visit is in 2 days, on Tuesday 3 March 2026")


def test_visit_scheduled_inside_the_two_weeks_gets_no_separate_reminder(trust, walk):
    scheduled(walk, on=date(2026, 2, 20))
    assert sweep("2026-02-21T09:00") == []


def test_visit_reminder_waits_for_a_pause_to_end_and_skips_cancelled_visits(trust, walk):
    scheduled(walk)
    other = scheduled(walk, team=trust.sister_ward)
    deadlines.pause_deadlines(trust.ward, reason="Norovirus outbreak", starts_on=date(2026, 2, 15),
                              until=date(2026, 2, 18), by=trust.quality_lead)
    services.cancel_visit(other, by=trust.quality_lead, reason="Clashes with the CQC inspection")
    db.session.commit()
    assert sweep("2026-02-17T09:00") == []
    assert sweep("2026-02-19T09:00") == [("visit.reminder", "Sam Sister"), ("visit.reminder", "Riley Reviewer")]


# --- Factual accuracy closing, two working days before ---------------------------------------------------------


CLOSING_DAYS = [
    ("2026-05-21T09:00", []),
    ("2026-05-22T09:00", [("visit.closing", "Sam Sister")]),  # Friday: then the bank holiday, then two days left
    ("2026-05-26T09:00", []),
    ("2026-05-27T09:00", []),
    ("2026-05-28T09:00", []),
]


def test_factual_accuracy_closing_goes_two_working_days_before_to_the_team_lead(trust, walk):
    visit = walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    db.session.commit()
    assert visit.factual_accuracy_due == date(2026, 5, 27)
    assert [(when, sweep(when)) for when, _ in CLOSING_DAYS] == CLOSING_DAYS
    (row,) = notifications("visit.closing")
    assert (row.subject, row.dedupe_key) == (
        "Ward 7 Respiratory: factual accuracy comments on the draft report close in 2 working days",
        f"visit:{visit.id}:closing:2026-05-27:{trust.lead.id}")
    assert "the last day is Wednesday 27 May 2026" in row.body_text


def test_factual_accuracy_closing_not_sent_once_the_team_lead_has_finished(trust, walk):
    visit = walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    services.comment_on_report(visit, "", by=trust.lead, today=date(2026, 5, 20), finished=True)
    db.session.commit()
    assert sweep("2026-05-22T09:00") == []


def test_pause_over_factual_accuracy_stops_its_clock_and_moves_the_reminder(trust, walk):
    visit = walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    deadlines.pause_deadlines(trust.ward, reason="Ward closed: outbreak", starts_on=date(2026, 5, 20),
                              until=date(2026, 6, 3), by=trust.quality_lead)
    db.session.commit()
    # 13–19 May counted 5 working days; the other 5 run from 4 June: closes Wednesday 10 June.
    assert services.factual_accuracy_closes(visit, date(2026, 5, 22)) == date(2026, 6, 10)
    assert [sweep(d) for d in ("2026-05-22T09:00", "2026-06-05T09:00", "2026-06-08T09:00")] == [
        [], [], [("visit.closing", "Sam Sister")]]
    assert notifications("visit.closing")[0].dedupe_key.split(":")[3] == "2026-06-10"
    assert "(a pause of the team's deadlines moved it)" in notifications("visit.closing")[0].body_text
    # The team lead may still comment after the first close, and the report waits for the new one.
    assert services.why_comments_closed(visit, date(2026, 6, 1)) is None
    assert services.why_comments_closed(visit, date(2026, 6, 11)) == "The factual accuracy period closed on 10 June 2026"


def test_pause_begun_after_factual_accuracy_closed_reopens_nothing(trust, walk):
    visit = walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    deadlines.pause_deadlines(trust.ward, reason="Ward closed: outbreak", starts_on=date(2026, 5, 28),
                              until=date(2026, 6, 3), by=trust.quality_lead)
    db.session.commit()
    assert services.factual_accuracy_closes(visit, date(2026, 6, 1)) == date(2026, 5, 27)


def test_publishing_waits_for_a_factual_accuracy_close_moved_by_a_pause(trust, walk):
    visit = walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    deadlines.pause_deadlines(trust.ward, reason="Ward closed: outbreak", starts_on=date(2026, 5, 20),
                              until=date(2026, 6, 3), by=trust.quality_lead)
    db.session.commit()
    with pytest.raises(services.WorkflowError) as refused:
        services.publish_report(visit, by=trust.reviewer, today=date(2026, 6, 1))
    assert "The team lead can comment on factual accuracy until 10 June 2026" in str(refused.value)
    db.session.rollback()
    services.publish_report(visit, by=trust.reviewer, today=date(2026, 6, 11))
    assert visit.status is VisitStatus.PUBLISHED


def test_the_sweep_reads_pauses_and_team_leads_once_however_many_visits(trust, walk, factory):
    """Statements of a sweep that writes one closing notice, then of one that writes two for three visits."""
    def statements(when: str) -> tuple[int, list[str]]:
        with statements_sent() as seen:
            written = send_visit_reminders(parse_now(when))
        db.session.commit()
        return written, seen

    walk.to(walk.plan(day=date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    db.session.commit()
    one = statements("2026-05-22T09:00")
    for n, team in enumerate((trust.sister_ward, trust.surgical_ward)):
        factory.user(email=f"lead{n}@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
        walk.to(walk.plan(team, date(2026, 5, 5)), VisitStatus.FACTUAL_ACCURACY, today=SENT_ON)
    db.session.commit()
    three = statements("2026-05-22T09:00")
    assert (one[0], three[0]) == (1, 3)  # the new leads and the surgical ward's own; the first notice not again
    assert len(three[1]) == len(one[1])
