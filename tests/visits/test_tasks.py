"""Home page tasks from visits: the quality lead staffs and schedules, reviewers review, the team lead comments."""
from __future__ import annotations

from datetime import date

from accredit.assessments.services import today_in_london
from accredit.core.tasks import tasks_for
from workflows.visit import VisitStatus


def _tasks(app, user) -> list[tuple[str, str, date | None]]:
    with app.test_request_context("/"):
        return [(t.text, t.href, t.due) for t in tasks_for(user) if t.href.startswith("/visits/")]


def test_quality_lead_is_asked_to_staff_and_schedule_planned_visits(app, trust, walk):
    visit = walk.plan()
    walk.to(walk.plan(trust.sister_ward), VisitStatus.SCHEDULED)  # scheduled: nothing left for the quality lead
    assert _tasks(app, trust.quality_lead) == [
        ("Assign reviewers and schedule the visit to Ward 7 Respiratory", f"/visits/{visit.id}", date(2026, 3, 3))]


def test_reviewer_is_asked_for_the_next_step_of_each_visit(app, trust, walk):
    scheduled = walk.to(walk.plan(day=date(2026, 3, 3)), VisitStatus.SCHEDULED)
    drafting = walk.to(walk.plan(trust.sister_ward, day=date(2026, 3, 4)), VisitStatus.DRAFT_REPORT)
    walk.to(walk.plan(trust.surgical_ward, day=date(2026, 3, 5)), VisitStatus.PUBLISHED)
    assert _tasks(app, trust.reviewer) == [  # dated ones first (tasks_for's order)
        ("Start the visit to Ward 7 Respiratory", f"/visits/{scheduled.id}", date(2026, 3, 3)),
        ("Send the draft report to Ward 8 Cardiology", f"/visits/{drafting.id}", None),
    ]


def test_team_lead_is_asked_to_comment_until_done_or_due(app, trust, walk):
    today = today_in_london()
    visit = walk.to(walk.plan(day=today), VisitStatus.FACTUAL_ACCURACY)
    walk.to(walk.plan(day=date(2026, 1, 5)), VisitStatus.FACTUAL_ACCURACY)  # its period closed long ago
    asked = _tasks(app, trust.lead)
    assert asked == [("Comment on the draft report of the visit to Ward 7 Respiratory", f"/visits/{visit.id}/comments",
                      visit.factual_accuracy_due)]
    assert _tasks(app, trust.member) == []
