"""Application fixtures: the visit trust plus a panel (chair and members, one inside the ward's division), the
accreditation standards, evidence in the ward's library, and a walk that takes an application to any state."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from accredit.accreditation import appeals, panels, portfolio, prepanel
from accredit.accreditation.models import Application, EligibilityCheck, Verdict
from accredit.accreditation.services import invite_team
from accredit.demo import import_shipped_frameworks
from accredit.evidence.services import upload_evidence
from accredit.extensions import db
from accredit.roles import Role
from tests.evidence import samples
from tests.visits.conftest import password, trust  # noqa: F401  (the visit fixtures)
from workflows.ratings import Domain, Rating

ALL_GOOD = {d: Rating.GOOD for d in Domain}
EXCELLING = {d: Rating.OUTSTANDING for d in Domain}
REASONS = {d: f"{d.label}: what the panel heard" for d in Domain}


@dataclass
class Panel:
    chair: Any  #: panel chair for the trust (outside every division)
    member: Any  #: panel member for the trust
    member2: Any  #: panel member for the trust
    insider: Any  #: panel member for the Medicine division only (the ward's division)
    chair2: Any  #: a second panel chair, for a new sitting or an appeal


@pytest.fixture
def panel(factory, trust, password) -> Panel:
    import_shipped_frameworks()
    people = Panel(
        chair=factory.user(name="Casey Chair", role=Role.PANEL_CHAIR, password=password),
        member=factory.user(name="Parker Panel", role=Role.PANEL_MEMBER, password=password),
        member2=factory.user(name="Jordan Panel", role=Role.PANEL_MEMBER, password=password),
        insider=factory.user(name="Ivy Inside", role=Role.PANEL_MEMBER, scope=trust.medicine, password=password),
        chair2=factory.user(name="Cam Second", role=Role.PANEL_CHAIR, password=password),
    )
    factory.commit()
    return people


def add_evidence(team: Any, by: Any, title: str = "Observation audit") -> Any:
    item = upload_evidence(team, io.BytesIO(samples.pdf(title.encode())), filename="audit.pdf", title=title,
                           review_by=None, by=by)
    db.session.flush()
    return item


class AppWalk:
    """Takes the ward's application through the real services, as far as a test needs."""

    def __init__(self, trust, panel):
        self.trust, self.panel = trust, panel
        self._evidence = None

    def invited(self, today: date = date(2026, 9, 10)) -> Application:
        check = EligibilityCheck(team_id=self.trust.ward.id, is_eligible=True, scheme_version="1",
                                 explanation="Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Good",
                                 inputs={"rule": "eligibility"})
        db.session.add(check)
        db.session.flush()
        return invite_team(self.trust.ward, check, today=today, by=self.trust.reviewer)

    def evidence(self) -> Any:
        if self._evidence is None:
            self._evidence = add_evidence(self.trust.ward, self.trust.lead)
        return self._evidence

    def preparing(self) -> Application:
        application = self.invited()
        portfolio.start_application(application, by=self.trust.lead)
        return application

    def fill(self, application: Application, skip: tuple[str, ...] = ()) -> None:
        for standard in application.standards:
            if standard.code not in skip:
                portfolio.save_entry(application, standard.code, statement=f"How we meet {standard.code}",
                                     evidence_ids=[self.evidence().id], by=self.trust.member)

    def pre_panel(self) -> Application:
        application = self.preparing()
        self.fill(application)
        portfolio.submit_application(application, by=self.trust.lead)
        prepanel.assign_prepanel_member(application, self.panel.member, by=self.trust.quality_lead)
        return application

    def mark_all(self, application: Application, verdict: Verdict = Verdict.ROBUST) -> None:
        for standard in application.standards:
            prepanel.review_standard(application, standard.code, verdict=verdict, comment="Strong", by=self.panel.member)

    def panel_ready(self, today: date = date(2026, 10, 1)) -> Application:
        application = self.pre_panel()
        self.mark_all(application)
        prepanel.assure_application(application, by=self.panel.member)
        self.seat(application, today)
        return application

    def seat(self, application: Application, today: date, chair: Any = None,
             members: tuple[Any, ...] | None = None) -> None:
        panels.set_panel(application, panel_date=today + timedelta(days=14), chair=chair or self.panel.chair,
                         members=list(members or (self.panel.member2, self.panel.insider)),
                         by=self.trust.quality_lead, today=today)

    def decided(self, ratings=None, today: date = date(2026, 12, 18)) -> Application:
        application = self.panel_ready()
        panels.confirm_decision(application, ratings or ALL_GOOD, REASONS, by=self.panel.chair, today=today)
        return application

    def appealed(self, today: date = date(2026, 12, 21)) -> Application:
        application = self.decided()
        appeals.lodge_appeal(application, statement="The panel did not hear the team's response", by=self.trust.lead,
                             today=today)
        return application


@pytest.fixture
def app_walk(trust, panel) -> AppWalk:
    return AppWalk(trust, panel)
