"""The measures of DESIGN.md §8, defined once: the dashboard pages, the exports, the board report and
`GET /api/v1/coverage` all take their figures from `build_dashboard`.

Every figure is true as of its date: a team counts while it was open (opened_on <= day < closed_on), a
self-assessment by when it was submitted against its due date (moved by the deadline pauses known then), a visit
by when its report was published, an application by the states the audit trail shows it in, an award by its
granted, suspended and ended dates. Every figure keeps the teams behind it, for drilling down.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from accredit.dashboards.facts import (NEVER_CHANGED, Facts, TeamInfo, TeamScope, awards_recorded, load_awards,
                                       load_facts, ratings_as_of)
from workflows.periods import Period, period_containing, previous_period
from workflows.ratings import Domain, Rating
from workflows.reminders import effective_due
from workflows.scheme import Scheme

QRV_WINDOW_MONTHS = 12  #: QRV coverage: a published QRV in the last 12 months (DESIGN.md §8)
EXPIRING_DAYS = 60  #: awards expiring within 60 days
TREND_MONTHS = 24  #: trends: the last 24 months
TRAJECTORY_MONTHS = 12  #: the trajectory to the target follows the trend of the last 12 months
PIPELINE_STAGES = {"invited": "Invited", "preparing": "Preparing", "pre_panel": "At pre-panel",
                   "panel_ready": "At panel"}
LIVE_APPLICATION_STATES = {*PIPELINE_STAGES, "appealed"}
STEPUP_LEVELS = {"step_down": "Step down", "standard": "Standard", "step_up": "Step up", "intensive": "Intensive"}


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and the teams behind it; `key` is how a drill-down names it."""

    key: str
    label: str
    team_ids: tuple[int, ...]
    denominator: int | None = None  #: for a share: the active teams it is a share of
    items: int | None = None  #: when the number counts things other than teams (overdue actions)

    @property
    def count(self) -> int:
        return len(self.team_ids) if self.items is None else self.items

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.denominator, 1) if self.denominator else None


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    definition: str
    figures: tuple[Figure, ...]
    available: bool = True  #: False while the domain it reads is not built yet
    note: str = ""


@dataclass(frozen=True)
class Trend:
    key: str
    title: str
    unit: str  #: "%" or "teams" or "actions"
    months: tuple[date, ...]  #: the last day of each month (the as-of date for the latest)
    series: tuple[tuple[str, tuple[float, ...]], ...]  #: (label, one value per month)
    keys: tuple[str, ...] = ()  #: each series' figure key, for drilling down from a month's value


@dataclass(frozen=True)
class HeatRow:
    team: TeamInfo
    self_assessed: dict[Domain, Rating | None]
    qrv: dict[Domain, Rating | None]
    panel: dict[Domain, Rating | None]

    def gap(self, domain: Domain) -> int | None:
        """Self-assessed minus QRV rating, in steps of the scale (+1: the team rates itself a step higher)."""
        mine, theirs = self.self_assessed.get(domain), self.qrv.get(domain)
        return mine.rank - theirs.rank if mine is not None and theirs is not None else None

    @functools.cached_property
    def gaps(self) -> tuple[int | None, ...]:
        """gap(domain) for every domain, in Domain order (worked out once: calibration reads them twice)."""
        mine, theirs = self.self_assessed, self.qrv
        found = []
        for domain in _DOMAINS:
            m, t = mine.get(domain), theirs.get(domain)
            found.append(_RANK[m] - _RANK[t] if m is not None and t is not None else None)
        return tuple(found)


_DOMAINS = tuple(Domain)
_RANK = {rating: rating.rank for rating in Rating}


@dataclass(frozen=True)
class TargetProgress:
    summary: str
    kind: str
    percentage: int
    target_on: date
    current: float | None
    projected: float | None
    monthly_change: float | None
    meets: bool | None
    explanation: str


@dataclass
class Dashboard:
    as_of: date
    period: Period  #: the self-assessment period the compliance figures are about
    teams: dict[int, TeamInfo]
    active: tuple[int, ...]
    measures: dict[str, Measure]
    heatmap: list[HeatRow]
    calibration: dict[Domain, tuple[float | None, int]]  #: domain -> (mean gap, teams compared)
    trends: list[Trend] = field(default_factory=list)
    target: TargetProgress | None = None
    overdue_visits: list[tuple[int, int, date]] = field(default_factory=list)

    def figure(self, key: str) -> Figure | None:
        return next((f for m in self.measures.values() for f in m.figures if f.key == key), None)

    def teams_for(self, figure: Figure) -> list[TeamInfo]:
        return [self.teams[i] for i in figure.team_ids]


