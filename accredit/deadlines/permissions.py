"""Who may pause a team's deadlines: a quality lead whose scope covers the team (DESIGN.md §5.4)."""
from __future__ import annotations

from typing import Any

from accredit.permissions import has_role, predicate
from accredit.roles import Role


@predicate("deadlines.pause")
def can_pause_deadlines(user: Any, team: Any) -> bool:
    return team is not None and has_role(user, Role.QUALITY_LEAD, team=team)
