"""A trust's scheme: every rule setting in one frozen value, with DESIGN.md's defaults.

Rules read their thresholds from here, never from constants in code. The application stores a trust's
overrides as JSON and builds a Scheme with `Scheme.from_mapping`, which refuses unknown or mistyped keys.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.periods import CADENCES
from workflows.reminders import ACTION_AUDIENCES, check_reminder_settings
from workflows.ratings import Rating
from workflows.rules import SafThresholds
from workflows.stepup_rules import check_stepup_settings


@dataclass(frozen=True)
class Scheme:
    version: str = "1"
    #: self-assessment periods (DESIGN.md §4.1)
    assessment_cadence: str = "monthly"
    assessment_due_after_days: int = 13  #: due on the 14th of a monthly period
    saf_thresholds: SafThresholds = field(default_factory=SafThresholds)
    #: Quality Review Visits and accreditation (DESIGN.md §4.2–4.4)
    factual_accuracy_working_days: int = 10
    eligibility_visits_needed: int = 2  #: consecutive published QRVs rated Good or better
    award_outstanding_needed: int = 2  #: Outstanding domains for an Outstanding Team (none below Good)
    invitation_valid_days: int = 90
    appeal_working_days: int = 15
    #: No award: the team's improvement plan, with the trust's improvement partner, due this many days after
    improvement_partner: str = "the trust's quality improvement partner"
    improvement_plan_days: int = 90
    #: Invitation lapsing and panel reminders (DESIGN.md §6), in days before
    invitation_reminder_days: int = 14
    panel_reminder_days: int = 7
    award_valid_months: int = 12
    #: Awards (DESIGN.md §4.4, §6): a published QRV rated below this overall suspends an active award; the
    #: suspension's support plan actions fall due this many days after; expiry reminders, in days before it ends
    award_suspension_floor: str = "good"
    award_support_plan_days: int = 28
    award_expiry_reminder_days: tuple[int, ...] = (60, 30)
    #: Step-up cycle frequency per level, in months (DESIGN.md §4.5)
    stepup_cycle_months: Mapping[str, int] = field(
        default_factory=lambda: {"step_down": 12, "standard": 6, "step_up": 3, "intensive": 1}
    )
    stepup_min_months_before_step_down: int = 3
    stepup_min_months_before_step_up: int = 3  #: sooner than this after a change, only a red signal steps up
    #: Step-up risk: points per signal severity, the severity that may step up at once, the window signals count in
    stepup_severity_points: Mapping[str, int] = field(default_factory=lambda: {"green": 2, "amber": 10, "red": 30})
    stepup_red_severity: str = "red"
    stepup_signal_window_months: int = 6
    #: the lowest risk score for each level above step_down (below `standard` the score points to step_down)
    stepup_thresholds: Mapping[str, int] = field(
        default_factory=lambda: {"standard": 5, "step_up": 20, "intensive": 45}
    )
    stepup_repropose_after_days: int = 30  #: a rejected change is not proposed again for this long
    #: each cycle step is due this far (percent) through the cycle; the reminder goes this many days before
    stepup_step_due_percent: tuple[int, ...] = (25, 50, 75, 100)
    stepup_step_reminder_days: Mapping[str, int] = field(
        default_factory=lambda: {"step_down": 14, "standard": 14, "step_up": 7, "intensive": 3}
    )
    #: Self-assessment reminders (DESIGN.md §6): days before the due date, to the team lead
    assessment_reminder_days: tuple[int, ...] = (7, 1)
    #: The overdue ladder: (days overdue, audience); audiences are workflows.reminders.AUDIENCES
    assessment_escalation: tuple[tuple[int, str], ...] = (
        (1, "team_lead"), (7, "division_quality_lead"), (14, "trust_quality_lead"),
    )
    #: Improvement action reminders (DESIGN.md §6): days before the due date, to the owner
    action_reminder_days: tuple[int, ...] = (7,)
    #: The overdue ladder for actions: (days overdue, audience); audiences are workflows.reminders.ACTION_AUDIENCES
    action_escalation: tuple[tuple[int, str], ...] = (
        (1, "owner"), (7, "division_quality_lead"), (14, "trust_quality_lead"),
    )
    #: Quality Review Visits (DESIGN.md §6): the reminder, days before the visit; the factual accuracy
    #: closing reminder, working days before the period closes
    visit_reminder_days: int = 14
    factual_accuracy_reminder_working_days: int = 2

    def __post_init__(self) -> None:
        if self.assessment_cadence not in CADENCES:
            raise ValueError(f"assessment_cadence must be one of {', '.join(CADENCES)}")
        if not 0 <= self.assessment_due_after_days <= 88:
            raise ValueError("assessment_due_after_days must be between 0 and 88")
        check_reminder_settings(self.assessment_reminder_days, self.assessment_escalation)
        check_stepup_settings(self)
        check_reminder_settings(self.action_reminder_days, self.action_escalation, subject="action",
                                audiences=ACTION_AUDIENCES)
        if self.visit_reminder_days < 1 or self.factual_accuracy_reminder_working_days < 1:
            raise ValueError("visit_reminder_days and factual_accuracy_reminder_working_days must be at least 1")
        _check_award_settings(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Scheme:
        """Defaults overridden by `values`; raises ValueError naming an unknown key or a wrong type."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown scheme setting {key!r}")
            if key == "saf_thresholds":
                value = SafThresholds(**value)
            elif key in _SEQUENCES:
                value = _as_tuples(key, value)
            elif isinstance(getattr(cls(), key), int) and not (isinstance(value, int) and not isinstance(value, bool)):
                raise ValueError(f"scheme setting {key!r} must be a whole number")
            kwargs[key] = value
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


#: Settings stored as JSON lists that the Scheme holds as (nested) tuples: equal again after a JSON round trip.
_SEQUENCES = {"assessment_reminder_days", "assessment_escalation", "award_expiry_reminder_days",
              "action_reminder_days", "action_escalation", "stepup_step_due_percent"}


def _check_award_settings(scheme: Scheme) -> None:
    """Raise ValueError for award settings no award could follow."""
    if scheme.award_valid_months < 1:
        raise ValueError("award_valid_months must be at least 1")
    if scheme.award_suspension_floor not in {r.value for r in Rating}:
        raise ValueError(f"award_suspension_floor must be one of {', '.join(r.value for r in Rating)}")
    if scheme.award_support_plan_days < 1:
        raise ValueError("award_support_plan_days must be at least 1")
    days = scheme.award_expiry_reminder_days
    if not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in days) or len(set(days)) != len(days):
        raise ValueError("award_expiry_reminder_days must be different whole numbers of days, each at least 1")


def _as_tuples(key: str, value: Any) -> tuple:
    if not isinstance(value, list | tuple):
        raise ValueError(f"scheme setting {key!r} must be a list")
    return tuple(_as_tuples(key, v) if isinstance(v, list | tuple) else v for v in value)


DEFAULT_SCHEME = Scheme()
