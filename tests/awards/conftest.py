"""Award fixtures: the visits' small trust (tests/visits/conftest.py) and awards granted through the real service.

    Division Medicine: Acute: Ward 7 Respiratory (the ward; lead Sam Sister), Ward 8 Cardiology;
                       Community: District Nursing
    Division Surgery:  General surgery: Ward 20 Surgical (lead Olly Outsider)
    Quinn Quality: quality lead for the trust; Riley Reviewer: reviewer for the trust.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.accreditation.queries import live_application
from accredit.awards.models import Award
from accredit.awards.services import grant_award
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role
from tests.visits.conftest import Trust, Walk, password, trust, walk  # noqa: F401  (fixtures shared with visits)
from workflows.accreditation import ApplicationStatus, AwardKind
from workflows.ratings import Domain, Rating
from workflows.rules import award_outcome

O, G = Rating.OUTSTANDING, Rating.GOOD
#: Outstanding in Safe and Caring, Good elsewhere: an Outstanding Team.
OUTSTANDING_TEAM_RATINGS = {Domain.SAFE: O, Domain.EFFECTIVE: G, Domain.CARING: O, Domain.RESPONSIVE: G,
                            Domain.WELL_LED: G}


class Granter:
    """Grants awards as a panel decision would: an application (invited, through the real service), then
    grant_award with the award rule's own outcome and explanation."""

    def __init__(self, trust: Trust, factory):
        self.trust = trust
        self.chair = factory.user(name="Chris Chair", role=Role.PANEL_CHAIR)

    def application(self, team: Team, today: date):
        existing = live_application(team.id)
        if existing is not None:
            return existing
        check = EligibilityCheck(team_id=team.id, is_eligible=True, explanation="Eligible: two Good QRVs",
                                 inputs={}, scheme_version="1")
        db.session.add(check)
        db.session.flush()
        # The row as an invitation leaves it (not through invite_team, whose notices belong to the applications'
        # pages): the award needs only an application of the team.
        application = Application(team_id=team.id, status=ApplicationStatus.INVITED, eligibility_id=check.id,
                                  invitation_expires_on=today + timedelta(days=90), scheme_version="1")
        db.session.add(application)
        db.session.flush()
        return application

    def grant(self, team: Team | None = None, decided_on: date = date(2026, 3, 2),
              ratings: dict[Domain, Rating] | None = None, application=None) -> Award:
        team = team or self.trust.ward
        ratings = ratings or OUTSTANDING_TEAM_RATINGS
        outcome = award_outcome(ratings)
        application = application or self.application(team, decided_on)
        return grant_award(application, kind=AwardKind(outcome.value), ratings=ratings,
                           explanation=outcome.explanation, decided_on=decided_on, chair=self.chair,
                           by=self.trust.quality_lead)


@pytest.fixture
def granter(trust, factory) -> Granter:
    return Granter(trust, factory)
