"""Dashboard fixtures: a trust with two years of constructed history, every figure of which is worked out by hand
in the tests (AS_OF is 20 October 2026; October's self-assessments were due on the 14th).

    Medicine: Acute: Ward 1 (on time), Ward 2 (late), Ward 3 (deadline paused to 25 Oct)
              Community: District Nursing (community team; overdue)
    Surgery:  General: Ward 20 (submitted 21 Oct, after AS_OF), Ward 21 (closed 1 Sep 2026),
                       Ward 22 (merged into Ward 20 on 25 Oct 2026), Ward 23 (opened 1 Nov 2026)

Rows are written as they would stand after the real services ran at those dates (the services stamp "now"), and
the audit trail holds the applications' transitions, which is where their history lives.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.actions.models import Action
from accredit.assessments import services as assessments
from accredit.assessments.models import SelfAssessment
from accredit.audit import AuditEvent
from accredit.deadlines.models import DeadlinePause
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.org.models import Team, TeamType
from accredit.roles import Role
from accredit.visits.models import Visit, VisitRating
from workflows.accreditation import ApplicationStatus
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.periods import period_containing
from workflows.ratings import Domain, Rating
from workflows.team import TeamStatus
from workflows.visit import VisitKind, VisitStatus

AS_OF = date(2026, 10, 20)
OPENED = date(2020, 4, 1)


def at(day: date, hour: int = 12) -> datetime:
    """Noon UTC on `day`: the same day in London whether in summer or winter time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class History:
    ward1: Team
    ward2: Team
    ward3: Team
    nursing: Team
    ward20: Team
    ward21: Team
    ward22: Team
    ward23: Team
    medicine: Any
    surgery: Any
    acute: Any
    general: Any
    quality_lead: Any  #: trust-wide
    medicine_lead: Any  #: quality lead for Medicine only
    admin: Any
    team_lead: Any  #: Ward 1's team lead: no dashboards

    def ids(self, *teams: Team) -> list[int]:
        return [t.id for t in teams]


@pytest.fixture
def password() -> str | None:
    """None: no sign-in (no password hashing); page and API tests override it with a real password."""
    return None


def submitted_assessment(team: Team, period_day: date, submitted: datetime | None, by: Any = None,
                         ratings: dict[Domain, Rating] | None = None) -> SelfAssessment:
    """The team's assessment of the period containing `period_day`; with `ratings`, every standard of each domain
    answered so; submitted at `submitted` (None: not submitted)."""
    found, _ = assessments.ensure_assessment(team, period_containing(period_day))
    if ratings:
        for response in found.responses:
            response.rating, response.narrative = ratings[response.standard.domain], "Audited"
    if submitted is not None:
        found.status, found.submitted_at, found.submitted_by_id = AssessmentStatus.SUBMITTED, submitted, by.id
    db.session.flush()
    return found


def published_visit(team: Team, published: date, ratings: dict[Domain, Rating] | None = None,
                    kind: VisitKind = VisitKind.QRV) -> Visit:
    ratings = ratings or dict.fromkeys(Domain, Rating.GOOD)
    visit = Visit(team_id=team.id, kind=kind, status=VisitStatus.PUBLISHED, visit_date=published, scheme_version="1",
                  published_at=at(published), overall_rating=Rating.GOOD, overall_computed=Rating.GOOD)
    visit.ratings = [VisitRating(domain=d, rating=r) for d, r in ratings.items()]
    db.session.add(visit)
    db.session.flush()
    return visit


def eligibility(team: Team, on: date, eligible: bool) -> EligibilityCheck:
    check = EligibilityCheck(team_id=team.id, is_eligible=eligible, explanation="constructed", inputs={},
                             scheme_version="1", computed_at=at(on))
    db.session.add(check)
    db.session.flush()
    return check


def application(team: Team, check: EligibilityCheck, steps: list[tuple[date, str]]) -> Application:
    """An application that went through `steps` ((day, state entered), the first being the invitation), with the
    audit rows the services leave."""
    app_row = Application(team_id=team.id, status=ApplicationStatus(steps[-1][1]), eligibility_id=check.id,
                          invited_at=at(steps[0][0]), invitation_expires_on=date(2027, 1, 1), scheme_version="1",
                          closed_at=at(steps[-1][0]) if steps[-1][1] == "closed" else None)
    db.session.add(app_row)
    db.session.flush()
    previous = None
    for day, state in steps:
        db.session.add(AuditEvent(at=at(day), action="application.step", subject_type="applications",
                                  subject_id=app_row.id, from_state=previous, to_state=state))
        previous = state
    db.session.flush()
    return app_row


