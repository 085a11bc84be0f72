"""Visit fixtures: a small trust with a quality lead, a reviewer and a ward's staff; visits walked through services.

    Division Medicine                      Division Surgery
      Service Acute: Ward 7 (the ward),      Service General: Ward 20 (inpatient)
                     Ward 8 (inpatient)
      Service Community: District Nursing (community)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from accredit.org.models import Division, Service, Team, TeamType
from accredit.roles import Role
from accredit.visits import services
from accredit.visits.models import Visit
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind, VisitStatus

OPENED = date(2020, 4, 1)

#: Five domain ratings giving each overall rating by the CQC ratings principles.
RATINGS_FOR = {
    Rating.OUTSTANDING: {**{d: Rating.GOOD for d in Domain}, Domain.SAFE: Rating.OUTSTANDING,
                         Domain.EFFECTIVE: Rating.OUTSTANDING},
    Rating.GOOD: {d: Rating.GOOD for d in Domain},
    Rating.REQUIRES_IMPROVEMENT: {**{d: Rating.GOOD for d in Domain}, Domain.SAFE: Rating.REQUIRES_IMPROVEMENT,
                                  Domain.EFFECTIVE: Rating.REQUIRES_IMPROVEMENT},
}

#: The order a visit walks through its states.
STEPS = [VisitStatus.PLANNED, VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.DRAFT_REPORT,
         VisitStatus.FACTUAL_ACCURACY, VisitStatus.PUBLISHED]


@dataclass
class Trust:
    medicine: Division
    acute: Service
    ward: Team  #: Ward 7, an inpatient ward in Acute
    sister_ward: Team  #: Ward 8, an inpatient ward in Acute too
    community: Team  #: District Nursing, a community team in Medicine's Community service
    surgical_ward: Team  #: Ward 20, an inpatient ward in another division
    quality_lead: Any  #: quality lead for the whole trust
    reviewer: Any  #: reviewer for the whole trust, in no team
    lead: Any  #: Ward 7's team lead
    member: Any  #: Ward 7's team member
    outsider: Any  #: Ward 20's team lead


@pytest.fixture
def password() -> str | None:
    """None: no sign-in (no password hashing); page and API tests override it with a real password."""
    return None


@pytest.fixture
def trust(factory, password) -> Trust:
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    acute = factory.service(medicine, name="Acute")
    community_service = factory.service(medicine, name="Community")
    general = factory.service(surgery, name="General surgery")
    ward = factory.team(acute, name="Ward 7 Respiratory", opened_on=OPENED)
    surgical_ward = factory.team(general, name="Ward 20 Surgical", opened_on=OPENED)
    trust = Trust(
        medicine=medicine, acute=acute, ward=ward,
        sister_ward=factory.team(acute, name="Ward 8 Cardiology", opened_on=OPENED),
        community=factory.team(community_service, name="District Nursing", team_type=TeamType.COMMUNITY_TEAM,
                               opened_on=OPENED),
        surgical_ward=surgical_ward,
        quality_lead=factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD, password=password),
        reviewer=factory.user(name="Riley Reviewer", role=Role.REVIEWER, password=password),
        lead=factory.user(name="Sam Sister", role=Role.TEAM_LEAD, scope=ward, password=password),
        member=factory.user(name="Nadia Nurse", role=Role.TEAM_MEMBER, scope=ward, password=password),
        outsider=factory.user(name="Olly Outsider", role=Role.TEAM_LEAD, scope=surgical_ward, password=password),
    )
    factory.commit()
    return trust


class Walk:
    """Takes visits through the real services, as far as a test needs them."""

    def __init__(self, trust: Trust):
        self.trust = trust

    def plan(self, team: Team | None = None, day: date = date(2026, 3, 3), kind: VisitKind = VisitKind.QRV) -> Visit:
        return services.plan_visit(team or self.trust.ward, kind, day, by=self.trust.quality_lead)

    def to(self, visit: Visit, state: VisitStatus, overall: Rating = Rating.GOOD,
           today: date | None = None) -> Visit:
        """Fire the triggers that take `visit` from where it is to `state`, rating it `overall` on the way.

        `today` (default: the visit's date) is the day the report is sent and published; the team lead says there
        are no further comments just before it is published.
        """
        trust, today = self.trust, today or visit.visit_date
        steps = STEPS[STEPS.index(visit.status) + 1: STEPS.index(state) + 1]
        for step in steps:
            if step is VisitStatus.SCHEDULED:
                if not visit.reviewers:
                    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead, is_lead=True)
                services.schedule_visit(visit, by=trust.quality_lead)
            elif step is VisitStatus.IN_PROGRESS:
                services.start_visit(visit, by=trust.reviewer)
            elif step is VisitStatus.DRAFT_REPORT:
                self.rate(visit, RATINGS_FOR[overall])
                services.draft_report(visit, by=trust.reviewer)
            elif step is VisitStatus.FACTUAL_ACCURACY:
                services.send_report(visit, by=trust.reviewer, today=today)
            elif step is VisitStatus.PUBLISHED:
                services.comment_on_report(visit, "", by=trust.lead, today=today, finished=True)
                services.publish_report(visit, by=trust.reviewer, today=today)
        return visit

    def rate(self, visit: Visit, ratings: Mapping[Domain, Rating], **kwargs: Any) -> list[Domain]:
        findings = {d: (r, f"{d.label}: what we saw") for d, r in ratings.items()}
        return services.save_ratings(visit, findings, by=self.trust.reviewer, **kwargs)

    def published(self, day: date, overall: Rating, team: Team | None = None) -> Visit:
        return self.to(self.plan(team, day), VisitStatus.PUBLISHED, overall)


@pytest.fixture
def walk(trust) -> Walk:
    return Walk(trust)
