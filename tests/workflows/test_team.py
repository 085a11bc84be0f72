"""The team lifecycle workflow: every (state, trigger) pair, the illegal ones included, and every guard."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from workflows.base import GuardRefused, IllegalTrigger
from workflows.team import TEAM_WORKFLOW, TeamStatus

ACTIVE, CLOSED, MERGED = TeamStatus.ACTIVE, TeamStatus.CLOSED, TeamStatus.MERGED


@dataclass
class FakeTeam:
    id: int
    name: str
    status: TeamStatus = ACTIVE


def _target() -> FakeTeam:
    return FakeTeam(id=99, name="Ward 99", status=ACTIVE)


# (state, trigger) -> the state it leads to with valid context, or None when the pair is illegal.
TABLE = {
    (ACTIVE, "close"): CLOSED,
    (ACTIVE, "reopen"): None,
    (ACTIVE, "merge"): MERGED,
    (CLOSED, "close"): None,
    (CLOSED, "reopen"): ACTIVE,
    (CLOSED, "merge"): None,
    (MERGED, "close"): None,
    (MERGED, "reopen"): None,
    (MERGED, "merge"): None,
}

ALLOWED_FROM = {ACTIVE: ["close", "merge"], CLOSED: ["reopen"], MERGED: []}


def test_table_covers_every_state_and_trigger():
    triggers = {t.trigger for t in TEAM_WORKFLOW.transitions}
    assert set(TABLE) == {(state, trigger) for state in TeamStatus for trigger in triggers}


@pytest.mark.parametrize(("state", "trigger"), list(TABLE), ids=[f"{s.value}-{t}" for s, t in TABLE])
def test_team_trigger_from_state(state, trigger):
    team = FakeTeam(id=1, name="Ward 1", status=state)
    expected = TABLE[(state, trigger)]
    if expected is None:
        with pytest.raises(IllegalTrigger) as refused:
            TEAM_WORKFLOW.fire(team, trigger, reason="Because", into=_target())
        assert refused.value.allowed == ALLOWED_FROM[state]
        assert refused.value.reason == (
            f"{trigger!r} is not allowed from {state.value!r}; allowed: {', '.join(ALLOWED_FROM[state]) or 'none'}"
        )
        assert team.status is state
    else:
        fired = TEAM_WORKFLOW.fire(team, trigger, reason="Because", into=_target())
        assert (fired.trigger, fired.from_state, fired.to_state) == (trigger, state, expected)
        assert team.status is expected


@pytest.mark.parametrize("state", list(TeamStatus), ids=[s.value for s in TeamStatus])
def test_team_unknown_trigger_is_refused(state):
    team = FakeTeam(id=1, name="Ward 1", status=state)
    with pytest.raises(IllegalTrigger) as refused:
        TEAM_WORKFLOW.fire(team, "demolish", reason="Because")
    assert refused.value.allowed == ALLOWED_FROM[state]
    assert team.status is state


@pytest.mark.parametrize(
    ("state", "trigger", "reason"),
    [
        (ACTIVE, "close", None),
        (ACTIVE, "close", "   "),
        (CLOSED, "reopen", ""),
        (ACTIVE, "merge", None),
    ],
)
def test_team_trigger_without_reason_is_refused(state, trigger, reason):
    team = FakeTeam(id=1, name="Ward 1", status=state)
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, trigger, reason=reason, into=_target())
    assert refused.value.reasons == ["Give a reason"]
    assert team.status is state


def test_team_merge_into_itself_is_refused():
    team = FakeTeam(id=1, name="Ward 1")
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, "merge", reason="Combined", into=team)
    assert refused.value.reasons == ["A team cannot merge into itself"]
    assert team.status is ACTIVE


def test_team_merge_into_same_id_is_refused():
    """A second object loaded for the same row is still the same team."""
    team = FakeTeam(id=1, name="Ward 1")
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, "merge", reason="Combined", into=FakeTeam(id=1, name="Ward 1"))
    assert refused.value.reasons == ["A team cannot merge into itself"]


@pytest.mark.parametrize("target_state", [CLOSED, MERGED], ids=["closed", "merged"])
def test_team_merge_into_inactive_team_is_refused(target_state):
    team = FakeTeam(id=1, name="Ward 1")
    target = FakeTeam(id=2, name="Ward 2", status=target_state)
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, "merge", reason="Combined", into=target)
    assert refused.value.reasons == ["Ward 2 is not active, so nothing can merge into it"]
    assert team.status is ACTIVE


def test_team_merge_without_target_is_refused():
    team = FakeTeam(id=1, name="Ward 1")
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, "merge", reason="Combined")
    assert refused.value.reasons == ["Choose the team this team merges into"]


def test_team_merge_reports_every_failed_guard():
    team = FakeTeam(id=1, name="Ward 1")
    with pytest.raises(GuardRefused) as refused:
        TEAM_WORKFLOW.fire(team, "merge", reason="", into=team)
    assert refused.value.reasons == ["Give a reason", "A team cannot merge into itself"]


def test_team_available_triggers_follow_guards():
    team = FakeTeam(id=1, name="Ward 1")
    assert TEAM_WORKFLOW.available(team, reason="Because", into=_target()) == ["close", "merge"]
    assert TEAM_WORKFLOW.available(team, reason="Because") == ["close"]
    assert TEAM_WORKFLOW.available(team) == []
