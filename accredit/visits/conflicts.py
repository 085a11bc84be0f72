"""Conflicts of interest (DESIGN.md §5.5) and the peer-review matching rules, for many people at once.

The facts come from role grants and declarations: the teams a person works in (a team member or team lead
role held for that team), the teams their line covers (a team lead role held for the team's service or
division) and the teams they declared a conflict with. `workflows.rules.conflicts_of_interest` judges them.
Every function here reads a fixed number of queries however many people it is asked about.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from accredit.auth.models import RoleAssignment
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role, ScopeKind
from accredit.visits.models import ConflictDeclaration
from workflows.rules import ConflictFacts, conflicts_of_interest
from workflows.visit import VisitKind

#: Roles held for a team that make a person one of its staff.
STAFF_ROLES = (Role.TEAM_MEMBER, Role.TEAM_LEAD)


@dataclass(frozen=True)
class Person:
    """What the conflict check knows of one person, as it concerns one team."""

    facts: ConflictFacts
    teams: list[Team] = field(default_factory=list)  #: the teams they work in, by name

    @property
    def specialties(self) -> list[str]:
        """The types of the teams they work in: what a like-for-like peer review matches on."""
        return sorted({t.team_type.label for t in self.teams})


def _staff_teams(user_ids: Collection[int]) -> dict[int, list[Team]]:
    rows = db.session.execute(
        sa.select(RoleAssignment.user_id, Team)
        .join(Team, Team.id == RoleAssignment.scope_id)
        .where(RoleAssignment.user_id.in_(user_ids), RoleAssignment.scope_kind == ScopeKind.TEAM,
               RoleAssignment.role.in_(STAFF_ROLES))
        .order_by(Team.name)
    )
    found: dict[int, list[Team]] = defaultdict(list)
    for user_id, team in rows:
        if team not in found[user_id]:
            found[user_id].append(team)
    return found


def _line_managers(team: Team, user_ids: Collection[int]) -> set[int]:
    """Who holds a team lead role for the team's service or division: the team is in the line they manage."""
    covers = sa.or_(
        sa.and_(RoleAssignment.scope_kind == ScopeKind.SERVICE, RoleAssignment.scope_id == team.service_id),
        sa.and_(RoleAssignment.scope_kind == ScopeKind.DIVISION, RoleAssignment.scope_id == team.service.division_id),
    )
    return set(db.session.scalars(
        sa.select(RoleAssignment.user_id)
        .where(RoleAssignment.user_id.in_(user_ids), RoleAssignment.role == Role.TEAM_LEAD, covers)
    ))


def _declared(team: Team, user_ids: Collection[int]) -> set[int]:
    return set(db.session.scalars(
        sa.select(ConflictDeclaration.user_id)
        .where(ConflictDeclaration.user_id.in_(user_ids), ConflictDeclaration.team_id == team.id)
    ))


def people(team: Team, user_ids: Collection[int]) -> dict[int, Person]:
    """Each person's facts as they concern `team` (three queries, whatever the number of people)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    staff, managers, declared = _staff_teams(ids), _line_managers(team, ids), _declared(team, ids)
    here = frozenset({team.id})
    return {
        user_id: Person(
            ConflictFacts(member_of=frozenset(t.id for t in staff.get(user_id, [])),
                          manages=here if user_id in managers else frozenset(),
                          declared=here if user_id in declared else frozenset()),
            staff.get(user_id, []),
        )
        for user_id in ids
    }


def kind_problems(kind: VisitKind, team: Team, person: Person) -> list[str]:
    """Why this person cannot give this kind of review: peer reviews need a team of the same type, objective
    reviews someone from outside the team's service. A QRV has no such rule."""
    if kind is VisitKind.PEER_REVIEW:
        wanted = team.team_type
        if not any(t.team_type is wanted and t.id != team.id for t in person.teams):
            return [f"is not in another {wanted.label.lower()} team, so cannot give a like-for-like peer review"]
    if kind is VisitKind.OBJECTIVE_REVIEW:
        inside = [t.name for t in person.teams if t.service_id == team.service_id]
        if inside:
            return [f"works in {inside[0]}, in the same service, so cannot give an objective review"]
    return []


def reasons_against(kind: VisitKind, team: Team, person: Person) -> list[str]:
    """Every reason this person should not review `team` in a visit of `kind` (empty when there is none)."""
    return conflicts_of_interest(team.id, person.facts) + kind_problems(kind, team, person)


def check(visit: Any, user_ids: Collection[int]) -> dict[int, list[str]]:
    """Every reason against each person reviewing `visit` (a fixed number of queries for any number of people)."""
    found = people(visit.team, user_ids)
    return {user_id: reasons_against(visit.kind, visit.team, person) for user_id, person in found.items()}


def describe(name: str, team_name: str, reasons: list[str]) -> str:
    """The sentence people read: 'Riley Reviewer cannot review Ward 7: works in this team; ...'."""
    return f"{name} cannot review {team_name}: {'; '.join(reasons)}"