# --- Single measures, for one day ---------------------------------------------------------------------------

def active_on(facts: Facts, day: date) -> tuple[int, ...]:
    """The teams open on `day`, in the facts' team order (worked out once a day: every measure asks)."""
    found = facts.active_by_day.get(day)
    if found is None:
        found = facts.active_by_day[day] = tuple(t.id for t in facts.teams.values() if t.active_on(day))
    return found


def reporting_period(day: date, scheme: Scheme) -> Period:
    """The latest period whose due date had passed by `day` (the one compliance is judged on)."""
    period = period_containing(day, scheme.assessment_cadence, scheme.assessment_due_after_days)
    if day <= period.due:
        period = previous_period(period, scheme.assessment_cadence, scheme.assessment_due_after_days)
    return period


def compliance(facts: Facts, day: date, scheme: Scheme) -> Measure:
    """Self-assessments of the reporting period: on time, late, overdue, deadline paused, missed."""
    period = reporting_period(day, scheme)
    # A team opened after the period's due date was never asked for that period's self-assessment.
    active = tuple(t for t in active_on(facts, day) if facts.teams[t].opened_on <= period.due)
    buckets: dict[str, list[int]] = {k: [] for k in ("on_time", "late", "overdue", "paused", "missed")}
    for team_id in active:
        due, submitted = facts.assessments.get((team_id, period.start), (period.due, None))
        pauses = [(first, last) for first, last in facts.pauses.get(team_id, ()) if first <= day]
        due = effective_due(due, pauses, day)
        if submitted is not None and submitted <= day:
            buckets["on_time" if submitted <= due else "late"].append(team_id)
        elif due >= day:
            buckets["paused"].append(team_id)
        else:
            buckets["missed" if day > max(period.end, due) else "overdue"].append(team_id)
    labels = {"on_time": "Submitted on time", "late": "Submitted late", "overdue": "Overdue, not yet submitted",
              "paused": "Not yet due (deadline paused)", "missed": "Missed"}
    n = len(active)
    return Measure("compliance", f"Self-assessment compliance, {period.label}",
                   "Teams that submitted on time this period ÷ active teams (open by its due date); late, overdue, deadline "
                   "paused and missed apart",
                   tuple(Figure(f"compliance.{k}", labels[k], tuple(v), n) for k, v in buckets.items()))


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def qrv_coverage(facts: Facts, day: date) -> Measure:
    since = _months_before(day, QRV_WINDOW_MONTHS)
    active = active_on(facts, day)
    visited = {t for t, on in facts.qrvs if since < on <= day}
    covered = tuple(t for t in active if t in visited)
    return Measure("qrv", "QRV coverage",
                   f"Teams with a Quality Review Visit published in the last {QRV_WINDOW_MONTHS} months ÷ active teams",
                   (Figure("qrv.covered", "Visited in the last 12 months", covered, len(active)),
                    Figure("qrv.not_covered", "Not visited in the last 12 months",
                           tuple(t for t in active if t not in visited), len(active))))


def accreditation_coverage(facts: Facts, day: date) -> Measure:
    title, definition = "Accreditation coverage", "Teams holding an active Outstanding or Excelling award ÷ active teams"
    if facts.awards is None:
        return Measure("accreditation", title, definition, (), available=False, note="Awards are not recorded yet.")
    active = active_on(facts, day)
    held = _held_on(facts, day)
    suspended = {a.team_id for a in facts.awards if a.is_current_on(day) and a.is_suspended_on(day)}
    n = len(active)
    return Measure("accreditation", title, definition, (
        Figure("accreditation.any", "Outstanding or Excelling", tuple(t for t in active if t in held), n),
        Figure("accreditation.excelling_team", "Excelling Team",
               tuple(t for t in active if held.get(t) == "excelling_team"), n),
        Figure("accreditation.outstanding_team", "Outstanding Team",
               tuple(t for t in active if held.get(t) == "outstanding_team"), n),
        Figure("accreditation.suspended", "Award suspended", tuple(t for t in active if t in suspended), n),
        Figure("accreditation.none", "No award held", tuple(t for t in active if t not in held and t not in suspended), n),
    ))


