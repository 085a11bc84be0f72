"""Reading Step-up: a team's regulation, its risk facts and cycle facts as the pure rules take them, the board,
and levels as of any day (for dashboards)."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accredit.actions.models import Action
from accredit.assessments.models import LONDON, SelfAssessment
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from accredit.stepup.models import LevelChange, LevelProposal, RiskSignal, StepupRegulation
from accredit.visits.models import Visit
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating
from workflows.rules import RuleResult
from workflows.stepup import DEFAULT_LEVEL, ProposalStatus, StepupLevel
from workflows.stepup_rules import (Cycle, CycleStep, Proposed, Signal, StepDone, add_months, current_cycle,
                                    cycle_steps, derived_signals, months_between, propose_level, risk_score)
from workflows.team import TeamStatus
from workflows.visit import VisitKind, VisitStatus

#: Reviews that count as the cycle's second step (a QRV is the trust's own programme, not the team's cycle).
CYCLE_REVIEW_KINDS = (VisitKind.PEER_REVIEW, VisitKind.OBJECTIVE_REVIEW)


def regulation_for(team_id: int) -> StepupRegulation | None:
    return db.session.scalar(sa.select(StepupRegulation).where(StepupRegulation.team_id == team_id)
                             .options(selectinload(StepupRegulation.proposals)))


def load_regulation(regulation_id: int) -> StepupRegulation | None:
    return db.session.scalar(sa.select(StepupRegulation).where(StepupRegulation.id == regulation_id)
                             .options(joinedload(StepupRegulation.team), selectinload(StepupRegulation.proposals)))


def signals_for(team_id: int, *, since: date | None = None) -> list[RiskSignal]:
    """The team's recorded signals, newest first (from `since`, if given)."""
    query = sa.select(RiskSignal).where(RiskSignal.team_id == team_id).options(joinedload(RiskSignal.recorded_by))
    if since is not None:
        query = query.where(RiskSignal.occurred_on >= since)
    return list(db.session.scalars(query.order_by(RiskSignal.occurred_on.desc(), RiskSignal.id.desc())))


def level_changes(team_id: int) -> list[LevelChange]:
    return list(db.session.scalars(
        sa.select(LevelChange).where(LevelChange.team_id == team_id).options(joinedload(LevelChange.changed_by))
        .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc())
    ))


# --- Risk facts ---------------------------------------------------------------------------------------------

def window_start(today: date, scheme: Any) -> date:
    """The first day signals count from: `stepup_signal_window_months` before today."""
    return add_months(today, -scheme.stepup_signal_window_months) + timedelta(days=1)


def _london_day(moment: Any) -> date:
    return moment.astimezone(LONDON).date()


def _latest_assessment(team_id: int, since: date) -> SelfAssessment | None:
    from accredit.assessments.queries import with_answers

    return db.session.scalar(
        sa.select(SelfAssessment)
        .where(SelfAssessment.team_id == team_id, SelfAssessment.period_end >= since,
               SelfAssessment.status.in_([AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED]))
        .order_by(SelfAssessment.period_start.desc()).limit(1).options(*with_answers())
    )


def _latest_review(team_id: int, since: date) -> Visit | None:
    """The team's latest published review of any kind in the window."""
    return db.session.scalar(
        sa.select(Visit).where(Visit.team_id == team_id, Visit.status == VisitStatus.PUBLISHED,
                               Visit.visit_date >= since)
        .order_by(Visit.visit_date.desc(), Visit.id.desc()).limit(1)
    )


