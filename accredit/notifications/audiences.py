"""Who a notification goes to: an audience (`team_lead`, `division_quality_lead`, ...) resolved to people.

Roles are loaded once per sweep, so resolving an audience for a thousand teams costs one query.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.permissions import covers
from accredit.roles import Role, ScopeKind

#: How an email says why this person is told ("You are told because you are the team lead for Ward 7").
AUDIENCE_LABELS = {
    "owner": "its owner", "team": "a member of the team", "team_lead": "the team lead",
    "division_quality_lead": "a quality lead for the division", "trust_quality_lead": "a quality lead for the trust",
}


class Audiences:
    """Active people by the roles they hold; `people(team, audience)` answers from memory."""

    def __init__(self) -> None:
        self._grants = db.session.scalars(
            sa.select(RoleAssignment).join(RoleAssignment.user).where(User.active.is_(True))
            .options(contains_eager(RoleAssignment.user))
        ).all()
        # By scope, so that a team's audience is looked up among the grants of its four scopes, not among all
        # of them: a month-end sweep asks for 10,000 teams in a trust of 30,000 grants.
        self._by_scope: dict[tuple[ScopeKind, int | None], list[RoleAssignment]] = defaultdict(list)
        for grant in self._grants:
            self._by_scope[(grant.scope_kind, grant.scope_id)].append(grant)

    def _covering(self, team: Any) -> list[RoleAssignment]:
        """The grants whose scope covers `team`: the trust's, its division's, its service's and its own."""
        return [*self._by_scope.get((ScopeKind.TRUST, None), ()),
                *self._by_scope.get((ScopeKind.DIVISION, team.service.division_id), ()),
                *self._by_scope.get((ScopeKind.SERVICE, team.service_id), ()),
                *self._by_scope.get((ScopeKind.TEAM, team.id), ())]

    def people(self, team: Any, audience: str) -> list[User]:
        """The active people in `audience` for `team`, ordered by email; ValueError for an unknown audience."""
        matches = {
            "team": lambda g: g.role in (Role.TEAM_MEMBER, Role.TEAM_LEAD) and covers(g, team),
            "team_lead": lambda g: g.role is Role.TEAM_LEAD and covers(g, team),
            "division_quality_lead": lambda g: g.role is Role.QUALITY_LEAD and g.scope_kind is ScopeKind.DIVISION
            and g.scope_id == team.service.division_id,
            "trust_quality_lead": lambda g: g.role is Role.QUALITY_LEAD and g.scope_kind is ScopeKind.TRUST,
        }
        if audience not in matches:
            raise ValueError(f"unknown audience {audience!r}")
        found = {g.user.id: g.user for g in self._covering(team) if matches[audience](g)}
        return sorted(found.values(), key=lambda u: u.email)
