"""Step-up self-regulation (DESIGN.md §4.5): a team's level, moved one neighbour at a time, and level proposals.

The regulation's state is the team's level. Every up and down edge is written out below for its own pair of
neighbouring levels, so a level can never be skipped and the diagram shows exactly what is possible. Guards read
the facts the caller passes as context: `months_at_level`, `has_red` (a red signal in the risk window),
`min_months_down` and `min_months_up` (scheme settings) and the `reason`.
"""
from __future__ import annotations

import enum
from functools import total_ordering

from workflows.base import Transition, Workflow, guard


@total_ordering
class StepupLevel(enum.Enum):
    """The four levels, lightest first; members compare by rank (`STEP_DOWN < INTENSIVE`)."""

    STEP_DOWN = "step_down"
    STANDARD = "standard"
    STEP_UP = "step_up"
    INTENSIVE = "intensive"

    @property
    def rank(self) -> int:
        return list(StepupLevel).index(self)

    @property
    def label(self) -> str:
        return {"step_down": "Step down (light touch)", "standard": "Standard", "step_up": "Step up (enhanced)",
                "intensive": "Intensive"}[self.value]

    @property
    def short_label(self) -> str:
        return {"step_down": "Step down", "standard": "Standard", "step_up": "Step up",
                "intensive": "Intensive"}[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, StepupLevel):
            return NotImplemented
        return self.rank < other.rank


#: Where a team sits before anything moved it (teams with no regulation row yet).
DEFAULT_LEVEL = StepupLevel.STANDARD


class Severity(enum.Enum):
    """How serious a risk signal is, in the red-amber-green the trust's quality reports use."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SignalKind(enum.Enum):
    """What a quality lead records against a team."""

    INCIDENT = "incident"
    COMPLAINT = "complaint"
    STAFFING = "staffing"
    SAFEGUARDING = "safeguarding"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"incident": "Incident", "complaint": "Complaint", "staffing": "Staffing",
                "safeguarding": "Safeguarding concern", "other": "Other concern"}[self.value]


@guard("a reason is given")
def reason_given(regulation, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason for the change of level"


@guard("long enough at the level to step down")
def long_enough_to_step_down(regulation, context: dict) -> str | None:
    months, needed = context.get("months_at_level", 0), context.get("min_months_down", 3)
    if months >= needed:
        return None
    return (f"A team stays at least {needed} months at a level before stepping down; "
            f"this team has been at {regulation.level.short_label} for {_months(months)}")


@guard("long enough at the level to step up, or a red signal")
def long_enough_to_step_up_or_red(regulation, context: dict) -> str | None:
    months, needed = context.get("months_at_level", 0), context.get("min_months_up", 3)
    if months >= needed or context.get("has_red"):
        return None
    return (f"Stepping up within {needed} months of the last change needs a red signal; this team has been at "
            f"{regulation.level.short_label} for {_months(months)} and has no red signal")


def _months(n: int) -> str:
    return "less than a month" if n < 1 else f"{n} month{'s' if n != 1 else ''}"


_UP = (long_enough_to_step_up_or_red, reason_given)
_DOWN = (long_enough_to_step_down, reason_given)

STEPUP_WORKFLOW = Workflow(
    name="stepup",
    version="1",
    states=StepupLevel,
    initial=DEFAULT_LEVEL,
    status_attr="level",
    transitions=[
        # Up, one neighbour at a time.
        Transition("step_up", "step_down", "standard", guards=_UP),
        Transition("step_up", "standard", "step_up", guards=_UP),
        Transition("step_up", "step_up", "intensive", guards=_UP),
        # Down, one neighbour at a time.
        Transition("step_down", "intensive", "step_up", guards=_DOWN),
        Transition("step_down", "step_up", "standard", guards=_DOWN),
        Transition("step_down", "standard", "step_down", guards=_DOWN),
    ],
)


def neighbour(level: StepupLevel, trigger: str) -> StepupLevel | None:
    """The level `trigger` ('step_up' or 'step_down') leads to from `level`, or None where there is none."""
    for edge in STEPUP_WORKFLOW.transitions:
        if edge.trigger == trigger and level.value in edge.source:
            return StepupLevel(edge.dest)
    return None


class ProposalStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  #: overtaken: the level changed another way, or the engine no longer proposes it

    @property
    def label(self) -> str:
        return self.value.capitalize()


@guard("a note is given")
def note_given(proposal, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a note saying why you reject the proposal"


PROPOSAL_WORKFLOW = Workflow(
    name="stepup-proposal",
    version="1",
    states=ProposalStatus,
    initial=ProposalStatus.PENDING,
    transitions=[
        Transition("approve", "pending", "approved"),
        Transition("reject", "pending", "rejected", guards=(note_given,)),
        Transition("withdraw", "pending", "withdrawn"),
    ],
)
