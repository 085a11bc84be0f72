"""The award's validity and suspension rules (DESIGN.md §4.4), and their scheme settings."""
from __future__ import annotations

from datetime import date

import pytest

from workflows.accreditation import AwardKind
from workflows.ratings import Rating
from workflows.rules import EXCELLING_TEAM, OUTSTANDING_TEAM, add_months, award_suspension, award_validity
from workflows.scheme import Scheme

I, RI, G, O = Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD, Rating.OUTSTANDING


def test_award_kinds_are_the_award_rule_outcomes():
    assert [(k.value, k.label) for k in AwardKind] == [
        (OUTSTANDING_TEAM, "Outstanding Team"), (EXCELLING_TEAM, "Excelling Team")]


@pytest.mark.parametrize(("decided_on", "months", "until"), [
    (date(2026, 3, 2), 12, date(2027, 3, 2)),
    (date(2026, 12, 31), 12, date(2027, 12, 31)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # no 29 February in 2029
    (date(2028, 2, 29), 48, date(2032, 2, 29)),  # 2032 is a leap year
    (date(2027, 2, 28), 12, date(2028, 2, 28)),  # not moved to the 29th of a leap year
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 3, 31), 13, date(2027, 4, 30)),
])
def test_award_validity_dates(decided_on, months, until):
    assert award_validity(decided_on, months).value == until
    assert add_months(decided_on, months) == until


def test_award_validity_explained():
    result = award_validity(date(2026, 3, 2), 12)
    assert (result.explanation, result.rule, result.inputs) == (
        "Valid until 2 March 2027: 12 months from the decision of 2 March 2026", "award_validity",
        {"decided_on": "2026-03-02", "months": 12})


def test_award_validity_on_29_february_explained():
    assert award_validity(date(2028, 2, 29), 12).explanation == (
        "Valid until 28 February 2029: 12 months from the decision of 29 February 2028 "
        "(February 2029 has no day 29: its last day instead)")


def test_award_validity_of_one_month_is_singular():
    assert award_validity(date(2026, 5, 4), 1).explanation == (
        "Valid until 4 June 2026: 1 month from the decision of 4 May 2026")


def test_award_validity_refuses_no_months():
    with pytest.raises(ValueError) as refused:
        award_validity(date(2026, 3, 2), 0)
    assert str(refused.value) == "an award is valid for at least one month"


@pytest.mark.parametrize(("rating", "floor", "suspended"), [
    (I, G, True), (RI, G, True), (G, G, False), (O, G, False),
    (I, O, True), (RI, O, True), (G, O, True), (O, O, False),
    (I, RI, True), (RI, RI, False),
])
def test_award_suspension_below_the_floor(rating, floor, suspended):
    assert award_suspension(rating, floor).value is suspended


def test_award_suspension_explained():
    below = award_suspension(RI)
    assert (below.value, below.explanation, below.rule, below.inputs) == (
        True, "Suspended: a published QRV rated Requires improvement overall is below Good", "award_suspension",
        {"visit_rating": "requires_improvement", "floor": "good"})
    assert award_suspension(G).explanation == "Not suspended: a published QRV rated Good overall is Good or better"


def test_scheme_award_defaults():
    scheme = Scheme()
    assert (scheme.award_valid_months, scheme.award_suspension_floor, scheme.award_support_plan_days,
            scheme.award_expiry_reminder_days) == (12, "good", 28, (60, 30))


def test_scheme_award_settings_round_trip_as_json():
    scheme = Scheme.from_mapping({"award_expiry_reminder_days": [90, 30, 7], "award_suspension_floor": "outstanding"})
    assert (scheme.award_expiry_reminder_days, scheme.award_suspension_floor) == ((90, 30, 7), "outstanding")
    assert Scheme.from_mapping({k: v for k, v in scheme.to_mapping().items() if k.startswith("award_")}) == scheme


@pytest.mark.parametrize(("overrides", "message"), [
    ({"award_valid_months": 0}, "award_valid_months must be at least 1"),
    ({"award_suspension_floor": "excellent"},
     "award_suspension_floor must be one of inadequate, requires_improvement, good, outstanding"),
    ({"award_support_plan_days": 0}, "award_support_plan_days must be at least 1"),
    ({"award_expiry_reminder_days": [60, 60]},
     "award_expiry_reminder_days must be different whole numbers of days, each at least 1"),
    ({"award_expiry_reminder_days": [30, 0]},
     "award_expiry_reminder_days must be different whole numbers of days, each at least 1"),
    ({"award_valid_months": "12"}, "scheme setting 'award_valid_months' must be a whole number"),
])
def test_scheme_refuses_bad_award_settings(overrides, message):
    with pytest.raises(ValueError) as refused:
        Scheme.from_mapping(overrides)
    assert str(refused.value) == message
