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
from workflows.reminders import check_reminder_settings
from workflows.rules import SafThresholds


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
    award_valid_months: int = 12
    #: Step-up cycle frequency per level, in months (DESIGN.md §4.5)
    stepup_cycle_months: Mapping[str, int] = field(
        default_factory=lambda: {"step_down": 12, "standard": 6, "step_up": 3, "intensive": 1}
    )
    stepup_min_months_before_step_down: int = 3
    #: Self-assessment reminders (DESIGN.md §6): days before the due date, to the team lead
    assessment_reminder_days: tuple[int, ...] = (7, 1)
    #: The overdue ladder: (days overdue, audience); audiences are workflows.reminders.AUDIENCES
    assessment_escalation: tuple[tuple[int, str], ...] = (
        (1, "team_lead"), (7, "division_quality_lead"), (14, "trust_quality_lead"),
    )

    def __post_init__(self) -> None:
        if self.assessment_cadence not in CADENCES:
            raise ValueError(f"assessment_cadence must be one of {', '.join(CADENCES)}")
        if not 0 <= self.assessment_due_after_days <= 88:
            raise ValueError("assessment_due_after_days must be between 0 and 88")
        check_reminder_settings(self.assessment_reminder_days, self.assessment_escalation)

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
_SEQUENCES = {"assessment_reminder_days", "assessment_escalation"}


def _as_tuples(key: str, value: Any) -> tuple:
    if not isinstance(value, list | tuple):
        raise ValueError(f"scheme setting {key!r} must be a list")
    return tuple(_as_tuples(key, v) if isinstance(v, list | tuple) else v for v in value)


DEFAULT_SCHEME = Scheme()
