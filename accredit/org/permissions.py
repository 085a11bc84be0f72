"""Who may see teams and change the organisation."""
from __future__ import annotations

from typing import Any

from accredit.permissions import has_role, has_trust_role, predicate
from accredit.roles import Role


@predicate("teams.list")
def can_list_teams(user: Any, _: Any = None) -> bool:
    """Anyone holding any role has teams to list (possibly just their own)."""
    return bool(user.roles)


@predicate("team.view")
def can_view_team(user: Any, team: Any) -> bool:
    """Any role whose scope covers the team lets its holder see it."""
    return team is not None and has_role(user, *Role, team=team)


@predicate("org.manage")
def can_manage_org(user: Any, _: Any = None) -> bool:
    return has_trust_role(user, Role.ADMIN)


@predicate("users.manage")
def can_manage_users(user: Any, _: Any = None) -> bool:
    return has_trust_role(user, Role.ADMIN)


@predicate("audit.view")
def can_view_audit(user: Any, _: Any = None) -> bool:
    return has_trust_role(user, Role.ADMIN)
