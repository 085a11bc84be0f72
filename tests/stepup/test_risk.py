"""Risk scores and cycles over constructed histories: self-assessments, reviews, actions and recorded signals."""
from __future__ import annotations

from datetime import date

from accredit.stepup import queries
from tests.stepup.conftest import SCHEME
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating
from workflows.stepup import Severity, SignalKind, StepupLevel
from workflows.visit import VisitKind, VisitStatus

TODAY = date(2026, 6, 15)  #: the risk window is 16 December 2025 to 15 June 2026


def reasons(found) -> list[tuple[str, str, int]]:
    return [(r.description, r.severity.value, r.points) for r in found.reasons]


def test_a_team_with_no_history_scores_nothing_and_sits_at_standard_since_it_opened(trust):
    found = queries.position(trust.ward, TODAY, SCHEME)
    assert (found.level, found.since, found.regulation, found.risk.value, reasons(found)) == (
        StepupLevel.STANDARD, date(2020, 4, 1), None, 0, [])
    assert found.proposal.explanation == ("Stay at Standard: a score of 0 points to step down (below 5), but stepping "
                                          "down also needs a published review rated Good or better in the last 6 months")


def test_every_kind_of_signal_counts_with_its_reason(trust, factory):
    factory.signal(trust.ward, Severity.RED, date(2026, 6, 1), kind=SignalKind.SAFEGUARDING,
                   description="Referral about a patient's bruising")
    factory.signal(trust.ward, Severity.AMBER, date(2026, 2, 10), kind=SignalKind.STAFFING,
                   description="Two night shifts below safe staffing")
    factory.self_assessment(trust.ward, date(2026, 5, 1), Rating.REQUIRES_IMPROVEMENT, submitted_on=date(2026, 5, 20))
    factory.self_assessment(trust.ward, date(2026, 4, 1), status=AssessmentStatus.MISSED)
    factory.review(trust.ward, date(2026, 3, 5), Rating.INADEQUATE, kind=VisitKind.QRV)
    factory.action(trust.ward, due_on=date(2026, 6, 1), raised_on=date(2026, 3, 10), title="Fix the sluice door")
    factory.commit()

    found = queries.position(trust.ward, TODAY, SCHEME)

    assert found.risk.value == 94
    assert found.risk.explanation == ("Risk score 94: 2 red (60 points), 3 amber (30 points), 2 green (4 points) in "
                                      "the last 6 months")
    assert reasons(found) == [
        ("Safeguarding concern: Referral about a patient's bruising", "red", 30),
        ("Quality Review Visit on 5 March 2026 rated Inadequate overall", "red", 30),
        ("Latest self-assessment rated Requires improvement overall", "amber", 10),
        ("Self-assessment for April 2026 missed", "amber", 10),
        ("Staffing: Two night shifts below safe staffing", "amber", 10),
        ("Action overdue since 1 June 2026: Fix the sluice door", "green", 2),
        ("Self-assessment for May 2026 submitted late", "green", 2),
    ]
    assert found.has_red is True


def test_old_signals_closed_actions_and_good_ratings_do_not_count(trust, factory):
    factory.signal(trust.ward, Severity.RED, date(2025, 12, 15))  # a day before the window
    factory.signal(trust.sister_ward, Severity.RED, date(2026, 6, 1))  # another team's
    factory.self_assessment(trust.ward, date(2026, 5, 1), Rating.GOOD, submitted_on=date(2026, 5, 10))
    factory.review(trust.ward, date(2026, 4, 20), Rating.OUTSTANDING)
    factory.action(trust.ward, due_on=date(2026, 6, 1), raised_on=date(2026, 4, 21), status=ActionStatus.CLOSED)
    factory.action(trust.ward, due_on=date(2026, 6, 15), raised_on=date(2026, 4, 21))  # due today: not yet overdue
    factory.commit()

    found = queries.position(trust.ward, TODAY, SCHEME)

    assert (found.risk.value, reasons(found)) == (0, [])


