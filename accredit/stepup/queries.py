"""Reading Step-up: a team's regulation, its risk facts and cycle facts as the pure rules take them, the board,
and levels as of any day (for dashboards)."""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from accredit.bulk import one_of
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from accredit.stepup import facts
from accredit.stepup.models import LevelChange, LevelProposal, RiskSignal, StepupRegulation
from workflows.ratings import Rating
from workflows.rules import RuleResult
from workflows.stepup import DEFAULT_LEVEL, ProposalStatus, StepupLevel
from workflows.stepup_rules import (Cycle, CycleStep, Proposed, Signal, StepDone, add_months, current_cycle,
                                    cycle_steps, derived_signals, months_between, propose_level, risk_score)
from workflows.team import TeamStatus


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


# --- A team's position: its facts loaded for many teams at once (facts.py), then the pure rules -----------------

def window_start(today: date, scheme: Any) -> date:
    """The first day signals count from: `stepup_signal_window_months` before today."""
    return add_months(today, -scheme.stepup_signal_window_months) + timedelta(days=1)


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
    return positions([team], today, scheme)[team.id]


def positions(teams: Sequence[Team], today: date, scheme: Any,
              regulations: Mapping[int, StepupRegulation] | None = None) -> dict[int, Position]:
    """Each team's Step-up position as of `today`, by team id, exactly as `position` gives it: a fixed number
    of queries for every `facts.CHUNK` teams, however many teams there are. `regulations`: every one of the
    teams' regulations (with their proposals), by team id, if the caller has just read them; else read here."""
    found: dict[int, Position] = {}
    for chunk in facts.chunked(list(teams)):
        found.update(_positions(chunk, today, scheme, regulations))
    return found


def _positions(teams: Sequence[Team], today: date, scheme: Any,
               known: Mapping[int, StepupRegulation] | None) -> dict[int, Position]:
    """One chunk's positions: the regulations first, as each team's cycle depends on its level."""
    ids = [team.id for team in teams]
    regulations = facts.regulations(ids) if known is None else {i: known[i] for i in ids if i in known}
    cycles = {}
    for team in teams:
        regulation = regulations.get(team.id)
        started = regulation.cycle_started_on if regulation else team.opened_on
        cycles[team.id] = current_cycle(started, regulation.level if regulation else DEFAULT_LEVEL, today, scheme)
    risks = facts.risk_facts(ids, window_start(today, scheme), today, scheme)
    done = facts.cycle_facts(cycles)
    return {team.id: _position(team, regulations.get(team.id), cycles[team.id], risks[team.id], done[team.id],
                               today, scheme)
            for team in teams}


def _position(team: Team, regulation: StepupRegulation | None, cycle: Cycle, found: facts.RiskFacts,
              done: dict[str, StepDone], today: date, scheme: Any) -> Position:
    """One team's position from its facts (no queries)."""
    level = regulation.level if regulation else DEFAULT_LEVEL
    since = regulation.since if regulation else team.opened_on
    derived, good_review = _derived(found, scheme)
    risk = risk_score(found.recorded + derived, scheme)
    months = months_between(since, today)
    return Position(
        team=team, regulation=regulation, level=level, since=since, months_at_level=months, cycle=cycle,
        steps=cycle_steps(cycle, done, today, scheme), risk=risk,
        proposal=propose_level(level, risk, months_at_level=months, has_good_review=good_review, scheme=scheme),
        pending=regulation.pending_proposal if regulation else None,
    )


def _derived(found: facts.RiskFacts, scheme: Any) -> tuple[list[Signal], bool]:
    """The engine's signals from a team's facts, and whether a published review in the window is Good or better."""
    review = found.review
    signals = derived_signals(
        assessment=found.assessment,
        review=(review.visit_date, review.overall_rating, review.title) if review and review.overall_rating else None,
        missed=found.missed, late=found.late, overdue_actions=found.overdue,
    )
    good_review = review is not None and review.overall_rating is not None and review.overall_rating >= Rating.GOOD
    return signals, good_review


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
        sa.select(StepupRegulation).where(one_of(StepupRegulation.team_id, ids)))} if ids else {}
    pending = {p.team_id: p for p in db.session.scalars(
        sa.select(LevelProposal).where(one_of(LevelProposal.team_id, ids), LevelProposal.status == ProposalStatus.PENDING)
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
