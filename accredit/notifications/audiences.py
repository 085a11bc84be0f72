"""Who a notification goes to: an audience (`team_lead`, `division_quality_lead`, ...) resolved to people.

Roles are loaded once per sweep, so resolving an audience for a thousand teams costs one query.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.roles import Role, ScopeKind

#: How an email says why this person is told ("You are told because you are the team lead for Ward 7").
AUDIENCE_LABELS = {
    "owner": "its owner", "team": "a member of the team", "team_lead": "the team lead",
    "division_quality_lead": "a quality lead for the division", "trust_quality_lead": "a quality lead for the trust",
}


#: Who each audience is: the roles it takes, held for which of the scopes that cover a team.
_COVERING = (ScopeKind.TRUST, ScopeKind.DIVISION, ScopeKind.SERVICE, ScopeKind.TEAM)
_WHO: dict[str, tuple[tuple[Role, ...], tuple[ScopeKind, ...]]] = {
    "team": ((Role.TEAM_MEMBER, Role.TEAM_LEAD), _COVERING),
    "team_lead": ((Role.TEAM_LEAD,), _COVERING),
    "division_quality_lead": ((Role.QUALITY_LEAD,), (ScopeKind.DIVISION,)),
    "trust_quality_lead": ((Role.QUALITY_LEAD,), (ScopeKind.TRUST,)),
}


class Audiences:
    """Active people by the roles they hold; `people(team, audience)` answers from memory."""

    def __init__(self) -> None:
        grants = db.session.execute(
            sa.select(RoleAssignment.scope_kind, RoleAssignment.scope_id, RoleAssignment.role, User)
            .join(RoleAssignment.user).where(User.active.is_(True))
        ).all()
        # By scope and role, so that a team's audience is a few dictionary look-ups, not a pass over the grants
        # of its four scopes: a month-end sweep asks for 10,000 teams in a trust of 30,000 grants.
        self._holders: dict[tuple[ScopeKind, int | None, Role], list[User]] = defaultdict(list)
        for kind, scope_id, role, user in grants:
            self._holders[(kind, scope_id, role)].append(user)

    def people(self, team: Any, audience: str) -> list[User]:
        """The active people in `audience` for `team`, ordered by email; ValueError for an unknown audience."""
        if audience not in _WHO:
            raise ValueError(f"unknown audience {audience!r}")
        roles, kinds = _WHO[audience]
        scope_of = {ScopeKind.TRUST: None, ScopeKind.DIVISION: team.service.division_id,
                    ScopeKind.SERVICE: team.service_id, ScopeKind.TEAM: team.id}
        found = {user.id: user for kind in kinds for role in roles
                 for user in self._holders.get((kind, scope_of[kind], role), ())}
        return sorted(found.values(), key=lambda u: u.email)
