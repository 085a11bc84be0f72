"""Every (state, trigger) pair of the self-assessment workflow, the illegal ones included."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from workflows.assessment import ASSESSMENT_WORKFLOW, AssessmentStatus as S
from workflows.base import GuardRefused, IllegalTrigger


@dataclass
class FakeAssessment:
    status: S
    missing: list[str] = field(default_factory=list)

    def unanswered_codes(self) -> list[str]:
        return self.missing


TRIGGERS = ["start", "submit", "accept", "return_to_team", "close_period"]
# (state, trigger) -> resulting state; every pair not listed is illegal.
LEGAL = {
    (S.OPEN, "start"): S.IN_PROGRESS,
    (S.OPEN, "close_period"): S.MISSED,
    (S.IN_PROGRESS, "submit"): S.SUBMITTED,
    (S.IN_PROGRESS, "close_period"): S.MISSED,
    (S.SUBMITTED, "accept"): S.ACCEPTED,
    (S.SUBMITTED, "return_to_team"): S.IN_PROGRESS,
}
PAIRS = [(state, trigger) for state in S for trigger in TRIGGERS]


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s.value}-{t}" for s, t in PAIRS])
def test_assessment_transition_table(state, trigger):
    record = FakeAssessment(state)
    if (state, trigger) in LEGAL:
        fired = ASSESSMENT_WORKFLOW.fire(record, trigger, reason="Please add evidence for S2")
        assert (fired.from_state, fired.to_state) == (state, LEGAL[(state, trigger)])
        assert record.status is LEGAL[(state, trigger)]
    else:
        with pytest.raises(IllegalTrigger):
            ASSESSMENT_WORKFLOW.fire(record, trigger, reason="x")
        assert record.status is state


def test_assessment_submit_refused_names_every_unanswered_standard():
    record = FakeAssessment(S.IN_PROGRESS, missing=["S2", "E4", "W1"])
    with pytest.raises(GuardRefused) as refused:
        ASSESSMENT_WORKFLOW.fire(record, "submit")
    assert refused.value.reasons == ["3 standards need a rating and a narrative: S2, E4, W1"]
    assert record.status is S.IN_PROGRESS


def test_assessment_submit_refused_singular_wording():
    record = FakeAssessment(S.IN_PROGRESS, missing=["C1"])
    assert ASSESSMENT_WORKFLOW.check(record, "submit") == ["1 standard needs a rating and a narrative: C1"]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_assessment_return_needs_a_reason(reason):
    record = FakeAssessment(S.SUBMITTED)
    with pytest.raises(GuardRefused) as refused:
        ASSESSMENT_WORKFLOW.fire(record, "return_to_team", reason=reason)
    assert refused.value.reasons == ["Give a reason for returning it to the team"]
    assert record.status is S.SUBMITTED
