"""Self-assessment fixtures: the shipped frameworks, a ward with its lead, a member and a reviewer, its assessment."""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from accredit.assessments import services
from accredit.assessments.models import AssessmentResponse, SelfAssessment
from accredit.demo import import_shipped_frameworks
from accredit.evidence.services import upload_evidence
from accredit.extensions import db
from accredit.frameworks.models import Standard
from accredit.org.models import Team
from accredit.roles import Role
from tests.evidence import samples
from tests.factories import PASSWORD
from workflows.assessment import AssessmentStatus
from workflows.periods import Period, next_period, period_containing, previous_period
from workflows.ratings import Rating

OPENED = date(2020, 4, 1)  #: when the fixture's teams opened: before any period a test uses
KLOE_CODES = ["S1", "S2", "S3", "S4", "S5", "S6", "E1", "E2", "E3", "E4", "E5", "E6", "C1", "C2", "C3",
              "R1", "R2", "R3", "R4", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]


def this_period() -> Period:
    return period_containing(services.today_in_london())


def coming_period() -> Period:
    """Next month: its due date is always ahead, so a submission today is on time."""
    return next_period(this_period())


def past_period() -> Period:
    """Last month: its due date has always passed, so a submission today is late."""
    return previous_period(this_period())


@dataclass
class Ward:
    team: Team
    lead: Any
    member: Any
    reviewer: Any  #: a reviewer for the ward's division
    other_team: Team
    outsider: Any  #: the lead of another team, in another division


@pytest.fixture
def frameworks(app) -> list[str]:
    return import_shipped_frameworks()


@pytest.fixture
def ward_password() -> str | None:
    """None: no sign-in needed (no password hashing); page and API tests override it with a real password."""
    return None


@pytest.fixture
def ward(factory, frameworks, ward_password) -> Ward:
    team = factory.team(name="Ward 7 Respiratory", opened_on=OPENED)
    other_team = factory.team(name="Ward 99 Elsewhere", opened_on=OPENED)
    ward = Ward(
        team=team,
        lead=factory.user(name="Sam Sister", role=Role.TEAM_LEAD, scope=team, password=ward_password),
        member=factory.user(name="Nadia Nurse", role=Role.TEAM_MEMBER, scope=team, password=ward_password),
        reviewer=factory.user(name="Riley Reviewer", role=Role.REVIEWER, scope=team.division, password=ward_password),
        other_team=other_team,
        outsider=factory.user(name="Olly Outsider", role=Role.TEAM_MEMBER, scope=other_team, password=ward_password),
    )
    factory.commit()
    return ward


@pytest.fixture
def assessment(ward) -> SelfAssessment:
    """The ward's (open, empty) self-assessment for next month, so that submitting it today is on time."""
    found, _ = services.ensure_assessment(ward.team, coming_period())
    db.session.commit()
    return found


def answers(ratings: Mapping[str, Rating], narrative: str = "Audited weekly; see the minutes",
            **kwargs: Any) -> list[services.Answer]:
    return [services.Answer(code, rating, f"{code}: {narrative}", **kwargs) for code, rating in ratings.items()]


def answer_all(assessment: SelfAssessment, by: Any, rating: Rating = Rating.GOOD,
               skip: Iterable[str] = ()) -> None:
    """Give every standard (except `skip`) `rating` and a narrative, and commit."""
    codes = [r.standard.code for r in assessment.responses if r.standard.code not in set(skip)]
    services.save_answers(assessment, answers(dict.fromkeys(codes, rating)), by=by)
    db.session.commit()


def submitted(assessment: SelfAssessment, ward: Ward) -> SelfAssessment:
    answer_all(assessment, ward.lead)
    services.submit_self_assessment(assessment, by=ward.lead)
    db.session.commit()
    return assessment


def saved_meanwhile(assessment_id: int, code: str, rating: Rating, narrative: str) -> None:
    """Another request's save of one standard, committed on a connection of its own (as a concurrent request's
    would be): the answer and both versions move on, and an open assessment is started."""
    table, responses = SelfAssessment.__table__, AssessmentResponse.__table__
    standard_ids = sa.select(Standard.id).where(Standard.code == code)
    with db.engine.begin() as other:
        other.execute(sa.update(responses).where(responses.c.assessment_id == assessment_id,
                                                 responses.c.standard_id.in_(standard_ids))
                      .values(rating=rating, narrative=narrative, version=responses.c.version + 1))
        other.execute(sa.update(table).where(table.c.id == assessment_id)
                      .values(status=AssessmentStatus.IN_PROGRESS, version=table.c.version + 1))


def add_evidence(team: Team, by: Any, title: str = "Hand hygiene audit") -> Any:
    """One small PDF in `team`'s library, committed."""
    item = upload_evidence(team, io.BytesIO(samples.pdf(title.encode())), filename="audit.pdf", title=title,
                           review_by=None, by=by)
    db.session.commit()
    return item


__all__ = ["KLOE_CODES", "PASSWORD", "Ward", "add_evidence", "answer_all", "answers", "coming_period",
           "past_period", "saved_meanwhile", "submitted", "this_period"]
