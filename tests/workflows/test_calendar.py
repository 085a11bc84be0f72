"""Working days (DESIGN.md §5.3): weekends and England and Wales bank holidays, observed days included."""
from __future__ import annotations

from datetime import date

import pytest

from workflows.calendar import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 3, 3), 0, date(2026, 3, 3)),     # Tue: nothing to add
    (date(2026, 3, 3), 1, date(2026, 3, 4)),     # Tue -> Wed
    (date(2026, 3, 6), 1, date(2026, 3, 9)),     # Fri -> Mon, over the weekend
    (date(2026, 3, 7), 1, date(2026, 3, 9)),     # Sat -> Mon
    (date(2026, 3, 5), 5, date(2026, 3, 12)),    # Thu + 5 -> next Thu
])
def test_add_working_days_across_a_weekend(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(("start", "days", "expected"), [
    # 2026: Christmas Fri 25 Dec; Boxing Day falls on Sat 26, observed Mon 28 Dec.
    (date(2026, 12, 24), 1, date(2026, 12, 29)),
    (date(2026, 12, 23), 2, date(2026, 12, 29)),
    # 2027: Christmas Sat 25 and Boxing Day Sun 26 Dec, observed Mon 27 and Tue 28 Dec.
    (date(2027, 12, 24), 1, date(2027, 12, 29)),
    (date(2027, 12, 23), 2, date(2027, 12, 29)),
])
def test_add_working_days_across_christmas_with_observed_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_add_working_days_across_easter():
    # 2026: Good Friday 3 Apr, Easter Monday 6 Apr; Thu 2 Apr + 1 skips Fri, the weekend and Mon.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_add_working_days_across_a_year_end():
    # Wed 30 Dec 2026 -> Thu 31 (1); Fri 1 Jan 2027 is New Year's Day; Mon 4 (2), Tue 5 (3).
    assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)


def test_add_working_days_factual_accuracy_from_a_draft_sent_18_december_2026():
    # Counted by hand from Fri 18 Dec 2026 (the day sent does not count):
    #   Mon 21 (1), Tue 22 (2), Wed 23 (3), Thu 24 (4),
    #   Fri 25 Christmas Day, Sat 26, Sun 27, Mon 28 Boxing Day (observed) -- none count,
    #   Tue 29 (5), Wed 30 (6), Thu 31 (7),
    #   Fri 1 Jan 2027 New Year's Day, Sat 2, Sun 3 -- none count,
    #   Mon 4 (8), Tue 5 (9), Wed 6 Jan 2027 (10).
    # So the period ends on Wed 6 Jan 2027. (8 Jan would be 12 working days: it would need 24 and 31 Dec
    # to be holidays, which they are not in England and Wales.)
    assert add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 6)


@pytest.mark.parametrize(("start", "end", "expected"), [
    (date(2026, 3, 3), date(2026, 3, 3), 0),     # same day
    (date(2026, 3, 4), date(2026, 3, 3), 0),     # end before start
    (date(2026, 3, 6), date(2026, 3, 9), 1),     # Fri -> Mon: only Mon counts
    (date(2026, 3, 2), date(2026, 3, 9), 5),     # Mon -> next Mon
    (date(2026, 4, 2), date(2026, 4, 7), 1),     # over Easter: only Tue 7 Apr
    (date(2026, 12, 18), date(2027, 1, 6), 10),  # the factual accuracy period above
    (date(2027, 12, 24), date(2027, 12, 31), 3),  # 29, 30, 31 Dec 2027
])
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 3, 3), True),     # an ordinary Tuesday
    (date(2026, 3, 7), False),    # Saturday
    (date(2026, 3, 8), False),    # Sunday
    (date(2026, 4, 3), False),    # Good Friday
    (date(2026, 4, 6), False),    # Easter Monday
    (date(2026, 12, 25), False),  # Christmas Day
    (date(2026, 12, 28), False),  # Boxing Day (observed)
    (date(2026, 12, 24), True),   # Christmas Eve is not a bank holiday
    (date(2027, 12, 27), False),  # Christmas Day (observed)
    (date(2027, 12, 28), False),  # Boxing Day (observed)
])
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


def test_add_working_days_refuses_negative_days():
    with pytest.raises(ValueError) as refused:
        add_working_days(date(2026, 3, 3), -1)
    assert str(refused.value) == "days must not be negative"
