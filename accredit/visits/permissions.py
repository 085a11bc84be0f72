"""Who may see, plan, staff, rate and comment on a visit; and which triggers a user may fire now.

Workflow triggers have predicates named `visit.<trigger>`, so the API's WorkflowResourceSchema finds them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from accredit.permissions import can, has_role, has_trust_role, predicate
from accredit.roles import Role
from workflows.base import IllegalTrigger
from workflows.visit import VISIT_WORKFLOW, VisitStatus


def is_assigned(user: Any, visit: Any) -> bool:
    return user.id in visit.reviewer_ids()


def _quality_lead(user: Any, visit: Any) -> bool:
    return has_role(user, Role.QUALITY_LEAD, team=visit.team)


def _reviewer_or_quality_lead(user: Any, visit: Any) -> bool:
    return is_assigned(user, visit) or _quality_lead(user, visit)


@predicate("visits.overview")
def can_see_visits_overview(user: Any, _: Any = None) -> bool:
    """Quality leads and reviewers, anywhere, have an overview of the visits they cover; administrators, who see
    the whole trust, too."""
    return has_role(user, Role.QUALITY_LEAD, Role.REVIEWER) or has_trust_role(user, Role.ADMIN)


@predicate("visit.view")
def can_view_visit(user: Any, visit: Any) -> bool:
    """Anyone who may see the team, and the visit's own reviewers."""
    return visit is not None and (can(user, "team.view", visit.team) or is_assigned(user, visit))


@predicate("visit.plan")
def can_plan_visit(user: Any, team: Any) -> bool:
    """A quality lead covering the team plans its visits (the object is the team)."""
    return team is not None and has_role(user, Role.QUALITY_LEAD, team=team)


for _action in ("visit.assign", "visit.schedule", "visit.cancel"):
    predicate(_action)(_quality_lead)

for _action in ("visit.start", "visit.rate", "visit.draft", "visit.send", "visit.publish", "visit.raise_action"):
    predicate(_action)(_reviewer_or_quality_lead)


#: From these states the team sees the report: the draft once it is sent to them, then the published one.
REPORT_SHARED = frozenset({VisitStatus.FACTUAL_ACCURACY, VisitStatus.PUBLISHED})


@predicate("visit.read_report")
def can_read_report(user: Any, visit: Any) -> bool:
    """Ratings and findings: the reviewers and quality leads always; everyone else who may see the visit once
    the draft has been sent to the team."""
    if not can_view_visit(user, visit):
        return False
    return visit.status in REPORT_SHARED or _reviewer_or_quality_lead(user, visit)


@predicate("visit.comment")
def can_comment_on_visit(user: Any, visit: Any) -> bool:
    """The team lead comments on the draft report, while it is out for factual accuracy."""
    return visit.status is VisitStatus.FACTUAL_ACCURACY and has_role(user, Role.TEAM_LEAD, team=visit.team)


def _closes(visit: Any, today: date) -> date | None:
    """When factual accuracy closes, a deadline pause included (only looked up while it is open)."""
    from accredit.visits.services import factual_accuracy_closes

    return factual_accuracy_closes(visit, today) if visit.status is VisitStatus.FACTUAL_ACCURACY else None


#: The triggers people fire from pages and the API (all of them: none is the scheduler's).
TRIGGERS = [t.trigger for t in VISIT_WORKFLOW.transitions]


def triggers_for(user: Any, visit: Any, today: date) -> list[str]:
    """Triggers this user may fire now: legal from the state, guards passing, permitted by role. `cancel` is
    listed before its reason is typed, since the reason is asked for."""
    available = VISIT_WORKFLOW.available(visit, today=today, reason="(to be given)", closes_on=_closes(visit, today))
    return [t for t in available if can(user, f"visit.{t}", visit)]


def blocked_triggers(user: Any, visit: Any, today: date) -> dict[str, list[str]]:
    """Triggers legal from the state and permitted, whose guards refuse now: trigger -> what is missing."""
    blocked = {}
    for trigger in VISIT_WORKFLOW.triggers_from(visit.status):
        if trigger == "cancel" or not can(user, f"visit.{trigger}", visit):
            continue
        try:
            reasons = VISIT_WORKFLOW.check(visit, trigger, today=today, closes_on=_closes(visit, today))
        except IllegalTrigger:
            continue
        if reasons:
            blocked[trigger] = reasons
    return blocked
