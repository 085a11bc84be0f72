"""Everything the dashboard measures read, loaded in a fixed number of queries however many teams there are.

Each loader is one SELECT over the teams the filters and the caller's scope select (a subquery, never a list of
ids built team by team). Timestamps become dates in the trust's time zone, so that "as of a date" compares days.
measures.py turns these facts into figures; nothing here decides what a figure means.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.actions.models import Action
from accredit.assessments.models import LONDON, AssessmentResponse, SelfAssessment, london_day
from accredit.assessments.queries import RATING_COUNTS, counts_by_domain, rating_of_counts
from accredit.audit import AuditEvent
from accredit.deadlines.models import DeadlinePause
from accredit.extensions import db
from accredit.frameworks.models import FrameworkVersion, Standard
from accredit.org.models import Division, Service, Team, TeamType
from accredit.visits.models import Visit, VisitRating
from workflows.action import ActionStatus
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind, VisitStatus


@dataclass(frozen=True)
class TeamScope:
    """Which teams a view covers: the caller's scope (a WHERE clause over Team) narrowed by the filters."""

    clause: Any
    division_id: int | None = None
    service_id: int | None = None
    team_type: TeamType | None = None

    def team_ids(self) -> sa.Select:
        query = sa.select(Team.id).join(Service, Team.service_id == Service.id).where(self.clause)
        if self.division_id is not None:
            query = query.where(Service.division_id == self.division_id)
        if self.service_id is not None:
            query = query.where(Team.service_id == self.service_id)
        if self.team_type is not None:
            query = query.where(Team.team_type == self.team_type)
        return query


@dataclass(frozen=True)
class TeamInfo:
    id: int
    code: str
    name: str
    service: str
    division: str
    team_type: TeamType
    opened_on: date
    closed_on: date | None  #: the first day it was no longer active (closed or merged)

    def active_on(self, day: date) -> bool:
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)


@dataclass(frozen=True)
class AwardFact:
    team_id: int
    kind: str  #: outstanding_team | excelling_team
    granted_on: date
    valid_until: date
    ended_on: date | None
    suspensions: tuple[tuple[date, date | None], ...]  #: (suspended_on, reinstated_on)

    def is_suspended_on(self, day: date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in self.suspensions)

    def is_current_on(self, day: date) -> bool:
        """Granted, not yet expired or ended on `day` (suspended or not)."""
        return self.granted_on <= day <= self.valid_until and (self.ended_on is None or day < self.ended_on)

    def is_held_on(self, day: date) -> bool:
        return self.is_current_on(day) and not self.is_suspended_on(day)


@dataclass
class Facts:
    """The rows behind every measure, for the teams in view, up to `as_of`."""

    as_of: date
    teams: dict[int, TeamInfo]
    assessments: dict[tuple[int, date], tuple[date, date | None]]  #: (team, period start) -> (due, submitted on)
    pauses: dict[int, list[tuple[date, date]]]  #: team -> (first, last paused day)
    qrvs: list[tuple[int, date]]  #: (team, published on) of published QRVs
    checks: list[tuple[int, date, bool]]  #: (team, computed on, eligible), oldest first
    application_states: list[tuple[int, int, date, str]]  #: (application, team, on, state entered), oldest first
    actions: list[tuple[int, date, date, date | None]]  #: (team, due, raised on, closed on)
    overdue_visits: list[tuple[int, int, date]]  #: (visit, team, visit date) past their date, unpublished, as of
    self_ratings: dict[int, dict[Domain, Rating | None]] = field(default_factory=dict)
    qrv_ratings: dict[int, dict[Domain, Rating | None]] = field(default_factory=dict)
    panel_ratings: dict[int, dict[Domain, Rating | None]] = field(default_factory=dict)
    awards: list[AwardFact] | None = None  #: None until the awards tables exist
    #: team -> (from, level), for the teams whose level ever changed (the others stayed at NEVER_CHANGED);
    #: None until Step-up exists
    stepup_levels: dict[int, list[tuple[date, str]]] | None = None
    active_by_day: dict[date, tuple[int, ...]] = field(default_factory=dict)  #: measures.active_on, remembered


