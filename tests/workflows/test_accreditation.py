"""Every (state, trigger) pair of the accreditation application and award workflows, and each guard's refusal."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from workflows.accreditation import (APPLICATION_WORKFLOW, AWARD_WORKFLOW, ApplicationStatus as A,
                                     AwardStatus as W)
from workflows.base import GuardRefused, IllegalTrigger


@dataclass
class FakeApplication:
    """What the application guards read; by default a complete portfolio and a quorate panel."""

    status: A
    incomplete: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    not_robust: list[str] = field(default_factory=list)
    appeal_deadline: date | None = None

    def incomplete_standards(self) -> list[str]:
        return self.incomplete

    def standards_not_robust(self) -> list[str]:
        return self.not_robust

    def quorum_problems(self) -> list[str]:
        return self.problems


@dataclass
class FakeAward:
    status: W


APPLICATION_TRIGGERS = ["start", "decline", "expire", "withdraw", "submit", "return_to_team", "assure", "decide",
                        "appeal", "uphold", "dismiss"]
# (state, trigger) -> resulting state; every pair not listed is illegal.
APPLICATION_LEGAL = {
    (A.INVITED, "start"): A.PREPARING,
    (A.INVITED, "decline"): A.CLOSED,
    (A.INVITED, "expire"): A.CLOSED,
    (A.PREPARING, "withdraw"): A.CLOSED,
    (A.PREPARING, "submit"): A.PRE_PANEL,
    (A.PRE_PANEL, "return_to_team"): A.PREPARING,
    (A.PRE_PANEL, "assure"): A.PANEL_READY,
    (A.PANEL_READY, "decide"): A.DECIDED,
    (A.DECIDED, "appeal"): A.APPEALED,
    (A.APPEALED, "uphold"): A.PANEL_READY,
    (A.APPEALED, "dismiss"): A.DECIDED,
}
APPLICATION_PAIRS = [(state, trigger) for state in A for trigger in APPLICATION_TRIGGERS]

AWARD_TRIGGERS = ["suspend", "reinstate", "expire"]
AWARD_LEGAL = {
    (W.ACTIVE, "suspend"): W.SUSPENDED,
    (W.SUSPENDED, "reinstate"): W.ACTIVE,
    (W.ACTIVE, "expire"): W.EXPIRED,
    (W.SUSPENDED, "expire"): W.EXPIRED,
}
AWARD_PAIRS = [(state, trigger) for state in W for trigger in AWARD_TRIGGERS]
REASON = "The panel did not consider the team's response to the pre-panel questions"


def test_application_triggers_are_the_ones_tabled():
    assert sorted({t.trigger for t in APPLICATION_WORKFLOW.transitions}) == sorted(APPLICATION_TRIGGERS)


def test_award_triggers_are_the_ones_tabled():
    assert sorted({t.trigger for t in AWARD_WORKFLOW.transitions}) == sorted(AWARD_TRIGGERS)


@pytest.mark.parametrize(("state", "trigger"), APPLICATION_PAIRS, ids=[f"{s.value}-{t}" for s, t in APPLICATION_PAIRS])
def test_application_transition_table(state, trigger):
    record = FakeApplication(state)
    if (state, trigger) in APPLICATION_LEGAL:
        fired = APPLICATION_WORKFLOW.fire(record, trigger, reason=REASON)
        assert (fired.from_state, fired.to_state) == (state, APPLICATION_LEGAL[(state, trigger)])
        assert record.status is APPLICATION_LEGAL[(state, trigger)]
    else:
        with pytest.raises(IllegalTrigger) as illegal:
            APPLICATION_WORKFLOW.fire(record, trigger, reason=REASON)
        assert illegal.value.allowed == [t for t in APPLICATION_TRIGGERS if (state, t) in APPLICATION_LEGAL]
        assert record.status is state


@pytest.mark.parametrize(("state", "trigger"), AWARD_PAIRS, ids=[f"{s.value}-{t}" for s, t in AWARD_PAIRS])
def test_award_transition_table(state, trigger):
    record = FakeAward(state)
    if (state, trigger) in AWARD_LEGAL:
        fired = AWARD_WORKFLOW.fire(record, trigger, reason="QRV of 9 September 2026 rated Requires improvement")
        assert (fired.from_state, fired.to_state) == (state, AWARD_LEGAL[(state, trigger)])
        assert record.status is AWARD_LEGAL[(state, trigger)]
    else:
        with pytest.raises(IllegalTrigger) as illegal:
            AWARD_WORKFLOW.fire(record, trigger, reason="x")
        assert illegal.value.allowed == [t for t in AWARD_TRIGGERS if (state, t) in AWARD_LEGAL]
        assert record.status is state


def test_application_submit_refused_names_every_incomplete_standard():
    record = FakeApplication(A.PREPARING, incomplete=["S2", "W1"])
    with pytest.raises(GuardRefused) as refused:
        APPLICATION_WORKFLOW.fire(record, "submit")
    assert refused.value.reasons == ["Add evidence and a statement for S2, W1"]
    assert record.status is A.PREPARING


def test_application_decide_refused_lists_every_quorum_problem():
    problems = ["The panel needs a chair", "At least one member must come from outside the team's division"]
    record = FakeApplication(A.PANEL_READY, problems=problems)
    with pytest.raises(GuardRefused) as refused:
        APPLICATION_WORKFLOW.fire(record, "decide")
    assert refused.value.reasons == [
        "The panel needs a chair; At least one member must come from outside the team's division"]
    assert record.status is A.PANEL_READY


def test_application_assure_refused_names_every_standard_not_robust():
    record = FakeApplication(A.PRE_PANEL, not_robust=["AS3 (needs more)", "AW2 (not reviewed)"])
    with pytest.raises(GuardRefused) as refused:
        APPLICATION_WORKFLOW.fire(record, "assure")
    assert refused.value.reasons == ["Every standard must be marked robust first: AS3 (needs more), AW2 (not reviewed)"]
    assert record.status is A.PRE_PANEL


@pytest.mark.parametrize(("today", "reasons"), [
    (date(2027, 1, 13), []),  # the last day of the period
    (date(2027, 1, 14), ["The appeal period ended on 13 January 2027"]),
])
def test_application_appeal_only_within_the_period(today, reasons):
    record = FakeApplication(A.DECIDED, appeal_deadline=date(2027, 1, 13))
    assert APPLICATION_WORKFLOW.check(record, "appeal", reason=REASON, today=today) == reasons


REASONED = [(A.PREPARING, "withdraw"), (A.PRE_PANEL, "return_to_team"), (A.DECIDED, "appeal"),
            (A.APPEALED, "uphold"), (A.APPEALED, "dismiss")]


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize(("state", "trigger"), REASONED, ids=[t for _, t in REASONED])
def test_application_trigger_needs_a_reason(state, trigger, reason):
    record = FakeApplication(state)
    with pytest.raises(GuardRefused) as refused:
        APPLICATION_WORKFLOW.fire(record, trigger, reason=reason)
    assert refused.value.reasons == ["Give a reason"]
    assert record.status is state


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize(("state", "trigger"), [(W.ACTIVE, "suspend"), (W.SUSPENDED, "reinstate")])
def test_award_trigger_needs_a_reason(state, trigger, reason):
    record = FakeAward(state)
    with pytest.raises(GuardRefused) as refused:
        AWARD_WORKFLOW.fire(record, trigger, reason=reason)
    assert refused.value.reasons == ["Give a reason"]
    assert record.status is state


def test_award_expire_needs_no_reason():
    record = FakeAward(W.SUSPENDED)
    AWARD_WORKFLOW.fire(record, "expire")
    assert record.status is W.EXPIRED
