"""Self-assessment periods: monthly or quarterly, each with its due date, computed from the calendar alone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CADENCES = {"monthly": 1, "quarterly": 3}


@dataclass(frozen=True, order=True)
class Period:
    """One assessment period: first and last day, and the day the submission is due."""

    start: date
    end: date
    due: date

    @property
    def label(self) -> str:
        if self.start.month == self.end.month:
            return self.start.strftime("%B %Y")
        return f"{self.start.strftime('%B')} to {self.end.strftime('%B %Y')}"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, cadence: str = "monthly", due_after_days: int = 13) -> Period:
    """The period `day` falls in. Quarters follow the NHS financial year (April, July, October, January).

    The due date is `due_after_days` after the first day, but never after the last day.
    Raises ValueError for an unknown cadence.
    """
    if cadence not in CADENCES:
        raise ValueError(f"cadence must be one of {', '.join(CADENCES)}, not {cadence!r}")
    months = CADENCES[cadence]
    # Months counted from April, so that quarters line up with the financial year.
    offset = ((day.month - 4) % 12) // months * months
    start = _add_months(date(day.year if day.month >= 4 else day.year - 1, 4, 1), offset)
    if months == 1:
        start = date(day.year, day.month, 1)
    end = _add_months(start, months) - timedelta(days=1)
    return Period(start, end, min(start + timedelta(days=due_after_days), end))


def next_period(period: Period, cadence: str = "monthly", due_after_days: int = 13) -> Period:
    return period_containing(period.end + timedelta(days=1), cadence, due_after_days)


def previous_period(period: Period, cadence: str = "monthly", due_after_days: int = 13) -> Period:
    return period_containing(period.start - timedelta(days=1), cadence, due_after_days)