def _held_on(facts: Facts, day: date) -> dict[int, str]:
    """team -> the kind of award it held on `day` (current and not suspended)."""
    return {a.team_id: a.kind for a in facts.awards if a.is_held_on(day)}


def pipeline(facts: Facts, day: date) -> Measure:
    active = active_on(facts, day)
    eligible: dict[int, bool] = {}
    for team_id, on, ok in facts.checks:
        if on <= day:
            eligible[team_id] = ok
    state: dict[int, tuple[int, str]] = {}
    for app_id, team_id, on, to_state in facts.application_states:
        if on <= day:
            state[app_id] = (team_id, to_state)
    stages = {stage: {t for t, s in state.values() if s == stage} for stage in PIPELINE_STAGES}
    engaged = {t for t, s in state.values() if s in LIVE_APPLICATION_STATES}
    engaged |= {a.team_id for a in facts.awards or () if a.is_current_on(day)}
    figures = [Figure("pipeline.eligible", "Eligible, not yet invited",
                      tuple(t for t in active if eligible.get(t) and t not in engaged))]
    figures += [Figure(f"pipeline.{stage}", label, tuple(t for t in active if t in stages[stage]))
                for stage, label in PIPELINE_STAGES.items()]
    return Measure("pipeline", "Accreditation pipeline",
                   "Teams eligible by their latest eligibility check with no application under way and no current "
                   "award, and teams at each stage of an application",
                   tuple(figures))


def risk(facts: Facts, day: date) -> Measure:
    """Overdue actions, awards expiring within 60 days, and (once Step-up exists) teams per level."""
    in_order = active_on(facts, day)  # in the facts' team order, as every figure lists its teams
    active = set(in_order)
    overdue = [t for t, due, raised, closed in facts.actions
               if t in active and raised <= day and due < day and (closed is None or closed > day)]
    figures = [Figure("risk.overdue_actions", "Overdue improvement actions", tuple(sorted(set(overdue), key=_order(facts))),
                      items=len(overdue))]
    if facts.awards is not None:
        horizon = day + timedelta(days=EXPIRING_DAYS)
        expiring = {a.team_id for a in facts.awards if a.is_held_on(day) and a.valid_until <= horizon}
        figures.append(Figure("risk.expiring_awards", f"Awards expiring within {EXPIRING_DAYS} days",
                              tuple(t for t in facts.teams if t in expiring and t in active)))
    if facts.stepup_levels is not None:
        level_of = {t: _level_on(facts, t, day) for t in in_order}
        for level, label in STEPUP_LEVELS.items():
            figures.append(Figure(f"stepup.{level}", f"Step-up level: {label}",
                                  tuple(t for t in in_order if level_of[t] == level)))
    return Measure("risk", "Risk", "Overdue actions (count, and the teams they belong to); awards expiring within "
                   f"{EXPIRING_DAYS} days; teams per Step-up level", tuple(figures),
                   note="" if facts.stepup_levels is not None else "Step-up levels are not recorded yet.")


def _order(facts: Facts) -> Any:
    position = {t: i for i, t in enumerate(facts.teams)}
    return lambda team_id: position[team_id]


def _level_on(facts: Facts, team_id: int, day: date) -> str | None:
    level = None
    for since, value in facts.stepup_levels.get(team_id, NEVER_CHANGED):
        if since <= day:
            level = value
    return level


def measures_on(facts: Facts, day: date, scheme: Scheme) -> dict[str, Measure]:
    found = [compliance(facts, day, scheme), qrv_coverage(facts, day), accreditation_coverage(facts, day),
             pipeline(facts, day), risk(facts, day)]
    return {m.key: m for m in found}


# --- Heatmap and calibration ----------------------------------------------------------------------------------

def heatmap(facts: Facts, active: tuple[int, ...]) -> list[HeatRow]:
    empty = dict.fromkeys(Domain)
    return [HeatRow(facts.teams[t], facts.self_ratings.get(t, empty), facts.qrv_ratings.get(t, empty),
                    facts.panel_ratings.get(t, empty)) for t in active]


