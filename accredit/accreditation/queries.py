"""Reusable reads for eligibility and invitations: a team's published QRVs, its latest check, its live application."""
from __future__ import annotations

import sqlalchemy as sa

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.assessments.models import LONDON
from accredit.extensions import db
from accredit.visits.models import Visit
from workflows.accreditation import ApplicationStatus
from workflows.rules import VisitOutcome
from workflows.visit import VisitKind, VisitStatus

#: An application in one of these states is live: a team has at most one (a partial unique index says so too).
LIVE_STATES = (ApplicationStatus.INVITED, ApplicationStatus.PREPARING, ApplicationStatus.PRE_PANEL,
               ApplicationStatus.PANEL_READY, ApplicationStatus.APPEALED)


def published_qrvs(team_id: int) -> list[VisitOutcome]:
    """The team's published Quality Review Visits as the eligibility rule sees them (peer reviews, cancelled
    visits and reports still out for factual accuracy never count), oldest first."""
    rows = db.session.execute(
        sa.select(Visit.id, Visit.published_at, Visit.visit_date, Visit.overall_rating)
        .where(Visit.team_id == team_id, Visit.kind == VisitKind.QRV, Visit.status == VisitStatus.PUBLISHED)
        .order_by(Visit.visit_date, Visit.published_at, Visit.id)
    )
    return [VisitOutcome(visit_id=row.id, published_on=row.published_at.astimezone(LONDON).date(),
                         visit_date=row.visit_date or row.published_at.astimezone(LONDON).date(),
                         overall=row.overall_rating)
            for row in rows]


def latest_check(team_id: int) -> EligibilityCheck | None:
    """The team's most recently stored eligibility check, or None."""
    return db.session.scalar(
        sa.select(EligibilityCheck).where(EligibilityCheck.team_id == team_id)
        .order_by(EligibilityCheck.computed_at.desc(), EligibilityCheck.id.desc()).limit(1)
    )


def live_application(team_id: int) -> Application | None:
    """The team's application that is not yet closed or decided, if any."""
    return db.session.scalar(
        sa.select(Application).where(Application.team_id == team_id, Application.status.in_(LIVE_STATES)).limit(1)
    )


def latest_application(team_id: int) -> Application | None:
    """The team's newest application in any state (a live one first), or None; one query."""
    return db.session.scalar(
        sa.select(Application).where(Application.team_id == team_id)
        .order_by(sa.case((Application.status.in_(LIVE_STATES), 0), else_=1),
                  Application.invited_at.desc(), Application.id.desc()).limit(1)
    )
