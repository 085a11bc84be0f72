"""Working days (DESIGN.md §5.3): weekends and England and Wales bank holidays do not count."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share one list of bank holidays; `holidays` calls the region ENG.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted); days >= 0."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end is not after start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count


def subtract_working_days(end: date, days: int) -> date:
    """The working day `days` working days before `end` (end itself not counted); days >= 0.

    2 working days before Tuesday 26 May 2026 (after the Spring bank holiday) is Thursday 21 May.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = end
    while days:
        current -= timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def add_unpaused_working_days(start: date, days: int, pauses: Iterable[tuple[date, date]]) -> date:
    """The date `days` working days after `start`, not counting days inside any pause ((first, last) inclusive):
    a pause stops the clock, which runs on from where it stopped when the pause ends. days >= 0.

    10 working days from Tuesday 12 May 2026, paused 20 May to 3 June: 13–19 May count 5, then 4–10 June the
    other 5, so Wednesday 10 June.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    windows = list(pauses)
    current = start
    while days:
        current += timedelta(days=1)
        if is_working_day(current) and not any(first <= current <= last for first, last in windows):
            days -= 1
    return current
