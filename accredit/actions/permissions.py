"""Who may see, raise, edit and work improvement actions, who verifies them; and which triggers a user may fire now."""
from __future__ import annotations

from typing import Any

from accredit.permissions import can, has_role, predicate
from accredit.roles import Role
from workflows.action import ACTION_WORKFLOW

TEAM_ROLES = (Role.TEAM_MEMBER, Role.TEAM_LEAD)
REVIEW_ROLES = (Role.REVIEWER, Role.QUALITY_LEAD)


def is_owner(user: Any, action: Any) -> bool:
    return action.owner_id is not None and action.owner_id == user.id


@predicate("action.view")
def can_view_action(user: Any, action: Any) -> bool:
    """Anyone who may see the action's team."""
    return action is not None and can(user, "team.view", action.team)


@predicate("action.raise")
def can_raise_action(user: Any, team: Any) -> bool:
    """The team lead, and reviewers and quality leads covering the team (asked of the team)."""
    return team is not None and has_role(user, Role.TEAM_LEAD, *REVIEW_ROLES, team=team)


@predicate("action.edit")
def can_edit_action(user: Any, action: Any) -> bool:
    """The team lead, a quality lead covering the team, or the action's owner (while they can see it)."""
    if has_role(user, Role.TEAM_LEAD, Role.QUALITY_LEAD, team=action.team):
        return True
    return is_owner(user, action) and can_view_action(user, action)


def _works_on(user: Any, action: Any) -> bool:
    """The owner and the team's own staff take an action forward."""
    return has_role(user, *TEAM_ROLES, team=action.team) or (is_owner(user, action) and can_view_action(user, action))


def _verifies(user: Any, action: Any) -> bool:
    """A reviewer or quality lead covering the team, who does not own the action: no one signs off their own work."""
    return has_role(user, *REVIEW_ROLES, team=action.team) and not is_owner(user, action)


for _trigger in ("start", "complete"):
    predicate(f"action.{_trigger}")(_works_on)
for _trigger in ("verify", "reopen"):
    predicate(f"action.{_trigger}")(_verifies)


def triggers_for(user: Any, action: Any) -> list[str]:
    """Triggers this user may fire now: legal from the state, permitted by role. `reopen` is listed before a
    reason is typed (it is asked for), so guards are run as if one had been given."""
    state_allows = ACTION_WORKFLOW.available(action, reason="(to be given)")
    return [t for t in state_allows if can(user, f"action.{t}", action)]
