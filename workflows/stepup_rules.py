"""Step-up rules as pure functions (DESIGN.md §4.5): signals, the risk score, the proposed level, the cycle.

Every function takes the scheme (any object with the `stepup_*` settings of workflows.scheme.Scheme) and the
facts; none reads the clock or the database, so a score or a proposal can be recomputed from what was stored.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from workflows.ratings import Rating
from workflows.rules import RuleResult
from workflows.stepup import STEPUP_WORKFLOW, Severity, StepupLevel, neighbour

SEVERITIES = [s.value for s in Severity]
LEVELS = [level.value for level in StepupLevel]


def check_stepup_settings(scheme: Any) -> None:
    """Raise ValueError unless the Step-up settings of `scheme` are complete and consistent."""
    if set(scheme.stepup_cycle_months) != set(LEVELS) or any(m < 1 for m in scheme.stepup_cycle_months.values()):
        raise ValueError(f"stepup_cycle_months needs a whole number of months (1 or more) for each of {LEVELS}")
    if set(scheme.stepup_severity_points) != set(SEVERITIES):
        raise ValueError(f"stepup_severity_points needs points for each of {SEVERITIES}")
    if scheme.stepup_red_severity not in SEVERITIES:
        raise ValueError(f"stepup_red_severity must be one of {SEVERITIES}")
    thresholds = [scheme.stepup_thresholds.get(level) for level in LEVELS[1:]]
    if None in thresholds or thresholds != sorted(thresholds) or thresholds[0] < 1:
        raise ValueError(f"stepup_thresholds needs rising scores (1 or more) for {LEVELS[1:]}")
    if set(scheme.stepup_step_reminder_days) != set(LEVELS):
        raise ValueError(f"stepup_step_reminder_days needs days for each of {LEVELS}")
    percents = list(scheme.stepup_step_due_percent)
    if len(percents) != 4 or percents != sorted(percents) or not 0 < percents[0] or percents[-1] != 100:
        raise ValueError("stepup_step_due_percent needs four rising percentages ending at 100")


# --- Dates ------------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, kept within the month (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def months_between(since: date, today: date) -> int:
    """Whole months from `since` to `today` (0 if `today` is before `since`)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    while months > 0 and add_months(since, months) > today:
        months -= 1
    return max(months, 0)


# --- Signals and the risk score ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    """One thing that counts towards a team's risk: recorded by a quality lead or derived by the engine."""

    source: str  #: recorded, self_assessment, review, missed_assessment, late_assessment, overdue_action
    severity: Severity
    on: date
    description: str


#: The severity a rating gives, for self-assessment and review ratings; Good and Outstanding give none.
RATING_SEVERITY = {Rating.INADEQUATE: Severity.RED, Rating.REQUIRES_IMPROVEMENT: Severity.AMBER}


def derived_signals(*, assessment: tuple[date, Rating] | None = None, review: tuple[date, Rating, str] | None = None,
                    missed: Sequence[date] = (), late: Sequence[date] = (),
                    overdue_actions: Sequence[tuple[date, str]] = ()) -> list[Signal]:
    """The engine's own signals: the latest self-assessed and review ratings below Good, each missed or late
    self-assessment, and each overdue action (`(due date, title)`)."""
    signals = []
    if assessment is not None and assessment[1] in RATING_SEVERITY:
        on, rating = assessment
        signals.append(Signal("self_assessment", RATING_SEVERITY[rating], on,
                              f"Latest self-assessment rated {rating.label} overall"))
    if review is not None and review[1] in RATING_SEVERITY:
        on, rating, title = review
        signals.append(Signal("review", RATING_SEVERITY[rating], on, f"{title} rated {rating.label} overall"))
    for on in missed:
        signals.append(Signal("missed_assessment", Severity.AMBER, on,
                              f"Self-assessment for {on:%B %Y} missed"))
    for on in late:
        signals.append(Signal("late_assessment", Severity.GREEN, on, f"Self-assessment for {on:%B %Y} submitted late"))
    for due, title in overdue_actions:
        signals.append(Signal("overdue_action", Severity.GREEN, due, f"Action overdue since {due:%-d %B %Y}: {title}"))
    return signals