def _derived(team_id: int, today: date, scheme: Any) -> tuple[list[Signal], bool]:
    """The engine's signals for the team, and whether a published review in the window is Good or better."""
    from accredit.assessments.queries import overall_result

    since = window_start(today, scheme)
    assessment = _latest_assessment(team_id, since)
    rated = overall_result(assessment, scheme).value if assessment is not None else None
    review = _latest_review(team_id, since)
    periods = db.session.execute(
        sa.select(SelfAssessment.period_start, SelfAssessment.status, SelfAssessment.due_on,
                  SelfAssessment.submitted_at)
        .where(SelfAssessment.team_id == team_id, SelfAssessment.period_end >= since,
               SelfAssessment.period_start <= today)
        .order_by(SelfAssessment.period_start)
    ).all()
    missed = [p.period_start for p in periods if p.status is AssessmentStatus.MISSED]
    late = [p.period_start for p in periods if p.submitted_at is not None and _london_day(p.submitted_at) > p.due_on]
    overdue = db.session.execute(
        sa.select(Action.due_on, Action.title)
        .where(Action.team_id == team_id, Action.status != ActionStatus.CLOSED, Action.due_on < today)
        .order_by(Action.due_on, Action.id)
    ).all()
    signals = derived_signals(
        assessment=(assessment.submitted_on or assessment.period_end, rated) if rated is not None else None,
        review=(review.visit_date, review.overall_rating, review.title) if review and review.overall_rating else None,
        missed=missed, late=late, overdue_actions=[(a.due_on, a.title) for a in overdue],
    )
    good_review = review is not None and review.overall_rating is not None and review.overall_rating >= Rating.GOOD
    return signals, good_review


def recorded_signals(team_id: int, today: date, scheme: Any) -> list[Signal]:
    return [Signal("recorded", s.severity, s.occurred_on, f"{s.kind.label}: {s.description}")
            for s in signals_for(team_id, since=window_start(today, scheme)) if s.occurred_on <= today]


@dataclass(frozen=True)
class Position:
    """Where a team stands today: level, time there, the cycle, the risk and what the engine proposes."""

    team: Team
    regulation: StepupRegulation | None
    level: StepupLevel
    since: date
    months_at_level: int
    cycle: Cycle
    steps: list[CycleStep]
    risk: RuleResult[int]
    proposal: RuleResult[Proposed | None]
    pending: LevelProposal | None

    @property
    def reasons(self) -> list[Any]:
        return self.risk.inputs["reasons"]

    @property
    def has_red(self) -> bool:
        return self.risk.inputs["has_red"]


def position(team: Team, today: date, scheme: Any) -> Position:
    """The team's Step-up position as of `today` (a team with no regulation row: standard since it opened)."""
    regulation = regulation_for(team.id)
    level = regulation.level if regulation else DEFAULT_LEVEL
    since = regulation.since if regulation else team.opened_on
    started = regulation.cycle_started_on if regulation else team.opened_on
    derived, good_review = _derived(team.id, today, scheme)
    risk = risk_score(recorded_signals(team.id, today, scheme) + derived, scheme)
    months = months_between(since, today)
    cycle = current_cycle(started, level, today, scheme)
    return Position(
        team=team, regulation=regulation, level=level, since=since, months_at_level=months, cycle=cycle,
        steps=cycle_steps(cycle, cycle_facts(team.id, cycle), today, scheme), risk=risk,
        proposal=propose_level(level, risk, months_at_level=months, has_good_review=good_review, scheme=scheme),
        pending=regulation.pending_proposal if regulation else None,
    )


# --- The cycle's steps ---------------------------------------------------------------------------------------

def _within(column: Any, cycle: Cycle) -> sa.ColumnElement[bool]:
    return sa.and_(column >= cycle.start, column <= cycle.end)


def _moment_within(column: Any, cycle: Cycle) -> sa.ColumnElement[bool]:
    """A timestamp column within the cycle's days, London time."""
    first = datetime.combine(cycle.start, time(), LONDON).astimezone(UTC)
    after = datetime.combine(cycle.end + timedelta(days=1), time(), LONDON).astimezone(UTC)
    return sa.and_(column >= first, column < after)


