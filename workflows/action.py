"""Improvement actions (DESIGN.md §4.6): worked by the team to awaiting evidence, verified and closed, or reopened."""
from __future__ import annotations

import enum

from workflows.base import Transition, Workflow, guard


class ActionStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    AWAITING_EVIDENCE = "awaiting_evidence"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@guard("a reason is given")
def reason_given(action, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason for reopening it"


ACTION_WORKFLOW = Workflow(
    name="action",
    version="1",
    states=ActionStatus,
    initial=ActionStatus.OPEN,
    transitions=[
        Transition("start", "open", "in_progress"),
        Transition("complete", "in_progress", "awaiting_evidence"),
        Transition("verify", "awaiting_evidence", "closed"),
        Transition("reopen", "awaiting_evidence", "in_progress", guards=(reason_given,)),
    ],
)

OPEN_STATES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_EVIDENCE})
