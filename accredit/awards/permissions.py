"""Who may see an award and its certificate, and who may reinstate a suspended one.

Workflow triggers have predicates named `award.<trigger>`, so the API's WorkflowResourceSchema finds them. Only
`reinstate` is fired by people: a published visit suspends, the sweep expires, a new decision replaces.
"""
from __future__ import annotations

from typing import Any

from accredit.permissions import can, has_role, predicate
from accredit.roles import Role


@predicate("award.view")
def can_view_award(user: Any, award: Any) -> bool:
    """Anyone who may see the team sees its award, its history and its certificate."""
    return award is not None and can(user, "team.view", award.team)


@predicate("award.reinstate")
def can_reinstate_award(user: Any, award: Any) -> bool:
    """A quality lead covering the team reinstates a suspended award, with a reason."""
    return award is not None and has_role(user, Role.QUALITY_LEAD, team=award.team)


def _nobody(user: Any, award: Any) -> bool:
    return False


for _trigger in ("suspend", "expire"):
    predicate(f"award.{_trigger}")(_nobody)
