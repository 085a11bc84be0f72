"""Scheduled self-assessment work: open each period for every active team, close unsubmitted ones as missed.

Both sweeps select by date and state, so running them twice, or late after downtime, does the work once.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from accredit.assessments import services
from accredit.assessments.models import SelfAssessment
from accredit.extensions import db
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from workflows.assessment import AssessmentStatus
from workflows.periods import period_containing
from workflows.team import TeamStatus

log = logging.getLogger(__name__)


def open_periods(now: datetime) -> int:
    """Create this period's self-assessment for every active team that lacks one; returns how many.

    Each team's is made in its own savepoint, so one that another run opened first is skipped without losing
    the others."""
    scheme = current_scheme()
    period = period_containing(services.today_in_london(now), scheme.assessment_cadence, scheme.assessment_due_after_days)
    has_one = sa.select(SelfAssessment.id).where(
        SelfAssessment.team_id == Team.id, SelfAssessment.period_start == period.start
    ).exists()
    teams = db.session.scalars(
        sa.select(Team).where(Team.status == TeamStatus.ACTIVE, Team.opened_on <= period.end, ~has_one)
    ).all()
    created = 0
    for team in teams:
        try:
            # One savepoint per team: a clash with another scheduler opening the same team's period at the
            # same moment (the unique constraint) undoes that team's insert only, not the teams before it.
            with db.session.begin_nested():
                _, made = services.ensure_assessment(team, period)
        except services.AssessmentError:
            continue  # the team's framework is not imported yet; the next run will open it
        except sa.exc.IntegrityError:
            log.info("open_periods: %s's %s period was opened by another run", team.code, period.start)
            continue
        created += made
    return created


def close_ended_periods(now: datetime) -> int:
    """Mark every unsubmitted self-assessment whose period has ended as missed; returns how many."""
    today = services.today_in_london(now)
    ended = db.session.scalars(
        sa.select(SelfAssessment).where(
            SelfAssessment.period_end < today,
            SelfAssessment.status.in_([AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS]),
        )
    ).all()
    for assessment in ended:
        services.close_missed(assessment, now=now)
    return len(ended)
