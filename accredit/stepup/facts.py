"""Step-up's facts for many teams at once, grouped by team: each kind is one query per chunk of teams, so the
daily sweep costs the same number of statements for ten teams as for ten thousand."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from accredit.actions.models import Action
from accredit.assessments.models import LONDON, SelfAssessment, london_day, period_label
from accredit.assessments.queries import overall_ratings
from accredit.bulk import one_of, unnest_rows
from accredit.extensions import db
from accredit.stepup.models import RiskSignal, StepupRegulation
from accredit.visits.models import Visit
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating
from workflows.stepup_rules import Cycle, Signal, StepDone
from workflows.visit import VisitKind, VisitStatus

#: Team ids per `IN (...)` list: far below SQLite's bound-parameter limit, and a chunk's rows fit in memory.
CHUNK = 500
#: Reviews that count as the cycle's second step (a QRV is the trust's own programme, not the team's cycle).
CYCLE_REVIEW_KINDS = (VisitKind.PEER_REVIEW, VisitKind.OBJECTIVE_REVIEW)
#: The self-assessments whose rating counts as the team's latest.
RATED = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED)

T = TypeVar("T")


def chunked(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in slices of `CHUNK`."""
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def regulations(team_ids: Sequence[int]) -> dict[int, StepupRegulation]:
    """The teams' regulations (with their proposals) by team id; teams without one are left out."""
    if not team_ids:
        return {}
    return {r.team_id: r for r in db.session.scalars(
        sa.select(StepupRegulation).where(one_of(StepupRegulation.team_id, team_ids))
        .options(selectinload(StepupRegulation.proposals)))}


# --- Risk facts: the window `since`..`today` is the same for every team -------------------------------------

@dataclass(frozen=True)
class RiskFacts:
    """What one team's risk score is made of, in the signal window."""

    assessment: tuple[date, Rating] | None  #: the latest submitted or accepted self-assessment, if rated: its day
    review: Visit | None  #: the latest published review of any kind
    missed: list[date]  #: periods (their first day) missed
    late: list[date]  #: periods submitted after their due date
    overdue: list[tuple[date, str]]  #: open actions past their due date: (due date, title)
    recorded: list[Signal]  #: signals recorded by quality leads, newest first


def risk_facts(team_ids: Sequence[int], since: date, today: date, scheme: Any) -> dict[int, RiskFacts]:
    """Each team's risk facts for the window from `since` to `today`."""
    latest, started_rows = _periods(team_ids, since, today)
    ratings = overall_ratings([p.id for p in latest.values()], scheme)
    reviews = _latest_reviews(team_ids, since)
    overdue = _overdue_actions(team_ids, today)
    recorded = _recorded_signals(team_ids, since, today)
    found = {}
    for team_id in team_ids:
        started = started_rows[team_id]
        found[team_id] = RiskFacts(
            assessment=_rated(latest.get(team_id), ratings), review=reviews.get(team_id),
            missed=[p.period_start for p in started if p.status is AssessmentStatus.MISSED],
            late=[p.period_start for p in started if p.submitted_at is not None
                  and london_day(p.submitted_at) > p.due_on],
            overdue=overdue[team_id], recorded=recorded[team_id])
    return found


def _periods(team_ids: Sequence[int], since: date, today: date) -> tuple[dict[int, Any], defaultdict[int, list[Any]]]:
    """Of each team's self-assessments ending in the window: its latest submitted or accepted one, by team id;
    and those begun by `today` that may have been missed or submitted late, by team id, oldest period first
    (risk_facts keeps those that were). Rows of (id, team_id, period_start, period_end, status, due_on,
    submitted_at).

    On PostgreSQL the database chooses them: the latest by `DISTINCT ON`, and of the rest only the missed ones and
    those submitted from 23 hours after their due day's start (UTC; no London day after it begins earlier), not
    all twelve months' of every team (130,000 rows at 10,000 teams). SQLite reads them all."""
    columns = (SelfAssessment.id, SelfAssessment.team_id, SelfAssessment.period_start, SelfAssessment.period_end,
               SelfAssessment.status, SelfAssessment.due_on, SelfAssessment.submitted_at)
    window = (one_of(SelfAssessment.team_id, team_ids), SelfAssessment.period_end >= since)
    if db.session.get_bind().dialect.name != "postgresql":
        periods = _grouped(db.session.execute(
            sa.select(*columns).where(*window).order_by(SelfAssessment.team_id, SelfAssessment.period_start)))
        latest = {team_id: rated[-1] for team_id, rows in periods.items()
                  if (rated := [p for p in rows if p.status in RATED])}
        return latest, defaultdict(list, {team_id: [p for p in rows if p.period_start <= today]
                                          for team_id, rows in periods.items()})
    latest = {row.team_id: row for row in db.session.execute(
        sa.select(*columns).where(*window, SelfAssessment.status.in_(RATED)).distinct(SelfAssessment.team_id)
        .order_by(SelfAssessment.team_id, SelfAssessment.period_start.desc()))}
    may_count = sa.or_(SelfAssessment.status == AssessmentStatus.MISSED,
                       SelfAssessment.submitted_at >= sa.func.timezone("UTC", sa.cast(SelfAssessment.due_on,
                                                                                     sa.DateTime))
                       + sa.literal_column("interval '23 hours'"))
    started = _grouped(db.session.execute(
        sa.select(*columns).where(*window, SelfAssessment.period_start <= today, may_count)
        .order_by(SelfAssessment.team_id, SelfAssessment.period_start)))
    return latest, started