def _rows(statement: sa.Select) -> sa.CursorResult:
    """Run a select of plain columns on the session's connection, without the ORM's row loading on top: the
    facts are hundreds of thousands of rows at trust scale, and none of them is an ORM object. Row by row, not
    `.all()`: a list of 10,000 live rows sets off the cyclic garbage collector's full passes (measured: three a
    request instead of one, 0.3 s of CPU), for a fetch only a little cheaper."""
    return db.session.connection().execute(statement)


def day_end(day: date) -> datetime:
    """The first instant after `day` ends in London, in UTC: `at < day_end(d)` means "on or before d"."""
    return datetime.combine(day + timedelta(days=1), time(0), LONDON).astimezone(UTC)


def local_day(at: datetime | None) -> date | None:
    return london_day(at) if at is not None else None


def load_facts(scope: TeamScope, as_of: date, *, first_day: date, periods: tuple[date, date], qrvs_since: date,
               thresholds: Any) -> Facts:
    """Every fact the measures need for the days from `first_day` to `as_of` (the first trend month's end, or
    `as_of` itself without trends). `periods` are the starts of the first and the last reporting period a measure
    will judge; `qrvs_since` the last day before the QRV window of `first_day` opens. Nothing that cannot change a
    figure on one of those days is read: self-assessments of other periods, actions closed by `first_day`, QRVs
    published by `qrvs_since`, and eligibility checks older than each team's latest by `first_day`."""
    db.session.flush()  # _rows reads on the connection, which does not flush: every fact sees the same state
    ids = scope.team_ids().scalar_subquery()
    cutoff = day_end(as_of)
    return Facts(
        as_of=as_of,
        teams=_teams(ids),
        assessments=_assessments(ids, periods, cutoff),
        pauses=_pauses(ids, as_of),
        qrvs=[(t, local_day(at)) for t, at in _rows(
            sa.select(Visit.team_id, Visit.published_at).where(
                Visit.team_id.in_(ids), Visit.kind == VisitKind.QRV, Visit.published_at >= day_end(qrvs_since),
                Visit.published_at < cutoff))],
        checks=_checks(ids, day_end(first_day), cutoff),
        application_states=_application_states(ids, cutoff),
        actions=[(t, due, local_day(raised), local_day(verified) if status is ActionStatus.CLOSED else None)
                 for t, due, raised, verified, status in _rows(
                     sa.select(Action.team_id, Action.due_on, Action.created_at, Action.verified_at, Action.status)
                     .where(Action.team_id.in_(ids), Action.created_at < cutoff, Action.due_on < as_of,
                            # one closed by the first day judged was overdue on none of the days judged
                            sa.or_(Action.status != ActionStatus.CLOSED, Action.verified_at.is_(None),
                                   Action.verified_at >= day_end(first_day))))],
        overdue_visits=_overdue_visits(ids, as_of, cutoff),
        self_ratings=_self_ratings(ids, cutoff, thresholds),
        qrv_ratings=_qrv_ratings(ids, cutoff),
    )


def ratings_as_of(scope: TeamScope, day: date, thresholds: Any) -> tuple[dict, dict]:
    """(self-assessed, QRV) domain ratings per team as they stood on `day` (two queries)."""
    ids, cutoff = scope.team_ids().scalar_subquery(), day_end(day)
    return _self_ratings(ids, cutoff, thresholds), _qrv_ratings(ids, cutoff)


def _teams(ids: Any) -> dict[int, TeamInfo]:
    rows = _rows(
        sa.select(Team.id, Team.code, Team.name, Service.name, Division.name, Team.team_type, Team.opened_on,
                  Team.closed_on)
        .join(Service, Team.service_id == Service.id).join(Division, Service.division_id == Division.id)
        .where(Team.id.in_(ids)).order_by(Team.name, Team.id)
    )
    return {row[0]: TeamInfo(*row) for row in rows}


