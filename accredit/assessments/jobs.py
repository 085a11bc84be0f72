"""Scheduled self-assessment work: open each period for every active team, close unsubmitted ones as missed.

Both sweeps select by date and state, so running them twice, or late after downtime, does the work once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from accredit.assessments import services
from accredit.assessments.models import SelfAssessment
from accredit.extensions import db
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from workflows.assessment import AssessmentStatus
from workflows.periods import Period, period_containing
from workflows.team import TeamStatus


def open_periods(now: datetime) -> int:
    """Create this period's self-assessment for every active team that lacks one; returns how many.

    Opened in batches (services.open_assessments); a team that another run opened first is skipped without
    undoing the others."""
    scheme = current_scheme()
    period = period_containing(services.today_in_london(now), scheme.assessment_cadence, scheme.assessment_due_after_days)
    return services.open_assessments(teams_without(period), period)


def teams_without(period: Period) -> list[Team]:
    """The active teams open during `period` that have no self-assessment for it, in id order."""
    has_one = sa.select(SelfAssessment.id).where(
        SelfAssessment.team_id == Team.id, SelfAssessment.period_start == period.start
    ).exists()
    return list(db.session.scalars(
        sa.select(Team).where(Team.status == TeamStatus.ACTIVE, Team.opened_on <= period.end, ~has_one)
        .order_by(Team.id)
    ))


def close_ended_periods(now: datetime) -> int:
    """Mark every unsubmitted self-assessment whose period has ended as missed; returns how many."""
    today = services.today_in_london(now)
    ended = db.session.execute(  # rows, not objects: at month end every team's period closes at once
        sa.select(SelfAssessment.id, SelfAssessment.status).where(
            SelfAssessment.period_end < today,
            SelfAssessment.status.in_([AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS]),
        )
    ).all()
    return services.close_all_missed(ended, now=now)