@dataclass(frozen=True)
class Reason:
    """One line of a score's explanation."""

    description: str
    severity: Severity
    points: int
    on: date
    source: str


def risk_score(signals: Sequence[Signal], scheme: Any) -> RuleResult[int]:
    """Sum each signal's points by its severity (`stepup_severity_points`); `inputs["reasons"]` lists every signal,
    most serious first, and `inputs["has_red"]` says whether one is red (`stepup_red_severity`)."""
    points = scheme.stepup_severity_points
    order = {Severity.RED: 0, Severity.AMBER: 1, Severity.GREEN: 2}
    reasons = [Reason(s.description, s.severity, points[s.severity.value], s.on, s.source)
               for s in sorted(signals, key=lambda s: (order[s.severity], -s.on.toordinal(), s.description))]
    total = sum(r.points for r in reasons)
    has_red = any(r.severity.value == scheme.stepup_red_severity for r in reasons)
    counts = [f"{n} {sev.label.lower()} ({n * points[sev.value]} points)"
              for sev in (Severity.RED, Severity.AMBER, Severity.GREEN)
              if (n := sum(1 for r in reasons if r.severity is sev))]
    months = scheme.stepup_signal_window_months
    if not reasons:
        explanation = f"Risk score 0: no signals in the last {months} months"
    else:
        explanation = f"Risk score {total}: {', '.join(counts)} in the last {months} months"
    return RuleResult(total, explanation, "stepup_risk_score",
                      {"reasons": reasons, "has_red": has_red, "points": dict(points)})


def level_for_score(score: int, scheme: Any) -> RuleResult[StepupLevel]:
    """The level a score points to: the highest whose threshold (`stepup_thresholds`, lowest score) it reaches."""
    level = StepupLevel.STEP_DOWN
    for candidate in (StepupLevel.STANDARD, StepupLevel.STEP_UP, StepupLevel.INTENSIVE):
        if score >= scheme.stepup_thresholds[candidate.value]:
            level = candidate
    bands = _bands(scheme)
    return RuleResult(level, f"A score of {score} points to {level.short_label} ({bands[level]})",
                      "stepup_level_for_score", {"score": score, "thresholds": dict(scheme.stepup_thresholds)})


def _bands(scheme: Any) -> dict[StepupLevel, str]:
    t = scheme.stepup_thresholds
    return {
        StepupLevel.STEP_DOWN: f"below {t['standard']}",
        StepupLevel.STANDARD: f"{t['standard']}–{t['step_up'] - 1}",
        StepupLevel.STEP_UP: f"{t['step_up']}–{t['intensive'] - 1}",
        StepupLevel.INTENSIVE: f"{t['intensive']} and above",
    }


@dataclass(frozen=True)
class Proposed:
    """What the engine proposes: a trigger and the level it leads to; `blocked` says why it is held back."""

    trigger: str
    to_level: StepupLevel
    blocked: list[str]


def propose_level(current: StepupLevel, score: RuleResult[int], *, months_at_level: int, has_good_review: bool,
                  scheme: Any) -> RuleResult[Proposed | None]:
    """Whether the engine proposes a change of level now, one level towards where the score points.

    Stepping down also needs a published review rated Good or better in the risk window (a quiet team is not
    yet a good one). A proposal the workflow would refuse now (too soon at the level) is returned with `blocked`
    set and its reasons, so people can see it coming; the engine raises only unblocked ones.
    """
    target = level_for_score(score.value, scheme)
    inputs = {"score": score.value, "current": current.value, "target": target.value.value,
              "months_at_level": months_at_level}
    if target.value == current:
        return RuleResult(None, f"Stay at {current.short_label}: {target.explanation.lower()}", "stepup_proposal", inputs)
    trigger = "step_up" if target.value > current else "step_down"
    to_level = neighbour(current, trigger)
    if trigger == "step_down" and not has_good_review:
        return RuleResult(None, f"Stay at {current.short_label}: {target.explanation.lower()}, but stepping down also "
                          f"needs a published review rated Good or better in the last "
                          f"{scheme.stepup_signal_window_months} months", "stepup_proposal", inputs)

    blocked = list(_refusals(current, trigger, **guard_context(months_at_level, score.inputs["has_red"], scheme)))
    verb = "Step up" if trigger == "step_up" else "Step down"
    one_at_a_time = f" (one level at a time; the score points to {target.value.short_label})" \
        if target.value != to_level else ""
    text = f"{verb} to {to_level.label}: {score.explanation}; {target.explanation.lower()}{one_at_a_time}"
    if blocked:
        text += f"; not yet: {'; '.join(blocked)}"
    return RuleResult(Proposed(trigger, to_level, blocked), text, "stepup_proposal", inputs)


