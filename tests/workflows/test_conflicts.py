"""Conflicts of interest (DESIGN.md §5.5): own team, a team in the person's line, a declared conflict."""
from __future__ import annotations

from workflows.rules import ConflictFacts, conflicts_of_interest

TEAM = 12


def test_conflicts_none():
    facts = ConflictFacts(member_of=frozenset({3}), manages=frozenset({4, 5}), declared=frozenset({6}))
    assert conflicts_of_interest(TEAM, facts) == []


def test_conflicts_none_when_nothing_is_known():
    assert conflicts_of_interest(TEAM, ConflictFacts()) == []


def test_conflicts_member_of_the_team():
    assert conflicts_of_interest(TEAM, ConflictFacts(member_of=frozenset({3, TEAM}))) == ["works in this team"]


def test_conflicts_manages_the_team():
    assert conflicts_of_interest(TEAM, ConflictFacts(manages=frozenset({TEAM}))) == [
        "manages this team in their line"]


def test_conflicts_declared():
    assert conflicts_of_interest(TEAM, ConflictFacts(declared=frozenset({TEAM}))) == [
        "has declared a conflict of interest with this team"]


def test_conflicts_all_three_in_order():
    facts = ConflictFacts(member_of=frozenset({TEAM}), manages=frozenset({TEAM}), declared=frozenset({TEAM}))
    assert conflicts_of_interest(TEAM, facts) == [
        "works in this team", "manages this team in their line", "has declared a conflict of interest with this team"]
