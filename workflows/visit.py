"""Quality Review Visits and peer reviews (DESIGN.md §4.2): planned to published, or cancelled."""
from __future__ import annotations

import enum

from workflows.base import Transition, Workflow, guard


class VisitStatus(enum.Enum):
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DRAFT_REPORT = "draft_report"
    FACTUAL_ACCURACY = "factual_accuracy"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class VisitKind(enum.Enum):
    """A QRV, or a Step-up peer review: like-for-like, or objective (from outside the service)."""

    QRV = "qrv"
    PEER_REVIEW = "peer_review"
    OBJECTIVE_REVIEW = "objective_review"

    @property
    def label(self) -> str:
        return {"qrv": "Quality Review Visit", "peer_review": "Peer review (like for like)",
                "objective_review": "Objective review"}[self.value]


@guard("a date and at least one reviewer")
def has_date_and_reviewer(visit, context: dict) -> str | None:
    missing = []
    if visit.visit_date is None:
        missing.append("Choose the date of the visit")
    if not visit.reviewer_ids():
        missing.append("Assign at least one reviewer")
    return "; ".join(missing) or None


@guard("every domain and the overall rating given")
def fully_rated(visit, context: dict) -> str | None:
    missing = visit.unrated_domains()
    reasons = []
    if missing:
        reasons.append(f"Rate {', '.join(missing)}")
    if visit.overall_rating is None:
        reasons.append("Give the overall rating")
    elif visit.overall_overridden and not (visit.override_reason or "").strip():
        reasons.append("Give a reason for overriding the computed overall rating")
    return "; ".join(reasons) or None


@guard("the factual accuracy period is over, or the team lead has finished commenting")
def factual_accuracy_done(visit, context: dict) -> str | None:
    """`closes_on` in the context, when given, is the period's close as a deadline pause has moved it."""
    today = context.get("today")
    closes = context.get("closes_on") or visit.factual_accuracy_due
    if visit.team_comments_closed_at is not None:
        return None
    if today is not None and closes is not None and today > closes:
        return None
    due = closes.strftime("%-d %B %Y") if closes else "its closing date"
    return f"The team lead can comment on factual accuracy until {due}"


@guard("a reason is given")
def reason_given(visit, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason"


_CANCELLABLE = ("planned", "scheduled", "in_progress", "draft_report", "factual_accuracy")

VISIT_WORKFLOW = Workflow(
    name="visit",
    version="1",
    states=VisitStatus,
    initial=VisitStatus.PLANNED,
    transitions=[
        Transition("schedule", "planned", "scheduled", guards=(has_date_and_reviewer,)),
        Transition("start", "scheduled", "in_progress"),
        Transition("draft", "in_progress", "draft_report", guards=(fully_rated,)),
        Transition("send", "draft_report", "factual_accuracy", guards=(fully_rated,)),
        Transition("publish", "factual_accuracy", "published", guards=(factual_accuracy_done,)),
        Transition("cancel", _CANCELLABLE, "cancelled", guards=(reason_given,)),
    ],
)