def action(team: Team, owner: Any, due: date, raised: date, verified: date | None = None) -> Action:
    row = Action(team_id=team.id, title="Fix it", owner_id=owner.id, due_on=due, created_at=at(raised),
                 status=ActionStatus.CLOSED if verified else ActionStatus.OPEN,
                 verified_at=at(verified) if verified else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def history(factory, password) -> History:
    import_shipped_frameworks()
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    acute, community = factory.service(medicine, name="Acute"), factory.service(medicine, name="Community")
    general = factory.service(surgery, name="General")
    ward1 = factory.team(acute, name="Ward 1", opened_on=OPENED)
    ward2 = factory.team(acute, name="Ward 2", opened_on=OPENED)
    ward3 = factory.team(acute, name="Ward 3", opened_on=OPENED)
    nursing = factory.team(community, name="District Nursing", team_type=TeamType.COMMUNITY_TEAM, opened_on=OPENED)
    ward20 = factory.team(general, name="Ward 20", opened_on=OPENED)
    ward21 = factory.team(general, name="Ward 21", opened_on=OPENED)
    ward22 = factory.team(general, name="Ward 22", opened_on=OPENED)
    ward23 = factory.team(general, name="Ward 23", opened_on=date(2026, 11, 1))
    ward21.status, ward21.closed_on = TeamStatus.CLOSED, date(2026, 9, 1)
    ward22.status, ward22.closed_on, ward22.merged_into = TeamStatus.MERGED, date(2026, 10, 25), ward20
    h = History(
        ward1, ward2, ward3, nursing, ward20, ward21, ward22, ward23, medicine, surgery, acute, general,
        quality_lead=factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD, password=password),
        medicine_lead=factory.user(name="Morgan Medicine", role=Role.QUALITY_LEAD, scope=medicine, password=password),
        admin=factory.user(name="Alex Admin", role=Role.ADMIN, password=password),
        team_lead=factory.user(name="Sam Sister", role=Role.TEAM_LEAD, scope=ward1, password=password),
    )
    assert current_version("cqc-kloe-2017") is not None
    lead = h.team_lead
    # Self-assessments of October 2026 (due 14 October).
    submitted_assessment(ward1, AS_OF, at(date(2026, 10, 10)), lead, dict.fromkeys(Domain, Rating.OUTSTANDING))
    submitted_assessment(ward2, AS_OF, at(date(2026, 10, 16)), lead, dict.fromkeys(Domain, Rating.GOOD))
    submitted_assessment(ward3, AS_OF, None)
    submitted_assessment(nursing, AS_OF, None)
    submitted_assessment(ward20, AS_OF, at(date(2026, 10, 21)), lead)
    submitted_assessment(ward21, date(2026, 8, 1), at(date(2026, 8, 5)), lead)
    db.session.add(DeadlinePause(team_id=ward3.id, reason="Norovirus outbreak", starts_on=date(2026, 10, 10),
                                 ends_on=date(2026, 10, 25)))
    # Quality Review Visits.
    published_visit(ward1, date(2025, 9, 1))
    published_visit(ward1, date(2026, 3, 1), {**dict.fromkeys(Domain, Rating.GOOD), Domain.SAFE: Rating.OUTSTANDING})
    published_visit(ward2, date(2025, 10, 20))  # exactly 12 months before AS_OF: outside the window
    published_visit(nursing, date(2026, 5, 1), kind=VisitKind.PEER_REVIEW)  # a peer review is not a QRV
    published_visit(ward20, date(2026, 10, 21))  # published after AS_OF
    published_visit(ward22, date(2026, 2, 1))
    published_visit(ward21, date(2026, 1, 1))  # a closed team's
    db.session.add(Visit(team_id=ward3.id, kind=VisitKind.QRV, status=VisitStatus.CANCELLED, visit_date=date(2026, 9, 1),
                         scheme_version="1", cancelled_at=at(date(2026, 8, 25)), cancel_reason="Outbreak"))
    db.session.add(Visit(team_id=nursing.id, kind=VisitKind.QRV, status=VisitStatus.SCHEDULED,
                         visit_date=date(2026, 10, 1), scheme_version="1", created_at=at(date(2026, 7, 1)),
                         scheduled_at=at(date(2026, 7, 1))))
    # Eligibility and applications.
    check1 = eligibility(ward1, date(2026, 3, 1), True)
    eligibility(ward22, date(2026, 2, 1), True)
    eligibility(ward22, date(2026, 9, 1), False)
    eligibility(nursing, date(2026, 10, 21), True)
    application(ward1, check1, [(date(2026, 3, 1), "invited"), (date(2026, 4, 1), "preparing"),
                                (date(2026, 10, 25), "pre_panel")])
    application(ward2, eligibility(ward2, date(2026, 5, 1), True), [(date(2026, 5, 1), "invited"),
                                                                    (date(2026, 8, 1), "closed")])
    application(ward20, eligibility(ward20, date(2026, 9, 1), True), [
        (date(2026, 9, 1), "invited"), (date(2026, 9, 10), "preparing"), (date(2026, 10, 1), "pre_panel"),
        (date(2026, 10, 15), "panel_ready")])
    # Improvement actions.
    action(ward1, lead, due=date(2026, 10, 1), raised=date(2026, 9, 1))
    action(ward1, lead, due=date(2026, 10, 10), raised=date(2026, 9, 1), verified=date(2026, 10, 15))
    action(ward2, lead, due=date(2026, 10, 5), raised=date(2026, 9, 1), verified=date(2026, 10, 25))
    action(nursing, lead, due=date(2026, 10, 30), raised=date(2026, 9, 1))
    action(ward21, lead, due=date(2026, 8, 30), raised=date(2026, 8, 1))
    awards_and_levels(h)
    factory.commit()
    return h