def _assessments(ids: Any, periods: tuple[date, date],
                 cutoff: datetime) -> dict[tuple[int, date], tuple[date, date | None]]:
    first, last = periods
    rows = _rows(
        sa.select(SelfAssessment.team_id, SelfAssessment.period_start, SelfAssessment.due_on,
                  SelfAssessment.submitted_at)
        .where(SelfAssessment.team_id.in_(ids), SelfAssessment.period_start.between(first, last))
    )
    # A submission after the as-of date had not happened then.
    return {(t, start): (due, local_day(at) if at is not None and at < cutoff else None) for t, start, due, at in rows}


def _pauses(ids: Any, as_of: date) -> dict[int, list[tuple[date, date]]]:
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    rows = db.session.scalars(
        sa.select(DeadlinePause).where(DeadlinePause.team_id.in_(ids), DeadlinePause.starts_on <= as_of)
        .order_by(DeadlinePause.starts_on)
    )
    for pause in rows:
        # An early end decided after the as-of date was not known then: the pause ran as planned.
        last = pause.last_day if pause.ended_at is None or local_day(pause.ended_at) <= as_of else pause.ends_on
        if last >= pause.starts_on:
            windows[pause.team_id].append((pause.starts_on, last))
    return windows


def _checks(ids: Any, first_cutoff: datetime, cutoff: datetime) -> list[tuple[int, date, bool]]:
    """Eligibility checks by the cutoff, oldest first: each team's latest made by `first_cutoff` (the one in force
    on the first day judged) and every one after it; the older ones decide no figure."""
    latest = _latest(
        sa.select(EligibilityCheck.id)
        .where(EligibilityCheck.team_id.in_(ids), EligibilityCheck.computed_at < first_cutoff),
        EligibilityCheck.team_id, EligibilityCheck.computed_at.desc(), EligibilityCheck.id.desc(),
    )
    rows = _rows(
        sa.select(EligibilityCheck.team_id, EligibilityCheck.computed_at, EligibilityCheck.is_eligible)
        .where(EligibilityCheck.team_id.in_(ids), EligibilityCheck.computed_at < cutoff,
               sa.or_(EligibilityCheck.computed_at >= first_cutoff,
                      EligibilityCheck.id.in_(sa.select(latest.c.id).where(latest.c.rn == 1))))
        .order_by(EligibilityCheck.computed_at, EligibilityCheck.id)
    )
    return [(t, local_day(at), ok) for t, at, ok in rows]