def cycle_facts(team_id: int, cycle: Cycle) -> dict[str, StepDone | None]:
    """Which of the four steps the team has done in `cycle`, with the day and what shows it."""
    done: dict[str, StepDone | None] = {}
    first = db.session.scalar(
        sa.select(SelfAssessment).where(SelfAssessment.team_id == team_id, _moment_within(SelfAssessment.submitted_at,
                                                                                         cycle))
        .order_by(SelfAssessment.submitted_at).limit(1))
    if first is not None:
        done["self_assessment"] = StepDone(first.submitted_on, f"Self-assessment for {first.period_label} submitted")
    review = db.session.scalar(
        sa.select(Visit).where(Visit.team_id == team_id, Visit.kind.in_(CYCLE_REVIEW_KINDS),
                               Visit.status == VisitStatus.PUBLISHED, _within(Visit.visit_date, cycle))
        .order_by(Visit.visit_date, Visit.id).limit(1)
    )
    if review is not None:
        done["peer_review"] = StepDone(review.visit_date, f"{review.title}, published")
    actions = db.session.scalars(
        sa.select(Action).where(Action.team_id == team_id, _moment_within(Action.created_at, cycle))
        .order_by(Action.created_at, Action.id)).all()
    if actions:
        done["improvement_plan"] = StepDone(_london_day(actions[0].created_at),
                                            f"{len(actions)} action{'s' if len(actions) != 1 else ''} raised")
        if all(a.status is ActionStatus.CLOSED for a in actions):
            last = max(_london_day(a.verified_at) for a in actions)
            done["validation_review"] = StepDone(last, "Every action of the plan verified and closed")
    return done


# --- The board and dashboards ---------------------------------------------------------------------------

def pending_proposals(user: Any) -> list[LevelProposal]:
    """Proposals waiting for a decision in the teams the user covers as a quality lead, oldest first."""
    return list(db.session.scalars(
        sa.select(LevelProposal).join(Team, Team.id == LevelProposal.team_id)
        .where(LevelProposal.status == ProposalStatus.PENDING, teams_in_scope_clause(user, Role.QUALITY_LEAD))
        .options(joinedload(LevelProposal.team)).order_by(LevelProposal.proposed_at, LevelProposal.id)
    ))


@dataclass(frozen=True)
class BoardRow:
    team: Team
    level: StepupLevel
    since: date
    score: int | None
    pending: LevelProposal | None


def board(user: Any) -> dict[StepupLevel, list[BoardRow]]:
    """The active teams the user covers as a quality lead (administrators: the trust), by level, most intensive
    first, each with its last reviewed score and pending proposal. Three queries however many teams."""
    roles = (Role.QUALITY_LEAD, Role.ADMIN)
    teams = db.session.scalars(
        sa.select(Team).where(Team.status == TeamStatus.ACTIVE, teams_in_scope_clause(user, *roles))
        .order_by(Team.name, Team.id)
    ).all()
    ids = [t.id for t in teams]
    regulations = {r.team_id: r for r in db.session.scalars(
        sa.select(StepupRegulation).where(StepupRegulation.team_id.in_(ids)))} if ids else {}
    pending = {p.team_id: p for p in db.session.scalars(
        sa.select(LevelProposal).where(LevelProposal.team_id.in_(ids), LevelProposal.status == ProposalStatus.PENDING)
    )} if ids else {}
    grouped: dict[StepupLevel, list[BoardRow]] = {level: [] for level in reversed(StepupLevel)}
    for team in teams:
        reg = regulations.get(team.id)
        grouped[reg.level if reg else DEFAULT_LEVEL].append(
            BoardRow(team, reg.level if reg else DEFAULT_LEVEL, reg.since if reg else team.opened_on,
                     reg.score if reg else None, pending.get(team.id)))
    return grouped


def levels_on(day: date, team_ids: Collection[int] | None = None) -> dict[int, StepupLevel]:
    """Each team's level at the end of `day` (teams never changed: standard), from the level changes.

    For dashboards' `as_of`: only changes made on or before `day` count, so the answer never moves later.
    """
    query = sa.select(Team.id).where(Team.opened_on <= day)
    if team_ids is not None:
        query = query.where(Team.id.in_(list(team_ids)))
    levels = {team_id: DEFAULT_LEVEL for team_id in db.session.scalars(query)}
    changes = db.session.execute(
        sa.select(LevelChange.team_id, LevelChange.to_level).where(LevelChange.changed_on <= day)
        .order_by(LevelChange.changed_at, LevelChange.id)
    ).all()
    for team_id, to_level in changes:
        if team_id in levels:
            levels[team_id] = to_level
    return levels


def level_on(team_id: int, day: date) -> StepupLevel:
    """One team's level at the end of `day`."""
    change = db.session.scalar(
        sa.select(LevelChange.to_level).where(LevelChange.team_id == team_id, LevelChange.changed_on <= day)
        .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc()).limit(1)
    )
    return change or DEFAULT_LEVEL