def _rated(period: Any, ratings: Mapping[int, Rating | None]) -> tuple[date, Rating] | None:
    """(the day it counts from: submitted, else its period's end; its overall rating), None if not rated."""
    if period is None or ratings[period.id] is None:
        return None
    return london_day(period.submitted_at) if period.submitted_at else period.period_end, ratings[period.id]


def _latest_reviews(team_ids: Sequence[int], since: date) -> dict[int, Visit]:
    """Each team's latest published review of any kind from `since`, by team id."""
    latest: dict[int, Visit] = {}
    for visit in db.session.scalars(
            sa.select(Visit).where(one_of(Visit.team_id, team_ids), Visit.status == VisitStatus.PUBLISHED,
                                   Visit.visit_date >= since)
            .order_by(Visit.team_id, Visit.visit_date, Visit.id)):
        latest[visit.team_id] = visit  # the last one of each team wins
    return latest


def _overdue_actions(team_ids: Sequence[int], today: date) -> dict[int, list[tuple[date, str]]]:
    rows = db.session.execute(
        sa.select(Action.team_id, Action.due_on, Action.title)
        .where(one_of(Action.team_id, team_ids), Action.status != ActionStatus.CLOSED, Action.due_on < today)
        .order_by(Action.team_id, Action.due_on, Action.id)
    )
    return _grouped(rows, lambda row: (row.due_on, row.title))


def _recorded_signals(team_ids: Sequence[int], since: date, today: date) -> dict[int, list[Signal]]:
    rows = db.session.execute(
        sa.select(RiskSignal.team_id, RiskSignal.kind, RiskSignal.severity, RiskSignal.occurred_on,
                  RiskSignal.description)
        .where(one_of(RiskSignal.team_id, team_ids), RiskSignal.occurred_on >= since, RiskSignal.occurred_on <= today)
        .order_by(RiskSignal.team_id, RiskSignal.occurred_on.desc(), RiskSignal.id.desc())
    )
    return _grouped(rows, lambda s: Signal("recorded", s.severity, s.occurred_on, f"{s.kind.label}: {s.description}"))


def _grouped(rows: Iterable[Any], value: Any = None) -> defaultdict[int, list[Any]]:
    """Rows by their `team_id`, in the order given, each as `value(row)` (default the row)."""
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.team_id].append(value(row) if value else row)
    return grouped


# --- Cycle facts: each team has its own cycle; one query covers them all, then each team keeps its own days --

@dataclass(frozen=True)
class _Span:
    """A cycle's days, and the same days as UTC moments (London midnight to London midnight)."""

    start: date
    end: date
    first: datetime
    after: datetime

    @classmethod
    def of(cls, cycle: Cycle) -> _Span:
        first = datetime.combine(cycle.start, time(), LONDON).astimezone(UTC)
        after = datetime.combine(cycle.end + timedelta(days=1), time(), LONDON).astimezone(UTC)
        return cls(cycle.start, cycle.end, first, after)

    def has_day(self, day: date) -> bool:
        return self.start <= day <= self.end

    def has_moment(self, moment: datetime) -> bool:
        return self.first <= moment < self.after


def _between(column: Any, spans: Mapping[int, _Span], *, moments: bool) -> sa.ColumnElement[bool]:
    """`column` (a date, or with `moments` a timestamp) from the earliest cycle's start to the latest's end: one
    simple range for every team's cycle, each team's own kept afterwards (has_day, has_moment)."""
    if moments:
        return sa.and_(column >= min(s.first for s in spans.values()), column < max(s.after for s in spans.values()))
    return sa.and_(column >= min(s.start for s in spans.values()), column <= max(s.end for s in spans.values()))


