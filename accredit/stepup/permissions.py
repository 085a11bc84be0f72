"""Who may see a team's Step-up position and risk, record signals, decide proposals and change levels.

The regulation's workflow triggers have predicates named `stepup.<trigger>`, so the API's WorkflowResourceSchema
finds them. The object of every predicate here is a StepupRegulation, a LevelProposal or a Team: anything with
a `team` (a Team is its own).
"""
from __future__ import annotations

from typing import Any

from accredit.permissions import can, has_role, has_trust_role, predicate
from accredit.roles import Role


def _team(obj: Any) -> Any:
    return obj if obj.__class__.__name__ == "Team" else obj.team


@predicate("stepup.board")
def can_see_board(user: Any, _: Any = None) -> bool:
    """Quality leads, wherever they hold the role, have a Step-up board of the teams they cover; trust
    administrators see the whole trust's."""
    return has_role(user, Role.QUALITY_LEAD) or has_trust_role(user, Role.ADMIN)


@predicate("stepup.view")
def can_view_stepup(user: Any, obj: Any) -> bool:
    """Anyone who may see the team sees its level and cycle."""
    return obj is not None and can(user, "team.view", _team(obj))


@predicate("stepup.view_risk")
def can_view_risk(user: Any, obj: Any) -> bool:
    """The risk score, its reasons and the signals (which may name safeguarding concerns): quality leads covering
    the team and trust administrators."""
    return obj is not None and (has_role(user, Role.QUALITY_LEAD, team=_team(obj)) or has_trust_role(user, Role.ADMIN))


def _quality_lead(user: Any, obj: Any) -> bool:
    return obj is not None and has_role(user, Role.QUALITY_LEAD, team=_team(obj))


for _action in ("stepup.record_signal", "stepup.decide", "stepup.step_up", "stepup.step_down"):
    predicate(_action)(_quality_lead)
