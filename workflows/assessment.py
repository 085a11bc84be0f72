"""The monthly self-assessment (DESIGN.md §4.1): open, in progress, submitted, accepted; or missed."""
from __future__ import annotations

import enum

from workflows.base import Transition, Workflow, guard


class AssessmentStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    MISSED = "missed"  #: the period closed without a submission

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@guard("every standard answered")
def every_standard_answered(assessment, context: dict) -> str | None:
    """Refuses while any standard lacks a rating or a narrative, naming each one."""
    missing = list(assessment.unanswered_codes())
    if not missing:
        return None
    noun = "standard needs" if len(missing) == 1 else "standards need"
    return f"{len(missing)} {noun} a rating and a narrative: {', '.join(missing)}"


@guard("a reason is given")
def reason_given(assessment, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason for returning it to the team"


ASSESSMENT_WORKFLOW = Workflow(
    name="self-assessment",
    version="1",
    states=AssessmentStatus,
    initial=AssessmentStatus.OPEN,
    transitions=[
        Transition("start", "open", "in_progress"),
        Transition("submit", "in_progress", "submitted", guards=(every_standard_answered,)),
        Transition("accept", "submitted", "accepted"),
        Transition("return_to_team", "submitted", "in_progress", guards=(reason_given,), label="return"),
        Transition("close_period", ("open", "in_progress"), "missed", label="period closes"),
    ],
)

#: States in which the team may still change its answers.
EDITABLE = frozenset({AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS})
