"""The aggregation rules of DESIGN.md §5.2, each checked with its explanation."""
from __future__ import annotations

import itertools

import pytest

from workflows.ratings import Domain, Rating
from workflows.rules import SafThresholds, cqc_principles, overall_rating, saf_score

O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE


@pytest.mark.parametrize(("ratings", "expected"), [
    ([O, O, G, G, G], O),
    ([O, O, O, O, O], O),
    ([O, G, G, G, G], G),
    ([O, O, RI, G, G], G),
    ([G, G, G, G, G], G),
    ([RI, G, G, G, G], G),
    ([RI, RI, G, O, O], RI),
    ([I, G, G, G, G], RI),
    ([I, O, O, O, O], RI),
    ([I, I, O, O, O], I),
    ([I, I, I, RI, RI], I),
])
def test_cqc_principles_cases(ratings, expected):
    assert cqc_principles(ratings, what="domains").value is expected


def test_cqc_principles_explains_itself():
    result = cqc_principles([O, O, G, G, G], what="domains")
    assert result.explanation == "Outstanding: 2 Outstanding, 3 Good of 5 domains; at least two Outstanding and none below Good"
    assert result.rule == "cqc_principles"
    assert result.inputs == {"ratings": ["outstanding", "outstanding", "good", "good", "good"]}


def test_cqc_principles_empty_is_not_rated():
    result = cqc_principles([], what="standards")
    assert (result.value, result.explanation) == (None, "Not rated: no standards yet")


def _independent_cqc(ratings):
    """The rule restated plainly, to check every combination of five ratings against."""
    n_i = ratings.count(I)
    below_good = n_i + ratings.count(RI)
    if n_i >= 2:
        return I
    if n_i == 1 or below_good >= 2:
        return RI
    if ratings.count(O) >= 2 and below_good == 0:
        return O
    return G


def test_cqc_principles_every_combination_of_five():
    for combo in itertools.product(list(Rating), repeat=5):
        assert cqc_principles(list(combo)).value is _independent_cqc(list(combo)), combo


@pytest.mark.parametrize(("ratings", "percent", "expected"), [
    ([O] * 8, 100, O),
    ([O] * 7 + [G], 97, O),
    ([G] * 8, 75, G),
    ([O, O, O, G, G, G, G, RI], 81, G),   # 26/32
    ([RI] * 8, 50, RI),
    ([I] * 8, 25, I),
    ([G, G, RI, RI, I, I, I, I], 44, RI),  # 14/32 = 43.75 -> 44
    ([G, RI, I, I, I, I, I, I], 34, I),  # 11/32
])
def test_saf_scoring_bands(ratings, percent, expected):
    result = saf_score(ratings)
    assert (result.inputs["percent"], result.value) == (percent, expected)


def test_saf_scoring_thresholds_are_settings():
    ratings = [G] * 8  # 75%
    assert saf_score(ratings, SafThresholds(outstanding=70, good=50, requires_improvement=30)).value is O


def test_saf_scoring_band_edges():
    # 7 of 8 points would be 87.5%, which rounds up to 88: Outstanding. 62.5% rounds up to 63: Good.
    assert saf_score([O, G]).inputs["percent"] == 88 and saf_score([O, G]).value is O
    assert saf_score([G, RI, RI, G]).inputs["percent"] == 63 and saf_score([G, RI, RI, G]).value is G
    result = saf_score([O] * 3 + [G])
    assert result.explanation == "Outstanding: 15 of 16 points across 4 statements is 94% (88% and above)"


def test_overall_rating_needs_every_domain_under_cqc_principles():
    partial = {Domain.SAFE: [G], Domain.EFFECTIVE: [G]}
    assert overall_rating("cqc_principles", partial).value is None
    full = {Domain.SAFE: [O, O], Domain.EFFECTIVE: [O, O, G], Domain.CARING: [G], Domain.RESPONSIVE: [G], Domain.WELL_LED: [G, RI]}
    assert overall_rating("cqc_principles", full).value is O  # well-led: G+RI -> Good


def test_overall_rating_saf_scores_every_statement():
    by_domain = {Domain.SAFE: [O, O], Domain.CARING: [G, G, RI]}  # 16 of 20 points = 80%
    result = overall_rating("saf_scoring", by_domain)
    assert (result.value, result.inputs["percent"]) == (G, 80)
