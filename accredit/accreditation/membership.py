"""Who may sit at pre-panel or on the panel for a team: their roles, conflicts of interest and division.

Conflicts are judged as for reviewers (DESIGN.md §5.5): `accredit.visits.conflicts.people` gathers the facts
and `workflows.rules.conflicts_of_interest` judges them. A person is from outside the team's division when none
of their roles is held for that division, a service in it, or a team in it.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from accredit.extensions import db
from accredit.org.models import Service, Team
from accredit.permissions import has_role
from accredit.roles import Role, ScopeKind
from accredit.visits import conflicts
from workflows.rules import conflicts_of_interest

CHAIR_ROLES = (Role.PANEL_CHAIR,)
MEMBER_ROLES = (Role.PANEL_MEMBER, Role.PANEL_CHAIR)


def may_sit(user: Any, team: Any, *, chair: bool = False) -> bool:
    """Active, and holding a panel role (the chair role, for a chair) covering the team."""
    return user is not None and user.is_active and has_role(user, *(CHAIR_ROLES if chair else MEMBER_ROLES), team=team)


def conflicts_for(team: Team, user_ids: Collection[int]) -> dict[int, list[str]]:
    """Every conflict-of-interest reason per person ([] for none), in a fixed number of queries."""
    found = conflicts.people(team, user_ids)
    return {user_id: conflicts_of_interest(team.id, person.facts) for user_id, person in found.items()}


def outside_division(team: Team, users: Collection[Any]) -> dict[int, bool]:
    """Per user id: True when none of their roles is held within the team's division."""
    division_id = team.service.division_id
    services = set(db.session.scalars(sa.select(Service.id).where(Service.division_id == division_id)))
    teams = set(db.session.scalars(sa.select(Team.id).where(Team.service_id.in_(services)))) if services else set()
    inside = {ScopeKind.DIVISION: {division_id}, ScopeKind.SERVICE: services, ScopeKind.TEAM: teams}
    return {u.id: not any(a.scope_id in inside.get(a.scope_kind, ()) for a in u.roles) for u in users}


def candidates(team: Team, *, chair: bool = False) -> list[Any]:
    """Active people holding a panel role (the chair role, for chairs) covering the team, by name."""
    from accredit.auth.models import RoleAssignment, User

    roles = CHAIR_ROLES if chair else MEMBER_ROLES
    users = db.session.scalars(
        sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.active.is_(True), RoleAssignment.role.in_(roles)).distinct().order_by(User.name, User.id))
    return [u for u in users if may_sit(u, team, chair=chair)]
