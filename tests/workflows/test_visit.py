"""Every (state, trigger) pair of the Quality Review Visit workflow, and each guard's refusal in its own words."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest

from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Rating
from workflows.visit import VISIT_WORKFLOW, VisitStatus as S

DUE = date(2026, 3, 20)


@dataclass
class FakeVisit:
    """What the visit guards read; by default a visit that satisfies every guard."""

    status: S
    visit_date: date | None = date(2026, 3, 3)
    reviewers: list[int] = field(default_factory=lambda: [7])
    unrated: list[str] = field(default_factory=list)
    overall_rating: Rating | None = Rating.GOOD
    overall_overridden: bool = False
    override_reason: str | None = None
    team_comments_closed_at: datetime | None = None
    factual_accuracy_due: date | None = DUE

    def reviewer_ids(self) -> list[int]:
        return self.reviewers

    def unrated_domains(self) -> list[str]:
        return self.unrated


TRIGGERS = ["schedule", "start", "draft", "send", "publish", "cancel"]
# (state, trigger) -> resulting state; every pair not listed is illegal.
LEGAL = {
    (S.PLANNED, "schedule"): S.SCHEDULED,
    (S.SCHEDULED, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "draft"): S.DRAFT_REPORT,
    (S.DRAFT_REPORT, "send"): S.FACTUAL_ACCURACY,
    (S.FACTUAL_ACCURACY, "publish"): S.PUBLISHED,
    (S.PLANNED, "cancel"): S.CANCELLED,
    (S.SCHEDULED, "cancel"): S.CANCELLED,
    (S.IN_PROGRESS, "cancel"): S.CANCELLED,
    (S.DRAFT_REPORT, "cancel"): S.CANCELLED,
    (S.FACTUAL_ACCURACY, "cancel"): S.CANCELLED,
}
PAIRS = [(state, trigger) for state in S for trigger in TRIGGERS]
# Context that satisfies every guard: the factual accuracy period is over and a reason is given.
PASSING = {"today": date(2026, 3, 23), "reason": "Ward closed for an outbreak"}


def test_visit_triggers_are_the_ones_tabled():
    assert sorted({t.trigger for t in VISIT_WORKFLOW.transitions}) == sorted(TRIGGERS)


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s.value}-{t}" for s, t in PAIRS])
def test_visit_transition_table(state, trigger):
    record = FakeVisit(state)
    if (state, trigger) in LEGAL:
        fired = VISIT_WORKFLOW.fire(record, trigger, **PASSING)
        assert (fired.from_state, fired.to_state) == (state, LEGAL[(state, trigger)])
        assert record.status is LEGAL[(state, trigger)]
    else:
        with pytest.raises(IllegalTrigger) as illegal:
            VISIT_WORKFLOW.fire(record, trigger, **PASSING)
        assert illegal.value.allowed == [t for t in TRIGGERS if (state, t) in LEGAL]
        assert record.status is state


# --- schedule: has_date_and_reviewer ------------------------------------------------------------------------

@pytest.mark.parametrize(("visit_date", "reviewers", "reason"), [
    (None, [7], "Choose the date of the visit"),
    (date(2026, 3, 3), [], "Assign at least one reviewer"),
    (None, [], "Choose the date of the visit; Assign at least one reviewer"),
])
def test_visit_schedule_refused_without_date_or_reviewer(visit_date, reviewers, reason):
    record = FakeVisit(S.PLANNED, visit_date=visit_date, reviewers=reviewers)
    with pytest.raises(GuardRefused) as refused:
        VISIT_WORKFLOW.fire(record, "schedule")
    assert refused.value.reasons == [reason]
    assert record.status is S.PLANNED


# --- draft and send: fully_rated ----------------------------------------------------------------------------

@pytest.mark.parametrize("trigger, state", [("draft", S.IN_PROGRESS), ("send", S.DRAFT_REPORT)])
@pytest.mark.parametrize(("changes", "reason"), [
    ({"unrated": ["Safe", "Well-led"]}, "Rate Safe, Well-led"),
    ({"overall_rating": None}, "Give the overall rating"),
    ({"overall_overridden": True, "override_reason": None},
     "Give a reason for overriding the computed overall rating"),
    ({"overall_overridden": True, "override_reason": "   "},
     "Give a reason for overriding the computed overall rating"),
    ({"unrated": ["Caring"], "overall_rating": None}, "Rate Caring; Give the overall rating"),
    ({"unrated": ["Caring"], "overall_overridden": True},
     "Rate Caring; Give a reason for overriding the computed overall rating"),
])
def test_visit_rating_incomplete_refused(trigger, state, changes, reason):
    record = FakeVisit(state, **changes)
    with pytest.raises(GuardRefused) as refused:
        VISIT_WORKFLOW.fire(record, trigger)
    assert refused.value.reasons == [reason]
    assert record.status is state


def test_visit_override_with_reason_allows_draft():
    record = FakeVisit(S.IN_PROGRESS, overall_overridden=True, override_reason="Safeguarding concern on the day")
    assert VISIT_WORKFLOW.check(record, "draft") == []


# --- publish: factual_accuracy_done -------------------------------------------------------------------------

@pytest.mark.parametrize("today", [date(2026, 3, 10), DUE])
def test_visit_publish_refused_during_factual_accuracy(today):
    record = FakeVisit(S.FACTUAL_ACCURACY)
    with pytest.raises(GuardRefused) as refused:
        VISIT_WORKFLOW.fire(record, "publish", today=today)
    assert refused.value.reasons == ["The team lead can comment on factual accuracy until 20 March 2026"]
    assert record.status is S.FACTUAL_ACCURACY


def test_visit_publish_allowed_the_day_after_the_due_date():
    record = FakeVisit(S.FACTUAL_ACCURACY)
    assert VISIT_WORKFLOW.check(record, "publish", today=date(2026, 3, 21)) == []


def test_visit_publish_allowed_early_once_the_team_lead_has_finished():
    record = FakeVisit(S.FACTUAL_ACCURACY, team_comments_closed_at=datetime(2026, 3, 12, 9, 30))
    assert VISIT_WORKFLOW.check(record, "publish", today=date(2026, 3, 12)) == []


def test_visit_publish_refused_without_today_in_context():
    record = FakeVisit(S.FACTUAL_ACCURACY)
    assert VISIT_WORKFLOW.check(record, "publish") == [
        "The team lead can comment on factual accuracy until 20 March 2026"]


def test_visit_publish_refused_without_a_due_date():
    record = FakeVisit(S.FACTUAL_ACCURACY, factual_accuracy_due=None)
    assert VISIT_WORKFLOW.check(record, "publish", today=date(2026, 3, 23)) == [
        "The team lead can comment on factual accuracy until its closing date"]


# --- cancel: reason_given -----------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", [None, "", "   "])
def test_visit_cancel_needs_a_reason(reason):
    record = FakeVisit(S.SCHEDULED)
    with pytest.raises(GuardRefused) as refused:
        VISIT_WORKFLOW.fire(record, "cancel", reason=reason)
    assert refused.value.reasons == ["Give a reason"]
    assert record.status is S.SCHEDULED