def calibration(rows: list[HeatRow]) -> dict[Domain, tuple[float | None, int]]:
    """Per domain: the mean of (self-assessed minus QRV rating) over the teams that have both, and how many."""
    totals, counts = [0] * len(Domain), [0] * len(Domain)
    for row in rows:
        for i, gap in enumerate(row.gaps):
            if gap is not None:
                totals[i] += gap
                counts[i] += 1
    return {domain: (round(total / n, 2) if n else None, n) for domain, total, n in zip(Domain, totals, counts)}


def calibration_measure(rows: list[HeatRow]) -> Measure:
    over, under, level = [], [], []
    for row in rows:
        gaps = [g for g in row.gaps if g is not None]
        if gaps:
            (over if sum(gaps) > 0 else under if sum(gaps) < 0 else level).append(row.team.id)
    return Measure("calibration", "Calibration gap",
                   "Self-assessed rating minus QRV rating, per domain and team (teams with both)",
                   (Figure("calibration.over", "Rate themselves above their QRV", tuple(over)),
                    Figure("calibration.under", "Rate themselves below their QRV", tuple(under)),
                    Figure("calibration.level", "Agree with their QRV on balance", tuple(level))))


# --- Trends and the target ----------------------------------------------------------------------------------

def month_ends(as_of: date, months: int = TREND_MONTHS) -> tuple[date, ...]:
    """The last day of each of the `months` months up to `as_of`'s, the last one being `as_of` itself."""
    ends = []
    first = date(as_of.year, as_of.month, 1)
    for back in range(months - 1, 0, -1):
        start = _months_before(first, back - 1)
        ends.append(start - timedelta(days=1))
    return (*ends, as_of)


def trends(facts: Facts, scheme: Scheme) -> list[Trend]:
    months = month_ends(facts.as_of)
    by_month = [measures_on(facts, day, scheme) for day in months]

    def series(key: str, percent: bool = True) -> tuple[float, ...]:
        values = []
        for found in by_month:
            figure = next(f for m in found.values() for f in m.figures if f.key == key)
            values.append((figure.percent or 0.0) if percent else float(figure.count))
        return tuple(values)

    def trend(key: str, title: str, unit: str, lines: dict[str, str]) -> Trend:
        """`lines`: figure key -> the label of its line."""
        return Trend(key, title, unit, months, tuple((label, series(k, unit == "%")) for k, label in lines.items()),
                     keys=tuple(lines))

    result = [
        trend("compliance", "Self-assessments submitted on time", "%",
              {"compliance.on_time": "On time", "compliance.late": "Late"}),
        trend("qrv", "QRV coverage", "%", {"qrv.covered": "Visited in 12 months"}),
    ]
    if facts.awards is not None:
        result.append(trend("accreditation", "Accreditation coverage", "%", {
            "accreditation.any": "Outstanding or Excelling", "accreditation.excelling_team": "Excelling Team"}))
    result.append(trend("pipeline", "Accreditation pipeline", "teams",
                        {f"pipeline.{stage}": label for stage, label in {"eligible": "Eligible", **PIPELINE_STAGES}.items()}))
    result.append(trend("overdue_actions", "Overdue improvement actions", "actions",
                        {"risk.overdue_actions": "Overdue actions"}))
    if facts.stepup_levels is not None:
        result.append(trend("stepup", "Teams per Step-up level", "teams",
                            {f"stepup.{level}": label for level, label in STEPUP_LEVELS.items()}))
    return result


def calibration_trend(facts: Facts, scope: TeamScope, scheme: Scheme, latest: Measure) -> Trend:
    """Teams rating themselves above and below their QRV at each month end (two queries a month: the ratings as
    they stood then; the latest month is the dashboard's own)."""
    months = month_ends(facts.as_of)
    over, under = [], []
    for day in months[:-1]:
        mine, theirs = ratings_as_of(scope, day, scheme.saf_thresholds)
        empty = dict.fromkeys(Domain)
        rows = [HeatRow(facts.teams[t], mine.get(t, empty), theirs.get(t, empty), empty) for t in active_on(facts, day)]
        found = calibration_measure(rows).figures
        over.append(float(found[0].count))
        under.append(float(found[1].count))
    over.append(float(latest.figures[0].count))
    under.append(float(latest.figures[1].count))
    return Trend("calibration", "Calibration: teams rating themselves above or below their QRV", "teams", months,
                 (("Above their QRV", tuple(over)), ("Below their QRV", tuple(under))),
                 keys=("calibration.over", "calibration.under"))


