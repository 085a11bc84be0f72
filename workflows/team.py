"""A team's life in the organisation: active, closed (may reopen) or merged into another team."""
from __future__ import annotations

import enum

from workflows.base import Transition, Workflow, guard


class TeamStatus(enum.Enum):
    ACTIVE = "active"
    CLOSED = "closed"
    MERGED = "merged"


@guard("names a different, active team to merge into")
def merge_target_is_valid(team, context: dict) -> str | None:
    target = context.get("into")
    if target is None:
        return "Choose the team this team merges into"
    if target is team or getattr(target, "id", None) == getattr(team, "id", object()):
        return "A team cannot merge into itself"
    if target.status is not TeamStatus.ACTIVE:
        return f"{target.name} is not active, so nothing can merge into it"
    return None


@guard("a reason is given")
def reason_given(team, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason"


TEAM_WORKFLOW = Workflow(
    name="team",
    version="1",
    states=TeamStatus,
    initial=TeamStatus.ACTIVE,
    transitions=[
        Transition("close", "active", "closed", guards=(reason_given,)),
        Transition("reopen", "closed", "active", guards=(reason_given,)),
        Transition("merge", "active", "merged", guards=(reason_given, merge_target_is_valid)),
    ],
)