@lru_cache(maxsize=1024)
def _refusals(current: StepupLevel, trigger: str, **context: Any) -> tuple[str, ...]:
    """Why the Step-up workflow would refuse `trigger` from `current` with the guards' `context` now (empty if
    it would not). The guards read only the level and the context, so the answer is remembered: binding a
    record to the state machine for each check took 1.2 s of the month-end sweep at 10,000 teams, which asks
    a few dozen different questions."""

    class _Now:  # what the workflow's guards read of the regulation
        level = current

    return tuple(STEPUP_WORKFLOW.check(_Now(), trigger, reason="(proposal)", **context))


def guard_context(months_at_level: int, has_red: bool, scheme: Any) -> dict[str, Any]:
    """What the Step-up workflow's guards read, from the facts and the scheme's settings."""
    return {"months_at_level": months_at_level, "has_red": has_red,
            "min_months_down": scheme.stepup_min_months_before_step_down,
            "min_months_up": scheme.stepup_min_months_before_step_up}


# --- The four-step cycle ----------------------------------------------------------------------------------

STEPS = [
    ("self_assessment", "Team self-assessment against the five domains"),
    ("peer_review", "Peer review (like for like) or objective review"),
    ("improvement_plan", "Improvement plan from the findings"),
    ("validation_review", "Validation review that the plan delivered"),
]


@dataclass(frozen=True)
class Cycle:
    number: int  #: 1 for the first cycle at this level
    start: date
    end: date  #: the last day of the cycle
    months: int


def current_cycle(started_on: date, level: StepupLevel, today: date, scheme: Any) -> Cycle:
    """The cycle `today` falls in, counting whole cycles of the level's frequency from `started_on`."""
    months = scheme.stepup_cycle_months[level.value]
    number = max(months_between(started_on, today) // months, 0)
    start = add_months(started_on, number * months)
    return Cycle(number + 1, start, add_months(started_on, (number + 1) * months) - timedelta(days=1), months)


@dataclass(frozen=True)
class StepDone:
    """A step found done: the day and what shows it."""

    on: date
    detail: str


@dataclass(frozen=True)
class CycleStep:
    number: int
    key: str
    title: str
    due_on: date
    state: str  #: done, due or overdue
    done_on: date | None
    detail: str


def step_due_dates(cycle: Cycle, scheme: Any) -> list[date]:
    """Each step's due date: `stepup_step_due_percent` of the way through the cycle (the last on its last day)."""
    length = (cycle.end - cycle.start).days + 1
    return [cycle.start + timedelta(days=max(length * pct // 100 - 1, 0)) for pct in scheme.stepup_step_due_percent]


def cycle_steps(cycle: Cycle, done: Mapping[str, StepDone | None], today: date, scheme: Any) -> list[CycleStep]:
    """The four steps with their due dates and states: done (with the day and why), else due, or overdue once
    the due date has passed."""
    steps = []
    for number, ((key, title), due) in enumerate(zip(STEPS, step_due_dates(cycle, scheme)), start=1):
        found = done.get(key)
        if found is not None:
            steps.append(CycleStep(number, key, title, due, "done", found.on, found.detail))
        else:
            state = "overdue" if today > due else "due"
            when = f"was due {due:%-d %B %Y}" if state == "overdue" else f"due by {due:%-d %B %Y}"
            steps.append(CycleStep(number, key, title, due, state, None, f"Not done yet: {when}"))
    return steps
