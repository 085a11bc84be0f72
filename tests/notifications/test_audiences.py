"""Audiences: who is `team`, `team_lead` or a quality lead for a team, from grants at every scope, active only."""
from __future__ import annotations

import pytest

from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.notifications.audiences import Audiences, shared_for_run
from accredit.roles import Role
from tests.notifications.fixtures import ward  # noqa: F401
from tests.statements import statements_sent


@pytest.fixture
def grants(ward, factory):
    """Ward 7's people, plus grants held for its service, its division and the trust, and an inactive one."""
    factory.user(email="svclead@test.nhs.uk", role=Role.TEAM_LEAD, scope=ward.team.service)
    factory.user(email="divmember@test.nhs.uk", role=Role.TEAM_MEMBER, scope=ward.team.service.division)
    factory.user(email="trustlead@test.nhs.uk", role=Role.TEAM_LEAD, scope="trust")
    both = factory.user(email="both@test.nhs.uk", role=Role.TEAM_MEMBER, scope=ward.team)
    factory.grant(both, Role.TEAM_LEAD, ward.team.service)  # two grants, one person
    gone = factory.user(email="gone@test.nhs.uk", role=Role.TEAM_LEAD, scope=ward.team)
    accounts.set_active(gone, False)
    factory.commit()
    return ward


@pytest.mark.parametrize("team, audience, emails", [
    ("team", "team", ["both", "divmember", "lead", "nurse", "svclead", "trustlead"]),
    ("team", "team_lead", ["both", "lead", "svclead", "trustlead"]),
    ("team", "division_quality_lead", ["medql"]),
    ("team", "trust_quality_lead", ["trustql"]),
    ("other_team", "team", ["trustlead", "ward9"]),
    ("other_team", "team_lead", ["trustlead", "ward9"]),
    ("other_team", "division_quality_lead", ["surgql"]),
])
def test_audience_people_are_the_active_holders_for_the_team(grants, team, audience, emails):
    people = Audiences().people(getattr(grants, team), audience)
    assert [u.email.split("@")[0] for u in people] == emails
    # Read for that team alone (the grants that reach it), the answer is the same.
    alone = Audiences([getattr(grants, team)]).people(getattr(grants, team), audience)
    assert [u.email.split("@")[0] for u in alone] == emails


def test_audiences_read_nothing_until_asked_and_then_once(grants):
    teams = [grants.team, grants.other_team]
    for team in teams:  # their services loaded before counting
        team.service.division_id
    with statements_sent() as statements:
        audiences = Audiences(teams)
        assert statements == []
        audiences.people(grants.team, "team")
        audiences.people(grants.other_team, "team_lead")
        audiences.people(grants.team, "division_quality_lead")
    assert len(statements) == 1


def test_audiences_read_for_some_teams_refuse_another(grants):
    audiences = Audiences([grants.team])
    with pytest.raises(ValueError, match="these audiences were read for other teams than"):
        audiences.people(grants.other_team, "team")


def test_audience_unknown_is_refused(grants):
    with pytest.raises(ValueError, match="unknown audience 'owner'"):
        Audiences().people(grants.team, "owner")


def test_one_run_of_the_sweeps_reads_the_trusts_grants_once(grants):
    """Inside shared_for_run (the scheduler's run), trust-wide audiences share one reading, and what they give
    stays usable after a sweep commits; audiences for some teams read their own. Outside, each reads again."""
    with shared_for_run():
        with statements_sent() as statements:
            first = Audiences().people(grants.team, "team_lead")
            db.session.commit()  # the first sweep ends
            again = Audiences().people(grants.other_team, "team_lead")
        assert len([s for s in statements if "FROM role_assignments" in s]) == 1  # (the rest: teams reloaded)
        assert [(p.email, p.active) for p in first][0] == ("both@test.nhs.uk", True)
        assert [p.email.split("@")[0] for p in again] == ["trustlead", "ward9"]
        with statements_sent() as own:
            Audiences([grants.team]).people(grants.team, "team")
        assert len([s for s in own if "FROM role_assignments" in s]) == 1
    with statements_sent() as outside:
        Audiences().people(grants.team, "team")
        Audiences().people(grants.team, "team")
    assert len([s for s in outside if "FROM role_assignments" in s]) == 2
