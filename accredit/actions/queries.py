"""Reusable reads over improvement actions: one action, a team's plan by state, owners, standards, what is due."""
from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accredit.actions.models import Action
from accredit.audit import AuditEvent
from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.frameworks.models import Standard
from accredit.frameworks.services import current_version
from accredit.org.models import Team
from accredit.roles import Role, ScopeKind
from workflows.action import ActionStatus
from workflows.team import TeamStatus

#: The plan's sections, in the order an action moves through them.
PLAN_ORDER = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_EVIDENCE, ActionStatus.CLOSED]
#: Who appears in the owner choice: the team's own staff.
STAFF_ROLES = (Role.TEAM_MEMBER, Role.TEAM_LEAD)


def load_action(action_id: int) -> Action | None:
    """The action with its team, people, visit and evidence loaded, or None."""
    return db.session.scalar(
        sa.select(Action).where(Action.id == action_id).options(
            joinedload(Action.team), joinedload(Action.owner), joinedload(Action.created_by),
            joinedload(Action.verified_by), joinedload(Action.visit), selectinload(Action.evidence),
        )
    )


def plan_query(team_id: int, *, states: Collection[ActionStatus] = (), owner_id: int | None = None) -> sa.Select:
    """A team's actions, soonest due first, owners loaded; narrowed to `states` and `owner_id` when given."""
    query = (
        sa.select(Action).where(Action.team_id == team_id)
        .options(joinedload(Action.owner))
        .order_by(Action.due_on, Action.id)
    )
    if states:
        query = query.where(Action.status.in_(list(states)))
    if owner_id is not None:
        query = query.where(Action.owner_id == owner_id)
    return query


def plan(team_id: int, *, states: Collection[ActionStatus] = (), owner_id: int | None = None
         ) -> dict[ActionStatus, list[Action]]:
    """A team's actions grouped by state in PLAN_ORDER (every state present, perhaps empty); one query."""
    grouped: dict[ActionStatus, list[Action]] = {state: [] for state in PLAN_ORDER}
    for action in db.session.scalars(plan_query(team_id, states=states, owner_id=owner_id)):
        grouped[action.status].append(action)
    return grouped


def _covering(team: Team) -> sa.ColumnElement[bool]:
    """Role assignments whose scope covers `team`."""
    return sa.or_(
        RoleAssignment.scope_kind == ScopeKind.TRUST,
        sa.and_(RoleAssignment.scope_kind == ScopeKind.DIVISION, RoleAssignment.scope_id == team.service.division_id),
        sa.and_(RoleAssignment.scope_kind == ScopeKind.SERVICE, RoleAssignment.scope_id == team.service_id),
        sa.and_(RoleAssignment.scope_kind == ScopeKind.TEAM, RoleAssignment.scope_id == team.id),
    )


def staff(team: Team) -> list[User]:
    """Active people holding a team role (member or lead) that covers `team`, by name: who may be chosen as owner."""
    grants = sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(STAFF_ROLES), _covering(team))
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(grants), User.active.is_(True)).order_by(User.name, User.id)
    ))


def owners_in_plan(team_id: int) -> list[User]:
    """Everyone who owns an action of the team (for the plan's owner filter), by name."""
    owners = sa.select(Action.owner_id).where(Action.team_id == team_id)
    return list(db.session.scalars(sa.select(User).where(User.id.in_(owners)).order_by(User.name, User.id)))


def standards_for(team: Team) -> list[Standard]:
    """The standards of the current version of the team's framework, in framework order ([] if not imported)."""
    version = current_version(team.framework_key)
    if version is None:
        return []
    return list(db.session.scalars(
        sa.select(Standard).where(Standard.framework_version_id == version.id).order_by(Standard.position)
    ))


def history(action: Action) -> list[AuditEvent]:
    """Every audit row of the action (raised, changed, moved on), oldest first, with who did it."""
    return list(db.session.scalars(
        sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.subject_type == Action.__tablename__, AuditEvent.subject_id == action.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))


def due_by(day: date) -> sa.Select:
    """Actions still with the team (open or in progress) due on or before `day`, in active teams, soonest first,
    with team and owner loaded: what the due and overdue reminders (DESIGN.md §6) look at."""
    return (
        sa.select(Action).join(Team, Team.id == Action.team_id)
        .where(Action.status.in_([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]), Action.due_on <= day,
               Team.status == TeamStatus.ACTIVE)
        .options(joinedload(Action.team), joinedload(Action.owner))
        .order_by(Action.due_on, Action.id)
    )


def overdue_count(team_id: int, today: date) -> int:
    """How many of the team's actions are past their due date and not closed."""
    return db.session.scalar(
        sa.select(sa.func.count(Action.id)).where(Action.team_id == team_id, Action.status != ActionStatus.CLOSED,
                                                  Action.due_on < today)
    ) or 0
