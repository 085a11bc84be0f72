"""Reusable reads over visits: one visit, a team's visits, the overview, reviewer candidates, the comparison."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.org.models import Service, Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role, ScopeKind
from accredit.visits import conflicts
from accredit.visits.models import Visit, VisitReviewer
from workflows.ratings import Domain, Rating
from workflows.rules import RuleResult, cqc_principles
from workflows.visit import VisitStatus

#: Visits still to happen or be finished: what counts towards a reviewer's load and the overview.
OPEN_STATES = (VisitStatus.PLANNED, VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.DRAFT_REPORT,
               VisitStatus.FACTUAL_ACCURACY)


def _with_details() -> list:
    return [
        joinedload(Visit.team).joinedload(Team.service).joinedload(Service.division),
        selectinload(Visit.reviewers).joinedload(VisitReviewer.user),
        selectinload(Visit.ratings),
    ]


def load_visit(visit_id: int) -> Visit | None:
    """One visit with its team, reviewers and ratings loaded."""
    return db.session.scalar(sa.select(Visit).where(Visit.id == visit_id).options(*_with_details()))


def team_visits_query(team_id: int) -> sa.Select:
    """A team's visits, newest date first (undated ones, not yet planned in full, first of all)."""
    return (
        sa.select(Visit).where(Visit.team_id == team_id)
        .options(selectinload(Visit.reviewers).joinedload(VisitReviewer.user))
        .order_by(Visit.visit_date.is_not(None), Visit.visit_date.desc(), Visit.id.desc())
    )


def overview_query(user: Any) -> sa.Select:
    """Visits not yet published or cancelled that the user covers as a quality lead, reviewer or administrator,
    or is assigned to; soonest first."""
    assigned = sa.select(VisitReviewer.visit_id).where(VisitReviewer.user_id == user.id)
    return (
        sa.select(Visit).join(Team, Team.id == Visit.team_id)
        .options(joinedload(Visit.team), selectinload(Visit.reviewers).joinedload(VisitReviewer.user))
        .where(Visit.status.in_(OPEN_STATES))
        .where(sa.or_(teams_in_scope_clause(user, Role.QUALITY_LEAD, Role.REVIEWER, Role.ADMIN),
                      Visit.id.in_(assigned)))
        .order_by(Visit.visit_date.is_(None), Visit.visit_date, Team.name, Visit.id)
    )


# --- Reviewers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A reviewer who could be assigned: their open visits, their teams' types, and any reasons against them."""

    user: User
    load: int
    specialties: list[str]
    reasons: list[str]


def reviewer_loads(user_ids: Collection[int]) -> dict[int, int]:
    """How many visits not yet published or cancelled each user is assigned to (one query)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(VisitReviewer.user_id, sa.func.count(VisitReviewer.id))
        .join(Visit, Visit.id == VisitReviewer.visit_id)
        .where(VisitReviewer.user_id.in_(ids), Visit.status.in_(OPEN_STATES))
        .group_by(VisitReviewer.user_id)
    )
    counts = dict(rows.all())
    return {user_id: counts.get(user_id, 0) for user_id in ids}


def holders(team: Team, *roles: Role) -> list[User]:
    """Active users holding one of `roles` for a scope that covers `team` (the trust's included), by name."""
    covers = sa.or_(
        RoleAssignment.scope_kind == ScopeKind.TRUST,
        sa.and_(RoleAssignment.scope_kind == ScopeKind.DIVISION, RoleAssignment.scope_id == team.service.division_id),
        sa.and_(RoleAssignment.scope_kind == ScopeKind.SERVICE, RoleAssignment.scope_id == team.service_id),
        sa.and_(RoleAssignment.scope_kind == ScopeKind.TEAM, RoleAssignment.scope_id == team.id),
    )
    grants = sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(roles), covers)
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(grants), User.active.is_(True)).order_by(User.name, User.id)
    ))