def test_only_the_latest_self_assessment_and_review_in_the_window_count(trust, factory):
    factory.self_assessment(trust.ward, date(2026, 4, 1), Rating.INADEQUATE, submitted_on=date(2026, 4, 10))
    factory.self_assessment(trust.ward, date(2026, 5, 1), Rating.GOOD, submitted_on=date(2026, 5, 10))
    factory.review(trust.ward, date(2026, 2, 1), Rating.INADEQUATE)
    factory.review(trust.ward, date(2026, 5, 1), Rating.REQUIRES_IMPROVEMENT)
    factory.review(trust.ward, date(2026, 6, 1), Rating.INADEQUATE, status=VisitStatus.DRAFT_REPORT)  # unpublished
    factory.commit()

    found = queries.position(trust.ward, TODAY, SCHEME)

    assert reasons(found) == [("Peer review (like for like) on 1 May 2026 rated Requires improvement overall",
                               "amber", 10)]


def test_a_quiet_team_with_a_good_review_and_months_at_standard_is_proposed_to_step_down(trust, factory):
    factory.review(trust.ward, date(2026, 5, 1), Rating.GOOD)
    factory.commit()

    found = queries.position(trust.ward, TODAY, SCHEME)

    assert (found.proposal.value.trigger, found.proposal.value.to_level, found.proposal.value.blocked) == (
        "step_down", StepupLevel.STEP_DOWN, [])


def test_the_cycle_steps_show_what_the_team_did_in_the_cycle(trust, factory):
    # Standard since 1 April 2020, every 6 months: the cycle of 15 June 2026 runs 1 April to 30 September 2026.
    factory.self_assessment(trust.ward, date(2026, 3, 1), Rating.GOOD, submitted_on=date(2026, 3, 31))  # before
    factory.self_assessment(trust.ward, date(2026, 4, 1), Rating.GOOD, submitted_on=date(2026, 4, 12))
    review = factory.review(trust.ward, date(2026, 5, 4), Rating.GOOD)
    factory.action(trust.ward, due_on=date(2026, 7, 1), raised_on=date(2026, 5, 6), visit=review,
                   status=ActionStatus.CLOSED)
    factory.action(trust.ward, due_on=date(2026, 7, 1), raised_on=date(2026, 5, 6), visit=review)
    factory.commit()

    found = queries.position(trust.ward, TODAY, SCHEME)

    assert (found.cycle.number, found.cycle.start, found.cycle.end) == (13, date(2026, 4, 1), date(2026, 9, 30))
    assert [(s.key, s.due_on, s.state, s.done_on, s.detail) for s in found.steps] == [
        ("self_assessment", date(2026, 5, 15), "done", date(2026, 4, 12), "Self-assessment for April 2026 submitted"),
        ("peer_review", date(2026, 6, 30), "done", date(2026, 5, 4), "Peer review (like for like) on 4 May 2026, "
                                                                      "published"),
        ("improvement_plan", date(2026, 8, 15), "done", date(2026, 5, 6), "2 actions raised"),
        ("validation_review", date(2026, 9, 30), "due", None, "Not done yet: due by 30 September 2026"),
    ]


def test_a_step_not_done_by_its_due_date_is_overdue(trust):
    found = queries.position(trust.ward, date(2026, 7, 1), SCHEME)
    assert [s.state for s in found.steps] == ["overdue", "overdue", "due", "due"]


def test_late_is_judged_by_the_london_day_of_submission(trust, factory):
    """Due on the 14th. In British Summer Time 22:59 UTC on the 14th is still the 14th in London and 23:00 UTC is
    the 15th, so late; in winter 23:30 UTC on the 14th is still the 14th. On PostgreSQL the database leaves out
    only submissions that cannot be late (facts._periods); the London day decides for the rest."""
    from datetime import UTC, datetime

    submitted = {(2026, 1, 1): datetime(2026, 1, 14, 23, 30, tzinfo=UTC),  # GMT: on time
                 (2026, 4, 1): datetime(2026, 4, 14, 22, 59, 59, tzinfo=UTC),  # BST: on time
                 (2026, 5, 1): datetime(2026, 5, 14, 23, 0, tzinfo=UTC)}  # BST: the 15th in London, late
    for start, at in submitted.items():
        assessment = factory.self_assessment(trust.ward, date(*start), Rating.GOOD, submitted_on=date(*start))
        assessment.submitted_at = at
        assert assessment.due_on == date(start[0], start[1], 14)
    factory.commit()

    found = queries.position(trust.ward, date(2026, 6, 30), SCHEME)

    assert reasons(found) == [("Self-assessment for May 2026 submitted late", "green", 2)]
