"""The eligibility rule (DESIGN.md §4.3): the most recent published QRVs all Good or better.

The caller passes only published QRVs: cancelled visits and visits still in factual accuracy never reach the rule,
so they are not tested here.
"""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from workflows.ratings import Rating
from workflows.rules import VisitOutcome, eligibility

O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE
RULE = "needs 2 consecutive published QRVs rated Good or better"


def qrv(visit_id: int, visited: date, overall: Rating) -> VisitOutcome:
    # Published a fortnight or so after the visit; the exact day does not matter to the rule.
    return VisitOutcome(visit_id, date.fromordinal(visited.toordinal() + 15), visited, overall)


MARCH = qrv(1, date(2026, 3, 3), G)
SEPTEMBER = qrv(2, date(2026, 9, 9), O)


def test_eligibility_no_visits():
    result = eligibility([])
    assert (result.value, result.explanation) == (False, f"Not yet eligible: {RULE}; 0 published so far")


def test_eligibility_one_visit_only():
    result = eligibility([MARCH])
    assert result.value is False
    assert result.explanation == f"Not yet eligible: {RULE}; 1 published so far (QRV of 3 March 2026: Good)"


def test_eligibility_two_good_or_better_is_eligible():
    result = eligibility([MARCH, SEPTEMBER])
    assert result.value is True
    assert result.explanation == "Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding"
    assert result.rule == "eligibility"
    assert result.inputs == {
        "visits": [{"id": 1, "date": "2026-03-03", "overall": "good"},
                   {"id": 2, "date": "2026-09-09", "overall": "outstanding"}],
        "needed": 2, "minimum": "good"}


def test_eligibility_good_then_requires_improvement_then_good_is_not_eligible():
    visits = [qrv(1, date(2025, 9, 2), G), qrv(2, date(2026, 3, 3), RI), qrv(3, date(2026, 9, 9), G)]
    result = eligibility(visits)
    assert result.value is False
    assert result.explanation == (f"Not eligible: {RULE}; QRV of 3 March 2026: Requires improvement; "
                                  "QRV of 9 September 2026: Good (below Good on 3 March 2026)")
    assert [v["id"] for v in result.inputs["visits"]] == [2, 3]


def test_eligibility_earlier_poor_rating_is_forgotten():
    visits = [qrv(1, date(2025, 3, 4), I), qrv(2, date(2026, 3, 3), G), qrv(3, date(2026, 9, 9), O)]
    result = eligibility(visits)
    assert (result.value, result.explanation) == (
        True, "Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding")


def test_eligibility_latest_below_good_is_not_eligible():
    result = eligibility([MARCH, qrv(2, date(2026, 9, 9), I)])
    assert result.value is False
    assert result.explanation == (f"Not eligible: {RULE}; QRV of 3 March 2026: Good; "
                                  "QRV of 9 September 2026: Inadequate (below Good on 9 September 2026)")


VISITS = [qrv(1, date(2025, 3, 4), RI), qrv(2, date(2025, 9, 2), G), qrv(3, date(2026, 3, 3), G),
          qrv(4, date(2026, 9, 9), O)]


ORDERS = list(itertools.permutations(VISITS))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(str(v.visit_id) for v in o) for o in ORDERS])
def test_eligibility_ignores_input_order(order):
    result = eligibility(list(order))
    assert (result.value, result.explanation) == (
        True, "Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding")


@pytest.mark.parametrize(("ratings", "expected"), [
    ([G, G], False),
    ([G, G, O], True),
    ([RI, G, G, O], True),
    ([G, RI, G, O], False),
    ([G, G, G, RI], False),
])
def test_eligibility_needed_three(ratings, expected):
    # One visit a year, in the order listed.
    visits = [qrv(n, date(2022 + n, 3, 1), r) for n, r in enumerate(ratings, start=1)]
    assert eligibility(visits, needed=3).value is expected


def test_eligibility_needed_three_explains_itself():
    visits = [MARCH, SEPTEMBER]
    result = eligibility(visits, needed=3)
    assert result.explanation == ("Not yet eligible: needs 3 consecutive published QRVs rated Good or better; "
                                  "2 published so far (QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding)")


def test_eligibility_minimum_outstanding():
    result = eligibility([MARCH, SEPTEMBER], minimum=O)
    assert result.value is False
    assert result.explanation == ("Not eligible: needs 2 consecutive published QRVs rated Outstanding or better; "
                                  "QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding "
                                  "(below Outstanding on 3 March 2026)")
