"""Every (state, trigger) pair of the improvement action workflow, the illegal ones included (no app, no database)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from workflows.action import ACTION_WORKFLOW, OPEN_STATES, ActionStatus as S
from workflows.base import GuardRefused, IllegalTrigger


@dataclass
class FakeAction:
    status: S


TRIGGERS = ["start", "complete", "verify", "reopen"]
# (state, trigger) -> resulting state; every pair not listed is illegal.
LEGAL = {
    (S.OPEN, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "complete"): S.AWAITING_EVIDENCE,
    (S.AWAITING_EVIDENCE, "verify"): S.CLOSED,
    (S.AWAITING_EVIDENCE, "reopen"): S.IN_PROGRESS,
}
PAIRS = [(state, trigger) for state in S for trigger in TRIGGERS]


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s.value}-{t}" for s, t in PAIRS])
def test_action_transition_table(state, trigger):
    record = FakeAction(state)
    if (state, trigger) in LEGAL:
        fired = ACTION_WORKFLOW.fire(record, trigger, reason="The audit covers one week only")
        assert (fired.from_state, fired.to_state) == (state, LEGAL[(state, trigger)])
        assert record.status is LEGAL[(state, trigger)]
    else:
        with pytest.raises(IllegalTrigger):
            ACTION_WORKFLOW.fire(record, trigger, reason="x")
        assert record.status is state


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_action_reopen_refused_without_reason(reason):
    record = FakeAction(S.AWAITING_EVIDENCE)
    with pytest.raises(GuardRefused) as refused:
        ACTION_WORKFLOW.fire(record, "reopen", reason=reason)
    assert refused.value.reasons == ["Give a reason for reopening it"]
    assert record.status is S.AWAITING_EVIDENCE


def test_action_open_states_are_every_state_but_closed():
    assert sorted(s.value for s in OPEN_STATES) == ["awaiting_evidence", "in_progress", "open"]