def reviewer_candidates(visit: Visit) -> list[Candidate]:
    """Reviewers who cover the visit's team and are not yet assigned, each with their load, specialty and the
    reasons against them; a fixed number of queries however many there are."""
    assigned = set(visit.reviewer_ids())
    users = [u for u in holders(visit.team, Role.REVIEWER) if u.id not in assigned]
    ids = [u.id for u in users]
    loads, found = reviewer_loads(ids), conflicts.people(visit.team, ids)
    return [
        Candidate(u, loads[u.id], found[u.id].specialties,
                  conflicts.reasons_against(visit.kind, visit.team, found[u.id]))
        for u in users
    ]


# --- Ratings beside each other ---------------------------------------------------------------------------


def latest_self_assessment(team_id: int) -> Any:
    """The team's latest submitted or accepted self-assessment with its framework version (not its answers:
    self_assessed_by_domain reads only their ratings); None if there is none."""
    from accredit.assessments.models import SelfAssessment
    from workflows.assessment import AssessmentStatus

    return db.session.scalar(
        sa.select(SelfAssessment)
        .where(SelfAssessment.team_id == team_id,
               SelfAssessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]))
        .order_by(SelfAssessment.period_start.desc()).limit(1)
        .options(joinedload(SelfAssessment.framework_version))
    )


def self_assessed_by_domain(assessment: Any) -> dict[Domain, Rating | None]:
    """The domain ratings computed from a self-assessment (all None when there is none), from its stored
    ratings in one query."""
    if assessment is None:
        return {d: None for d in Domain}
    from accredit.assessments.queries import domain_results, stored_ratings_by_domain
    from accredit.schemes.services import current_scheme

    ratings = stored_ratings_by_domain(assessment.id)
    return {d: r.value for d, r in domain_results(assessment, current_scheme(), ratings).items()}


def latest_published_visit(team_id: int) -> Visit | None:
    """The team's latest published visit of any kind with its domain ratings (joined: one query), or None."""
    return db.session.scalars(
        sa.select(Visit).where(Visit.team_id == team_id, Visit.status == VisitStatus.PUBLISHED)
        .order_by(Visit.visit_date.desc(), Visit.published_at.desc(), Visit.id.desc()).limit(1)
        .options(joinedload(Visit.ratings))
    ).unique().first()


@dataclass(frozen=True)
class Comparison:
    """Per domain, the team's own latest rating beside a visit's: what the team page and the visit page show."""

    assessment: Any
    visit: Visit | None
    rows: list[tuple[Domain, Rating | None, Rating | None]]


def compare(assessment: Any, visit: Visit | None) -> Comparison:
    mine = self_assessed_by_domain(assessment)
    rows = []
    for domain in Domain:
        rated = visit.rating_for(domain) if visit is not None else None
        rows.append((domain, mine[domain], rated.rating if rated else None))
    return Comparison(assessment, visit, rows)


def self_vs_visit(team: Team) -> Comparison:
    """The team's latest self-assessment beside its latest published visit, domain by domain."""
    return compare(latest_self_assessment(team.id), latest_published_visit(team.id))


def overall_from(by_domain: Mapping[Domain, Rating | None]) -> RuleResult:
    """The overall rating the CQC ratings principles give five domain ratings, with its explanation; None (and
    an explanation saying what is missing) until every domain is rated."""
    ratings = [by_domain.get(d) for d in Domain]
    missing = sum(r is None for r in ratings)
    if missing:
        return RuleResult(None, f"Not computed yet: {missing} of {len(Domain)} domains are not rated",
                          "cqc_principles", {})
    return cqc_principles(ratings, what="domains")


def visit_ratings(visit: Visit) -> dict[Domain, Rating | None]:
    return {d: (r.rating if (r := visit.rating_for(d)) is not None else None) for d in Domain}


def computed_overall(visit: Visit) -> RuleResult:
    """The overall rating computed from the visit's domain ratings as they stand."""
    return overall_from(visit_ratings(visit))


def actions_raised(visit_id: int) -> list[Any]:
    """The improvement actions raised at a visit, with their owners, in the order they were raised."""
    from accredit.actions.models import Action

    return list(db.session.scalars(
        sa.select(Action).where(Action.visit_id == visit_id).options(joinedload(Action.owner)).order_by(Action.id)
    ))
