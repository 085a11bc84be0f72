"""The award rule (DESIGN.md §4.4) against an independent statement of it, over every combination of ratings."""
from __future__ import annotations

import itertools

import pytest

from workflows.ratings import Domain, Rating
from workflows.rules import EXCELLING_TEAM, OUTSTANDING_TEAM, award_outcome

O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE
DOMAINS = [Domain.SAFE, Domain.EFFECTIVE, Domain.CARING, Domain.RESPONSIVE, Domain.WELL_LED]
COMBINATIONS = list(itertools.product([I, RI, G, O], repeat=5))


def expected_award(ratings: tuple[Rating, ...], outstanding_needed: int = 2) -> str | None:
    """The rule as DESIGN.md states it, written without the code under test."""
    outstanding = sum(1 for r in ratings if r == O)
    below_good = sum(1 for r in ratings if r in (RI, I))
    if outstanding == 5:
        return "excelling_team"
    if outstanding >= outstanding_needed and below_good == 0:
        return "outstanding_team"
    return None


def test_award_rule_covers_every_combination():
    assert len(COMBINATIONS) == 4 ** 5 == 1024


def test_award_rule_matches_the_independent_statement_for_all_1024_combinations():
    wrong = [combo for combo in COMBINATIONS
             if award_outcome(dict(zip(DOMAINS, combo))).value != expected_award(combo)]
    assert wrong == []


def test_award_rule_outcome_counts():
    # 1 Excelling; Outstanding Team: 2-4 Outstanding, the rest Good: C(5,2)+C(5,3)+C(5,4) = 10+10+5 = 25.
    values = [award_outcome(dict(zip(DOMAINS, combo))).value for combo in COMBINATIONS]
    assert (values.count(EXCELLING_TEAM), values.count(OUTSTANDING_TEAM), values.count(None)) == (1, 25, 998)


def test_award_rule_excelling_explained():
    result = award_outcome(dict.fromkeys(DOMAINS, O))
    assert (result.value, result.explanation, result.rule) == (
        "excelling_team", "Excelling Team: Outstanding in all five domains", "award")


def test_award_rule_outstanding_team_explained():
    result = award_outcome(dict(zip(DOMAINS, [O, G, O, G, G])))
    assert result.value == "outstanding_team"
    assert result.explanation == "Outstanding Team: Outstanding in Safe and Caring (2 of 2 needed); no domain below Good"
    assert result.inputs == {
        "ratings": {"safe": "outstanding", "effective": "good", "caring": "outstanding", "responsive": "good",
                    "well_led": "good"},
        "outstanding_needed": 2, "floor": "good"}


def test_award_rule_no_award_explained():
    result = award_outcome(dict(zip(DOMAINS, [O, RI, G, I, G])))
    assert result.value is None
    assert result.explanation == ("No award: Outstanding in Safe (1 of 2 needed); "
                                  "below Good in Effective (Requires improvement) and Responsive (Inadequate)")


def test_award_rule_no_award_with_no_outstanding_explained():
    result = award_outcome(dict.fromkeys(DOMAINS, G))
    assert result.explanation == "No award: Outstanding in no domain (0 of 2 needed)"


@pytest.mark.parametrize("combo", COMBINATIONS, ids=["-".join(r.value[:2] for r in c) for c in COMBINATIONS])
def test_award_rule_outstanding_needed_three(combo):
    assert award_outcome(dict(zip(DOMAINS, combo)), outstanding_needed=3).value == expected_award(combo, 3)


def test_award_rule_outstanding_needed_three_explained():
    result = award_outcome(dict(zip(DOMAINS, [O, O, G, G, G])), outstanding_needed=3)
    assert (result.value, result.explanation) == (
        None, "No award: Outstanding in Safe and Effective (2 of 3 needed)")


def test_award_rule_missing_domain_refused():
    ratings = dict.fromkeys(DOMAINS, O)
    del ratings[Domain.WELL_LED]
    with pytest.raises(ValueError) as refused:
        award_outcome(ratings)
    assert str(refused.value) == "every domain needs a rating; missing: Well-led"
