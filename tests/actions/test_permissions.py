"""Who may do what to an action, the owner included, and which triggers each person is offered in each state."""
from __future__ import annotations

import pytest

from accredit.actions.permissions import triggers_for
from accredit.permissions import can
from accredit.roles import Role
from tests.actions.conftest import raise_one, walk_to
from workflows.action import ActionStatus

ACTIONS = ["action.view", "action.edit", "action.start", "action.complete", "action.verify", "action.reopen"]


def _allowed(user, action) -> list[str]:
    return [name for name in ACTIONS if can(user, name, action)]


def test_owner_who_is_only_a_team_member_works_it_but_never_verifies_it(ward):
    action = raise_one(ward, owner=ward.member)
    assert _allowed(ward.member, action) == ["action.view", "action.edit", "action.start", "action.complete"]


def test_team_member_who_does_not_own_it_works_it_but_does_not_edit_it(ward, factory):
    colleague = factory.user(name="Colin Colleague", role=Role.TEAM_MEMBER, scope=ward.team)
    action = raise_one(ward, owner=ward.member)
    assert _allowed(colleague, action) == ["action.view", "action.start", "action.complete"]


def test_reviewer_covering_the_team_verifies_and_reopens_only(ward):
    action = raise_one(ward)
    assert _allowed(ward.reviewer, action) == ["action.view", "action.verify", "action.reopen"]


def test_quality_lead_who_owns_it_works_it_but_may_not_verify_it(ward, factory):
    action = raise_one(ward, owner=ward.quality_lead)
    other_lead = factory.user(name="Quentin Quality", role=Role.QUALITY_LEAD)
    assert _allowed(ward.quality_lead, action) == ["action.view", "action.edit", "action.start", "action.complete"]
    assert _allowed(other_lead, action) == ["action.view", "action.edit", "action.verify", "action.reopen"]


def test_member_of_another_team_may_do_nothing(ward):
    action = raise_one(ward)
    assert (_allowed(ward.outsider, action), can(ward.outsider, "action.raise", ward.team)) == ([], False)


def test_raise_is_for_the_team_lead_reviewers_and_quality_leads(ward):
    people = [ward.lead, ward.member, ward.reviewer, ward.quality_lead, ward.outsider]
    assert [p.name for p in people if can(p, "action.raise", ward.team)] == [
        "Sam Sister", "Riley Reviewer", "Quinn Quality"]


@pytest.mark.parametrize(("state", "expected"), [
    (ActionStatus.OPEN, {"owner": ["start"], "lead": ["start"], "reviewer": []}),
    (ActionStatus.IN_PROGRESS, {"owner": ["complete"], "lead": ["complete"], "reviewer": []}),
    (ActionStatus.AWAITING_EVIDENCE, {"owner": [], "lead": [], "reviewer": ["verify", "reopen"]}),
    (ActionStatus.CLOSED, {"owner": [], "lead": [], "reviewer": []}),
])
def test_triggers_offered_come_from_state_and_role(ward, state, expected):
    action = walk_to(raise_one(ward, owner=ward.member), state, ward)
    people = {"owner": ward.member, "lead": ward.lead, "reviewer": ward.reviewer}
    assert {name: triggers_for(user, action) for name, user in people.items()} == expected
