"""Who a notification goes to: an audience (`team_lead`, `division_quality_lead`, ...) resolved to people.

Roles are loaded once per sweep, so resolving an audience for a thousand teams costs one query.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from accredit.auth.models import RoleAssignment, User
from accredit.bulk import one_of
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
    """Active people by the roles they hold; `people(team, audience)` answers from memory.

    The grants are read on the first question, not before: a sweep with nothing owed reads nothing. Given
    `teams`, only the grants that can reach those teams are read (the trust's, and their divisions', services'
    and own), and a question about another team is refused; without, every grant is read (a month-end sweep
    asks about every team, and loading a whole trust's 30,000 grants with their people costs about a second).
    """

    def __init__(self, teams: Iterable[Any] | None = None) -> None:
        self._teams = None if teams is None else {team.id: team for team in teams}
        self._holders: dict[tuple[ScopeKind, int | None, Role], list[User]] | None = None

    def people(self, team: Any, audience: str) -> list[User]:
        """The active people in `audience` for `team`, ordered by email; ValueError for an unknown audience, or
        a team these audiences were not made for."""
        if audience not in _WHO:
            raise ValueError(f"unknown audience {audience!r}")
        if self._teams is not None and team.id not in self._teams:
            raise ValueError(f"these audiences were read for other teams than {team.name}")
        holders = self._grants()
        roles, kinds = _WHO[audience]
        scope_of = {ScopeKind.TRUST: None, ScopeKind.DIVISION: team.service.division_id,
                    ScopeKind.SERVICE: team.service_id, ScopeKind.TEAM: team.id}
        found = {user.id: user for kind in kinds for role in roles
                 for user in holders.get((kind, scope_of[kind], role), ())}
        return sorted(found.values(), key=lambda u: u.email)

    def _grants(self) -> dict[tuple[ScopeKind, int | None, Role], list[User]]:
        if self._holders is None:
            query = (sa.select(RoleAssignment.scope_kind, RoleAssignment.scope_id, RoleAssignment.role, User)
                     .join(RoleAssignment.user).where(User.active.is_(True)))
            if self._teams is not None:
                query = query.where(_reaching(self._teams.values()))
            # By scope and role, so that a team's audience is a few dictionary look-ups, not a pass over the
            # grants of its four scopes: a month-end sweep asks for 10,000 teams in a trust of 30,000 grants.
            self._holders = defaultdict(list)
            for kind, scope_id, role, user in db.session.execute(query):
                self._holders[(kind, scope_id, role)].append(user)
        return self._holders


def _reaching(teams: Iterable[Any]) -> sa.ColumnElement[bool]:
    """Grants whose scope covers one of `teams`: the trust, or the teams' divisions, services or the teams."""
    teams = list(teams)
    scopes = {ScopeKind.DIVISION: {t.service.division_id for t in teams},
              ScopeKind.SERVICE: {t.service_id for t in teams}, ScopeKind.TEAM: {t.id for t in teams}}
    return sa.or_(RoleAssignment.scope_kind == ScopeKind.TRUST,
                  *[sa.and_(RoleAssignment.scope_kind == kind, one_of(RoleAssignment.scope_id, sorted(ids)))
                    for kind, ids in scopes.items() if ids])
