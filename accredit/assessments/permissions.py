"""Who may read, edit, submit and review a self-assessment; and which triggers a user may fire now."""
from __future__ import annotations

from typing import Any

from accredit.permissions import can, has_role, predicate
from accredit.roles import Role
from workflows.assessment import ASSESSMENT_WORKFLOW

TEAM_ROLES = (Role.TEAM_MEMBER, Role.TEAM_LEAD)
REVIEW_ROLES = (Role.REVIEWER, Role.QUALITY_LEAD)


@predicate("assessment.view")
def can_view_assessment(user: Any, assessment: Any) -> bool:
    return assessment is not None and can(user, "team.view", assessment.team)


@predicate("assessment.edit")
def can_edit_assessment(user: Any, assessment: Any) -> bool:
    """The team's own staff write the answers."""
    return has_role(user, *TEAM_ROLES, team=assessment.team)


@predicate("assessment.submit")
def can_submit_assessment(user: Any, assessment: Any) -> bool:
    """Only the team lead submits (DESIGN.md §4.1)."""
    return has_role(user, Role.TEAM_LEAD, team=assessment.team)


@predicate("assessment.review")
def can_review_assessment(user: Any, assessment: Any) -> bool:
    """A reviewer or quality lead covering the team accepts or returns it."""
    return has_role(user, *REVIEW_ROLES, team=assessment.team)


#: The action a user needs for each trigger; `close_period` is the scheduler's alone.
TRIGGER_ACTIONS = {
    "start": "assessment.edit",
    "submit": "assessment.submit",
    "accept": "assessment.review",
    "return_to_team": "assessment.review",
}


def triggers_for(user: Any, assessment: Any) -> list[str]:
    """Triggers this user may fire now: legal from the state, guards passing (or only `reason` missing),
    and permitted by role. `return_to_team` is listed before a reason is typed, since the reason is asked for."""
    state_allows = ASSESSMENT_WORKFLOW.available(assessment, reason="(to be given)")
    return [t for t in state_allows if t in TRIGGER_ACTIONS and can(user, TRIGGER_ACTIONS[t], assessment)]