def cycle_facts(cycles: Mapping[int, Cycle]) -> dict[int, dict[str, StepDone]]:
    """Which of the four steps each team (by id) has done in its own `cycle`, with the day and what shows it."""
    spans = {team_id: _Span.of(cycle) for team_id, cycle in cycles.items()}
    done: dict[int, dict[str, StepDone]] = {team_id: {} for team_id in cycles}
    if not spans:
        return done
    for team_id, first in _first_submissions(spans).items():
        done[team_id]["self_assessment"] = StepDone(
            london_day(first.submitted_at),
            f"Self-assessment for {period_label(first.period_start, first.period_end)} submitted")
    for team_id, review in _first_cycle_reviews(spans).items():
        done[team_id]["peer_review"] = StepDone(review.visit_date, f"{review.title}, published")
    for team_id, actions in _plans(spans).items():
        done[team_id]["improvement_plan"] = StepDone(london_day(actions[0].created_at),
                                                     f"{len(actions)} action{'s' if len(actions) != 1 else ''} raised")
        if all(a.status is ActionStatus.CLOSED for a in actions):
            last = max(london_day(a.verified_at) for a in actions)
            done[team_id]["validation_review"] = StepDone(last, "Every action of the plan verified and closed")
    return done


def _first_submissions(spans: Mapping[int, _Span]) -> dict[int, Any]:
    """Each team's first self-assessment submitted in its cycle: (team_id, submitted_at, period_start,
    period_end) rows, read without loading the assessments.

    On PostgreSQL each team's own span is joined in (one array per column) and only its first row comes back
    (`DISTINCT ON`): reading every submission from the earliest cycle's start to the latest's end and keeping
    the first in Python took ~0.8 s a month-end sweep (about 20 rows a team). SQLite reads that range."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _first_submissions_by_span(spans)
    return _first_submissions_in_range(spans)


def _first_submissions_in_range(spans: Mapping[int, _Span]) -> dict[int, Any]:
    first: dict[int, Any] = {}
    for row in db.session.execute(
            sa.select(SelfAssessment.team_id, SelfAssessment.submitted_at, SelfAssessment.period_start,
                      SelfAssessment.period_end)
            .where(one_of(SelfAssessment.team_id, list(spans)), _between(SelfAssessment.submitted_at, spans, moments=True))
            .order_by(SelfAssessment.team_id, SelfAssessment.submitted_at, SelfAssessment.id)):
        if row.team_id not in first and spans[row.team_id].has_moment(row.submitted_at):
            first[row.team_id] = row
    return first


def _first_submissions_by_span(spans: Mapping[int, _Span]) -> dict[int, Any]:
    stamp = SelfAssessment.submitted_at.type
    span = unnest_rows("span", {"team_id": sa.Integer(), "first": stamp, "after": stamp},
                       {"team_id": list(spans), "first": [s.first for s in spans.values()],
                        "after": [s.after for s in spans.values()]})
    rows = db.session.execute(
        sa.select(SelfAssessment.team_id, SelfAssessment.submitted_at, SelfAssessment.period_start,
                  SelfAssessment.period_end)
        .join(span, span.c.team_id == SelfAssessment.team_id)
        .where(SelfAssessment.submitted_at >= span.c.first, SelfAssessment.submitted_at < span.c.after)
        .distinct(SelfAssessment.team_id)
        .order_by(SelfAssessment.team_id, SelfAssessment.submitted_at, SelfAssessment.id))
    return {row.team_id: row for row in rows}


def _first_cycle_reviews(spans: Mapping[int, _Span]) -> dict[int, Visit]:
    """Each team's first published peer or objective review in its cycle."""
    first: dict[int, Visit] = {}
    for visit in db.session.scalars(
            sa.select(Visit).where(one_of(Visit.team_id, list(spans)), Visit.kind.in_(CYCLE_REVIEW_KINDS),
                                   Visit.status == VisitStatus.PUBLISHED,
                                   _between(Visit.visit_date, spans, moments=False))
            .order_by(Visit.team_id, Visit.visit_date, Visit.id)):
        if visit.team_id not in first and spans[visit.team_id].has_day(visit.visit_date):
            first[visit.team_id] = visit
    return first


def _plans(spans: Mapping[int, _Span]) -> dict[int, list[Any]]:
    """Each team's actions raised in its cycle, oldest first (created_at, status, verified_at); teams with
    none are left out."""
    rows = db.session.execute(
        sa.select(Action.team_id, Action.created_at, Action.status, Action.verified_at)
        .where(one_of(Action.team_id, list(spans)), _between(Action.created_at, spans, moments=True))
        .order_by(Action.team_id, Action.created_at, Action.id)
    )
    return dict(_grouped(row for row in rows if spans[row.team_id].has_moment(row.created_at)))
