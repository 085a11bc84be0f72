"""Reusable reads for awards: one with its parts, a team's, the public list, those a sweep works on, as of a date."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from accredit.audit import AuditEvent
from accredit.awards.models import Award, AwardSuspension
from accredit.extensions import db
from accredit.org.models import Service, Team
from accredit.permissions import teams_in_scope_clause
from workflows.accreditation import AwardKind, AwardStatus
from workflows.team import TeamStatus

CURRENT = (AwardStatus.ACTIVE, AwardStatus.SUSPENDED)


def load_award(award_id: int) -> Award | None:
    """The award with its team, ratings and suspensions, or None."""
    return db.session.scalar(
        sa.select(Award).where(Award.id == award_id)
        .options(joinedload(Award.team).joinedload(Team.service), selectinload(Award.ratings),
                 selectinload(Award.suspensions))
    )


def current_award(team_id: int) -> Award | None:
    """The team's active or suspended award, if it holds one (at most one: a unique index says so)."""
    return db.session.scalar(sa.select(Award).where(Award.team_id == team_id, Award.status.in_(CURRENT)).limit(1))


def team_awards(team_id: int) -> list[Award]:
    """Every award the team has held, newest first."""
    return list(db.session.scalars(
        sa.select(Award).where(Award.team_id == team_id).order_by(Award.granted_on.desc(), Award.id.desc())
    ))


def awards_query(user, *, team_id: int | None = None, state: AwardStatus | None = None) -> sa.Select:
    """Awards of the teams the user may see, optionally of one team or in one state, newest first."""
    query = (sa.select(Award).join(Team, Team.id == Award.team_id).where(teams_in_scope_clause(user))
             .options(contains_eager(Award.team))  # each row names its team: no query per award
             .order_by(Award.granted_on.desc(), Award.id.desc()))
    if team_id is not None:
        query = query.where(Award.team_id == team_id)
    if state is not None:
        query = query.where(Award.status == state)
    return query


def public_list(kind: AwardKind | None = None) -> list[Award]:
    """Active awards of active teams, for the public list: by service, then team."""
    query = (sa.select(Award).join(Team, Team.id == Award.team_id).join(Service, Service.id == Team.service_id)
             .where(Award.status == AwardStatus.ACTIVE, Team.status == TeamStatus.ACTIVE)
             .options(joinedload(Award.team).joinedload(Team.service))
             .order_by(Service.name, Team.name, Award.id))
    if kind is not None:
        query = query.where(Award.kind == kind)
    return list(db.session.scalars(query))


def lapsed(today: date) -> list[Award]:
    """Active or suspended awards whose last valid day is before `today`."""
    return list(db.session.scalars(
        sa.select(Award).where(Award.status.in_(CURRENT), Award.valid_until < today).order_by(Award.id)
    ))


def expiring_within(today: date, days: int) -> list[Award]:
    """Active or suspended awards whose last valid day falls from `today` to `days` days on, oldest first."""
    return list(db.session.scalars(
        sa.select(Award).where(Award.status.in_(CURRENT), Award.valid_until >= today,
                               Award.valid_until <= today + timedelta(days=days))
        .options(joinedload(Award.team).joinedload(Team.service)).order_by(Award.id)
    ))


def held_on(day: date, team_ids: list[int] | None = None) -> list[Award]:
    """Awards held (granted, not ended, not suspended) on `day`: for "as of a date" measures (DESIGN.md §8)."""
    suspended = sa.select(AwardSuspension.id).where(
        AwardSuspension.award_id == Award.id, AwardSuspension.suspended_on <= day,
        sa.or_(AwardSuspension.reinstated_on.is_(None), AwardSuspension.reinstated_on > day)).exists()
    query = sa.select(Award).where(Award.granted_on <= day, Award.valid_until >= day,
                                   sa.or_(Award.ended_on.is_(None), Award.ended_on > day), ~suspended)
    if team_ids is not None:
        query = query.where(Award.team_id.in_(team_ids))
    return list(db.session.scalars(query.order_by(Award.team_id, Award.id)))


def award_history(award_id: int) -> list[AuditEvent]:
    """The award's audit rows, oldest first: its grant, suspensions, reinstatements and end."""
    return list(db.session.scalars(
        sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.subject_type == Award.__tablename__, AuditEvent.subject_id == award_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))
