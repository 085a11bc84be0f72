"""Periods and due dates across month ends, leap years and the financial-year quarters."""
from datetime import date

import pytest

from workflows.periods import Period, next_period, period_containing, previous_period


@pytest.mark.parametrize(("day", "start", "end", "due"), [
    (date(2026, 11, 23), date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 14)),
    (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), date(2026, 12, 14)),
    (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29), date(2028, 2, 14)),
    (date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 14)),
])
def test_monthly_period_containing(day, start, end, due):
    assert period_containing(day) == Period(start, end, due)


@pytest.mark.parametrize(("day", "start", "end"), [
    (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 11, 23), date(2026, 10, 1), date(2026, 12, 31)),
    (date(2027, 2, 10), date(2027, 1, 1), date(2027, 3, 31)),
    (date(2027, 3, 31), date(2027, 1, 1), date(2027, 3, 31)),
])
def test_quarterly_periods_follow_the_financial_year(day, start, end):
    period = period_containing(day, "quarterly", due_after_days=20)
    assert (period.start, period.end, period.due) == (start, end, date(start.year, start.month, 21))


def test_due_date_never_falls_after_the_period():
    assert period_containing(date(2026, 2, 5), due_after_days=40).due == date(2026, 2, 28)


def test_next_and_previous_cross_the_year():
    december = period_containing(date(2026, 12, 5))
    assert next_period(december).start == date(2027, 1, 1)
    assert previous_period(period_containing(date(2027, 1, 5))) == december


def test_period_labels():
    assert period_containing(date(2026, 11, 2)).label == "November 2026"
    assert period_containing(date(2026, 11, 2), "quarterly").label == "October to December 2026"


def test_unknown_cadence_is_refused():
    with pytest.raises(ValueError, match="cadence must be one of monthly, quarterly"):
        period_containing(date(2026, 1, 1), "weekly")
