"""The security tests' trust: team A with one of everything, and team B in another division whose staff probe A.

    Division QZX-A: Service QZX-A: Team A (owns an assessment, a visit, an action, evidence, a deadline pause;
                                         its lead has a notification)
    Division Beta:  Service Beta:  Team B (no records: its people only look at A's)

Every free-text value of A carries MARKER, so a response that shows any of A's data to someone of B is caught.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import escape

from accredit.actions import services as actions
from accredit.assessments import services as assessments
from accredit.deadlines import services as deadlines
from accredit.demo import import_shipped_frameworks
from accredit.evidence.services import upload_evidence
from accredit.extensions import db
from accredit.frameworks.models import Framework
from accredit.notifications.models import EmailState, Notification
from accredit.org.models import Division, Service, Team
from accredit.roles import Role
from accredit.visits import services as visits
from tests.evidence import samples
from workflows.periods import next_period, period_containing
from workflows.ratings import Domain
from workflows.visit import VisitKind

MARKER = "QZXSECRET"
OPENED = date(2020, 4, 1)


@dataclass
class World:
    division_a: Division
    service_a: Service
    team_a: Team
    division_b: Division
    service_b: Service
    team_b: Team
    lead_a: Any  #: team A's lead: owner of A's action, recipient of A's notification
    reviewer_a: Any  #: a trust reviewer on A's visit
    quality_lead: Any  #: trust quality lead, who planned A's visit
    admin: Any
    assessment: Any
    visit: Any
    action: Any
    evidence: Any
    pause: Any
    notification: Any
    framework_key: str
    framework_version: str
    application: Any = None
    award: Any = None
    regulation: Any = None
    proposal: Any = None

    def scopes_b(self) -> dict[str, Any]:
        """Team B's three scopes, by name."""
        return {"team B": self.team_b, "service B": self.service_b, "division B": self.division_b}


def build_world(factory, password: str, text: str = MARKER) -> World:
    """Team A with one of each record, through the real services, each free-text value carrying `text`; committed."""
    import_shipped_frameworks()
    division_a = factory.division(name=f"{text} Division A")
    service_a = factory.service(division_a, name=f"{text} Service A")
    team_a = factory.team(service_a, name=f"{text} Ward A", opened_on=OPENED)
    division_b = factory.division(name="Beta Division")
    service_b = factory.service(division_b, name="Beta Service")
    team_b = factory.team(service_b, name="Beta Ward", opened_on=OPENED)
    lead_a = factory.user(name=f"{text} Lead", role=Role.TEAM_LEAD, scope=team_a, password=password)
    reviewer_a = factory.user(name=f"{text} Reviewer", role=Role.REVIEWER, password=password)
    quality_lead = factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD, password=password)
    admin = factory.user(name="Ada Admin", role=Role.ADMIN, password=password)

    assessment, _ = assessments.ensure_assessment(team_a, next_period(period_containing(date.today())))
    assessments.save_answers(assessment, [assessments.Answer("S1", None, f"{text} narrative")], by=lead_a)
    visit = visits.plan_visit(team_a, VisitKind.QRV, date(2030, 3, 3), by=quality_lead)
    visits.assign_reviewer(visit, reviewer_a, by=quality_lead, is_lead=True)
    action = actions.raise_action(team_a, title=f"{text} action", owner=lead_a, due_on=date(2030, 1, 1),
                                  by=lead_a, domain=Domain.SAFE, finding=f"{text} finding")
    evidence = upload_evidence(team_a, io.BytesIO(samples.pdf(b"audit")), filename="audit.pdf",
                               title=f"{text} evidence", review_by=None, by=lead_a)
    pause = deadlines.pause_deadlines(team_a, reason=f"{text} outbreak", until=date(2030, 2, 1), by=quality_lead,
                                      starts_on=date(2030, 1, 1))
    notification = Notification(recipient_id=lead_a.id, kind="test", dedupe_key=f"security:{lead_a.id}",
                                subject=f"{text} notice", body_text=f"{text}\n", body_html=f"<p>{escape(text)}</p>",
                                link=f"/actions/{action.id}", email_state=EmailState.PENDING)
    db.session.add(notification)
    framework = db.session.query(Framework).order_by(Framework.id).first()
    world = World(division_a, service_a, team_a, division_b, service_b, team_b, lead_a, reviewer_a, quality_lead,
                  admin, assessment, visit, action, evidence, pause, notification, framework.key,
                  framework.current.version)
    _accreditation(world, text, factory, password)
    factory.commit()
    return world


def _accreditation(world: World, text: str, factory, password: str) -> None:
    """Team A's application (invited), award (granted) and Step-up regulation with a pending proposal."""
    from accredit.accreditation.models import EligibilityCheck
    from accredit.accreditation.services import invite_team
    from accredit.awards.services import grant_award
    from accredit.stepup.models import LevelProposal
    from accredit.stepup.services import ensure_regulation
    from workflows.accreditation import AwardKind
    from workflows.ratings import Rating
    from workflows.stepup import StepupLevel

    team = world.team_a
    check = EligibilityCheck(team_id=team.id, is_eligible=True, explanation=f"{text} eligible", inputs={},
                             scheme_version="1")
    db.session.add(check)
    db.session.flush()
    world.application = invite_team(team, check, today=date.today(), by=world.quality_lead)
    chair = factory.user(name=f"{text} Chair", role=Role.PANEL_CHAIR, password=password)
    world.award = grant_award(world.application, kind=AwardKind.OUTSTANDING_TEAM,
                              ratings=dict.fromkeys(Domain, Rating.OUTSTANDING), explanation=f"{text} explanation",
                              decided_on=date.today(), chair=chair, by=world.quality_lead)
    world.regulation = ensure_regulation(team)
    world.proposal = LevelProposal(regulation_id=world.regulation.id, team_id=team.id, trigger="step_up",
                                   from_level=StepupLevel.STANDARD, to_level=StepupLevel.STEP_UP, score=9,
                                   explanation=f"{text} proposal", reasons=[], scheme_version="1")
    db.session.add(world.proposal)
    db.session.flush()