def award(team: Team, kind: str, granted: date, until: date, suspensions=(), ended: date | None = None) -> Any:
    from accredit.awards.models import Award, AwardSuspension
    from workflows.accreditation import AwardKind, AwardStatus

    decided = application(team, eligibility(team, granted, True), [(granted, "invited"), (granted, "decided")])
    status = (AwardStatus.EXPIRED if ended else
              AwardStatus.SUSPENDED if any(end is None for _, end in suspensions) else AwardStatus.ACTIVE)
    row = Award(application_id=decided.id, team_id=team.id, kind=AwardKind(kind), status=status, explanation="x",
                granted_on=granted, valid_until=until, validity_explanation="x", scheme_version="1",
                chair_name="Casey Chair", ended_on=ended, ended_reason="Expired" if ended else None)
    row.suspensions = [AwardSuspension(suspended_on=start, reason="QRV below Good", reinstated_on=end,
                                       reinstate_reason="Support plan done" if end else None)
                       for start, end in suspensions]
    db.session.add(row)
    db.session.flush()
    return row


def level_changes(team: Team, changes: list[tuple[date, str, str]]) -> None:
    from accredit.stepup.models import LevelChange, StepupRegulation
    from workflows.stepup import StepupLevel

    regulation = StepupRegulation(team_id=team.id, level=StepupLevel(changes[-1][2]), since=changes[-1][0],
                                  cycle_started_on=changes[-1][0])
    db.session.add(regulation)
    db.session.flush()
    for on, before, after in changes:
        db.session.add(LevelChange(team_id=team.id, regulation_id=regulation.id, from_level=StepupLevel(before),
                                   to_level=StepupLevel(after), changed_at=at(on), changed_on=on, reason="Risk"))
    db.session.flush()


def panel_decision(team: Team, decided: date, ratings: dict[Domain, Rating]) -> None:
    from accredit.accreditation.models import PanelDecision

    app_row = application(team, eligibility(team, decided, True), [(decided, "invited"), (decided, "decided")])
    db.session.add(PanelDecision(
        application_id=app_row.id, sitting=1, panel_date=decided, members=[], reasons={},
        ratings={d.value: r.value for d, r in ratings.items()}, outcome=None, explanation="x", rule="award_outcome",
        inputs={}, scheme_version="1", decided_on=decided, appeal_deadline=decided))
    db.session.flush()


def awards_and_levels(h: History) -> None:
    """Awards (as of AS_OF: Ward 1 Excelling, expiring 1 December; Ward 2 suspended since 1 September; Ward 3
    suspended in May and reinstated in June; Ward 22 Outstanding, expiring 1 November; a closed team's award; an
    expired one), Step-up changes (Ward 1 stepped up in September; Ward 2 stepped down in March, back in November),
    and a panel decision for Ward 3."""
    award(h.ward1, "excelling_team", date(2025, 12, 1), date(2026, 12, 1))
    award(h.ward2, "outstanding_team", date(2026, 1, 15), date(2027, 1, 15), [(date(2026, 9, 1), None)])
    award(h.ward3, "outstanding_team", date(2026, 2, 1), date(2027, 2, 1), [(date(2026, 5, 1), date(2026, 6, 1))])
    award(h.ward22, "outstanding_team", date(2025, 11, 1), date(2026, 11, 1))
    award(h.ward21, "excelling_team", date(2026, 1, 1), date(2027, 1, 1))
    award(h.nursing, "outstanding_team", date(2024, 1, 1), date(2025, 1, 1), ended=date(2025, 1, 2))
    level_changes(h.ward1, [(date(2026, 9, 1), "standard", "step_up")])
    level_changes(h.ward2, [(date(2026, 3, 1), "standard", "step_down"), (date(2026, 11, 1), "step_down", "standard")])
    panel_decision(h.ward3, date(2026, 1, 25), {**dict.fromkeys(Domain, Rating.GOOD), Domain.SAFE: Rating.OUTSTANDING,
                                               Domain.CARING: Rating.OUTSTANDING})