def progress_to_target(target: Any, facts: Facts, scheme: Scheme) -> TargetProgress | None:
    """Where coverage of the target's award kind stands, and where its trend of the last 12 months leads by the
    target date (a straight line fitted to the monthly figures)."""
    if target is None:
        return None
    key = "accreditation.any" if target.award_kind == "outstanding_team" else "accreditation.excelling_team"
    if facts.awards is None:
        return TargetProgress(target.summary, target.award_kind, target.percentage, target.target_on, None, None,
                              None, None, "Awards are not recorded yet, so progress cannot be measured.")
    months = month_ends(facts.as_of, TRAJECTORY_MONTHS)
    values = [_coverage_percent(facts, day, key) for day in months]
    slope = _slope(values)
    current = values[-1]
    ahead = max(0, (target.target_on.year - facts.as_of.year) * 12 + target.target_on.month - facts.as_of.month)
    projected = round(min(100.0, max(0.0, current + slope * ahead)), 1)
    meets = projected >= target.percentage
    verdict = "on track" if meets else "not on track"
    explanation = (f"{current:g}% now, changing by {slope:+.1f} points a month over the last {TRAJECTORY_MONTHS} "
                   f"months: {projected:g}% expected by {target.target_on:%-d %B %Y} against {target.percentage}% "
                   f"({verdict})")
    return TargetProgress(target.summary, target.award_kind, target.percentage, target.target_on, current, projected,
                          round(slope, 2), meets, explanation)


def _coverage_percent(facts: Facts, day: date, key: str) -> float:
    """The per cent of accreditation_coverage's figure `key` (any award, or Excelling) on `day`, without working
    out its other figures."""
    active = active_on(facts, day)
    held = _held_on(facts, day)
    kind = key.removeprefix("accreditation.")
    teams = tuple(t for t in active if t in held and (kind == "any" or held[t] == kind))
    return Figure(key, "", teams, len(active)).percent or 0.0


def _slope(values: list[float]) -> float:
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread if spread else 0.0


# --- The whole dashboard ------------------------------------------------------------------------------------

def build_dashboard(scope: TeamScope, as_of: date, scheme: Scheme, *, target: Any = None,
                    with_trends: bool = True) -> Dashboard:
    """Every measure for the teams in `scope` as of `as_of`, with trends and progress to `target`.

    Issues a fixed number of queries, whatever the number of teams."""
    from accredit.dashboards.facts import load_panel_ratings, load_stepup, panels_recorded, stepup_recorded

    # The first day a figure is worked out for (the first trend month's end, or as_of itself without trends) and
    # the first and last reporting periods judged: the facts are read for those days alone.
    first_day = month_ends(as_of)[0] if with_trends else as_of
    periods = (reporting_period(first_day, scheme).start, reporting_period(as_of, scheme).start)
    facts = load_facts(scope, as_of, first_day=first_day, periods=periods,
                       qrvs_since=_months_before(first_day, QRV_WINDOW_MONTHS), thresholds=scheme.saf_thresholds)
    if awards_recorded():
        load_awards(facts, scope)
    if stepup_recorded():
        load_stepup(facts, scope)
    if panels_recorded():
        load_panel_ratings(facts, scope)
    measures = measures_on(facts, as_of, scheme)
    active = active_on(facts, as_of)
    rows = heatmap(facts, active)
    measures["calibration"] = calibration_measure(rows)
    found_trends = []
    if with_trends:
        found_trends = [*trends(facts, scheme), calibration_trend(facts, scope, scheme, measures["calibration"])]
    in_view = set(active)
    return Dashboard(
        as_of=as_of, period=reporting_period(as_of, scheme), teams=facts.teams, active=active, measures=measures,
        heatmap=rows, calibration=calibration(rows), trends=found_trends,
        target=progress_to_target(target, facts, scheme),
        overdue_visits=[v for v in facts.overdue_visits if v[1] in in_view],
    )