def _application_states(ids: Any, cutoff: datetime) -> list[tuple[int, int, date, str]]:
    """Each application's transitions from the audit trail (the only record of the states it passed through)."""
    rows = _rows(
        sa.select(AuditEvent.subject_id, Application.team_id, AuditEvent.at, AuditEvent.to_state)
        .join(Application, Application.id == AuditEvent.subject_id)
        .where(AuditEvent.subject_type == Application.__tablename__, AuditEvent.to_state.is_not(None),
               AuditEvent.at < cutoff, Application.team_id.in_(ids))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [(app_id, team_id, local_day(at), state) for app_id, team_id, at, state in rows]


def _overdue_visits(ids: Any, as_of: date, cutoff: datetime) -> list[tuple[int, int, date]]:
    """Visits whose date had passed by `as_of` without a published report, and not cancelled by then."""
    rows = _rows(
        sa.select(Visit.id, Visit.team_id, Visit.visit_date)
        .where(Visit.team_id.in_(ids), Visit.visit_date < as_of, Visit.created_at < cutoff,
               sa.or_(Visit.published_at.is_(None), Visit.published_at >= cutoff),
               sa.or_(Visit.cancelled_at.is_(None), Visit.cancelled_at >= cutoff))
        .order_by(Visit.visit_date, Visit.id)
    )
    return [tuple(row) for row in rows]


def _latest(query: sa.Select, partition: Any, *order: Any) -> Any:
    """`query` with a row number per `partition`, newest first by `order`, as a subquery."""
    return query.add_columns(sa.func.row_number().over(partition_by=partition, order_by=order).label("rn")).subquery()


def _self_ratings(ids: Any, cutoff: datetime, thresholds: Any) -> dict[int, dict[Domain, Rating | None]]:
    """Each team's domain ratings from its latest self-assessment submitted by the cutoff, by its framework's
    aggregation strategy (one query: one row per team, how many standards it rated each way in each domain).

    Teams with the same ratings share one dict: nothing changes them once built."""
    team = aliased(Team)

    def latest(column: Any) -> Any:
        # Per team, one step back along the (team, period) unique index: a row number over every self-assessment
        # of the trust (600,000 at trust scale) took most of this query's time.
        return (sa.select(column).where(SelfAssessment.team_id == team.id, SelfAssessment.submitted_at < cutoff)
                .order_by(SelfAssessment.period_start.desc(), SelfAssessment.id.desc()).limit(1)
                .correlate(team).scalar_subquery())

    submitted = (sa.select(team.id.label("team_id"), latest(SelfAssessment.id).label("id"),
                           latest(SelfAssessment.framework_version_id).label("version_id"))
                 .where(team.id.in_(ids)).subquery())
    rows = _rows(
        sa.select(submitted.c.team_id, FrameworkVersion.aggregation, *RATING_COUNTS)
        .select_from(submitted)
        .join(FrameworkVersion, FrameworkVersion.id == submitted.c.version_id)
        .join(AssessmentResponse, AssessmentResponse.assessment_id == submitted.c.id)
        .join(Standard, Standard.id == AssessmentResponse.standard_id)
        .where(AssessmentResponse.rating.is_not(None))
        .group_by(submitted.c.team_id, FrameworkVersion.aggregation)
    )
    rated: dict[tuple, Rating | None] = {}  # (strategy, one domain's counts) -> its rating, for this call
    shared: dict[tuple, dict[Domain, Rating | None]] = {}
    result = {}
    for team_id, strategy, *counts in rows:
        ratings = []
        for by_rating in counts_by_domain(counts):
            key = (strategy, by_rating)
            if key not in rated:
                rated[key] = rating_of_counts(*key, thresholds)
            ratings.append(rated[key])
        result[team_id] = _shared(shared, tuple(ratings))
    return result


def _shared(shared: dict[tuple, dict[Domain, Rating | None]], ratings: tuple) -> dict[Domain, Rating | None]:
    """The one dict of these ratings (in Domain order) that `shared` holds, made the first time it is asked for."""
    found = shared.get(ratings)
    if found is None:
        found = shared[ratings] = dict(zip(Domain, ratings))
    return found


def _qrv_ratings(ids: Any, cutoff: datetime) -> dict[int, dict[Domain, Rating | None]]:
    """Each team's domain ratings from its latest QRV published by the cutoff (one row per team: a visit rates
    each domain once). Teams with the same ratings share one dict."""
    latest = _latest(
        sa.select(Visit.id, Visit.team_id)
        .where(Visit.team_id.in_(ids), Visit.kind == VisitKind.QRV, Visit.status == VisitStatus.PUBLISHED,
               Visit.published_at < cutoff),
        Visit.team_id, Visit.visit_date.desc(), Visit.published_at.desc(), Visit.id.desc(),
    )
    rows = _rows(
        sa.select(latest.c.team_id,
                  *[sa.func.max(sa.case((VisitRating.domain == domain, VisitRating.rating))) for domain in Domain])
        .join(VisitRating, VisitRating.visit_id == latest.c.id).where(latest.c.rn == 1)
        .group_by(latest.c.team_id)
    )
    shared: dict[tuple, dict[Domain, Rating | None]] = {}
    return {team_id: _shared(shared, tuple(ratings)) for team_id, *ratings in rows}


def awards_recorded() -> bool:
    """Whether the awards tables are part of the schema (the awards domain registers them)."""
    return {"awards", "award_suspensions", "award_ratings"} <= set(db.metadata.tables)


def load_awards(facts: Facts, scope: TeamScope) -> None:
    """Add the awards granted by the as-of date and their suspensions then known (two queries)."""
    awards, suspensions = db.metadata.tables["awards"], db.metadata.tables["award_suspensions"]
    ids = scope.team_ids().scalar_subquery()
    as_of = facts.as_of
    granted = sa.and_(awards.c.team_id.in_(ids), awards.c.granted_on <= as_of)
    periods: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for award_id, start, end in _rows(
        sa.select(suspensions.c.award_id, suspensions.c.suspended_on, suspensions.c.reinstated_on)
        .join(awards, awards.c.id == suspensions.c.award_id)
        .where(granted, suspensions.c.suspended_on <= as_of).order_by(suspensions.c.suspended_on)
    ):
        periods[award_id].append((start, end if end is not None and end <= as_of else None))
    rows = _rows(
        sa.select(awards.c.id, awards.c.team_id, awards.c.kind, awards.c.granted_on, awards.c.valid_until,
                  awards.c.ended_on).where(granted).order_by(awards.c.granted_on, awards.c.id)
    )
    facts.awards = [AwardFact(team_id, getattr(kind, "value", kind), start, until,
                              ended if ended is not None and ended <= as_of else None, tuple(periods.get(award_id, ())))
                    for award_id, team_id, kind, start, until, ended in rows]


def stepup_recorded() -> bool:
    """Whether the Step-up level history is part of the schema (the Step-up domain registers it)."""
    return "stepup_level_changes" in db.metadata.tables


#: The level history of a team whose level never changed.
NEVER_CHANGED: tuple[tuple[date, str], ...] = ((date.min, "standard"),)


def load_stepup(facts: Facts, scope: TeamScope) -> None:
    """Each changed team's level from day to day: the level before its first change, then each change's new level
    from its day (one query). A team never changed is not listed: it stayed at NEVER_CHANGED."""
    changes = db.metadata.tables["stepup_level_changes"]
    levels: dict[int, list[tuple[date, str]]] = {}
    for team_id, on, before, after in _rows(
        sa.select(changes.c.team_id, changes.c.changed_on, changes.c.from_level, changes.c.to_level)
        .where(changes.c.team_id.in_(scope.team_ids().scalar_subquery()), changes.c.changed_on <= facts.as_of)
        .order_by(changes.c.changed_on, changes.c.id)
    ):
        history = levels.setdefault(team_id, [(date.min, getattr(before, "value", before))])
        history.append((on, getattr(after, "value", after)))
    facts.stepup_levels = levels


def panels_recorded() -> bool:
    return {"panel_decisions", "applications"} <= set(db.metadata.tables)


def load_panel_ratings(facts: Facts, scope: TeamScope) -> None:
    """Each team's domain ratings from its latest panel decision made by the as-of date (one query; a decision
    that gave no award still rated every domain). Teams with the same ratings share one dict."""
    decisions = db.metadata.tables["panel_decisions"]
    latest = _latest(
        sa.select(Application.team_id, decisions.c.ratings)
        .join(Application, Application.id == decisions.c.application_id)
        .where(Application.team_id.in_(scope.team_ids().scalar_subquery()), decisions.c.decided_on <= facts.as_of),
        Application.team_id, decisions.c.decided_on.desc(), decisions.c.id.desc(),
    )
    shared: dict[tuple, dict[Domain, Rating | None]] = {}  # the decision's values, in Domain order -> ratings
    panel: dict[int, dict[Domain, Rating | None]] = {}
    for team_id, ratings in _rows(sa.select(latest.c.team_id, latest.c.ratings).where(latest.c.rn == 1)):
        values = tuple(ratings.get(d.value) for d in Domain)
        found = shared.get(values)
        if found is None:
            found = shared[values] = {d: Rating(value) if value else None for d, value in zip(Domain, values)}
        panel[team_id] = found
    facts.panel_ratings = panel
