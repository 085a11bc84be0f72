"""A self-assessment opened by the month-end sweep has no answer rows until it is first read: the first page or
API call that reads it writes one empty answer per standard (version 1), as the opening used to. Nothing else may
tell the difference: submitting, reminders' progress and scope all behave as if the answers were there."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accredit.assessments import services
from accredit.assessments.models import AssessmentResponse, SelfAssessment
from accredit.assessments.reminders import send_assessment_reminders
from accredit.extensions import db
from accredit.frameworks.models import Standard
from accredit.notifications.models import Notification
from accredit.scheduling.runner import parse_now
from tests.assessments.conftest import KLOE_CODES, PASSWORD, answers, coming_period
from tests.assessments.test_api import Api
from tests.assessments.web import client_for
from workflows.assessment import AssessmentStatus
from workflows.base import GuardRefused
from workflows.periods import Period
from workflows.ratings import Rating


@pytest.fixture
def ward_password() -> str:
    return PASSWORD


def opened_by_sweep(team, period: Period | None = None) -> SelfAssessment:
    """The team's self-assessment as the month-end sweep leaves it: open, no answer rows (committed)."""
    assert services.open_assessments([team], period or coming_period()) == 1
    db.session.commit()
    found = db.session.scalar(sa.select(SelfAssessment).where(SelfAssessment.team_id == team.id))
    assert _answer_rows(found.id) == []
    return found


def _answer_rows(assessment_id: int) -> list[tuple[int, str, int, str | None, str]]:
    """(id, standard code, version, rating, narrative) of every answer row, as committed, in framework order."""
    db.session.rollback()
    return [tuple(row) for row in db.session.execute(
        sa.select(AssessmentResponse.id, Standard.code, AssessmentResponse.version, AssessmentResponse.rating,
                  AssessmentResponse.narrative)
        .join(Standard, Standard.id == AssessmentResponse.standard_id)
        .where(AssessmentResponse.assessment_id == assessment_id).order_by(AssessmentResponse.position))]


def test_the_first_page_read_writes_every_empty_answer_once(app, ward):
    assessment = opened_by_sweep(ward.team)
    client = client_for(app, ward.member)
    first = client.get(f"/self-assessments/{assessment.id}")
    assert first.status_code == 200
    written = _answer_rows(assessment.id)
    assert [(code, version, rating, narrative) for _, code, version, rating, narrative in written] == [
        (code, 1, None, "") for code in KLOE_CODES]
    assert all(f'id="std-{code}"' in first.get_data(as_text=True) for code in KLOE_CODES)
    assert client.get(f"/self-assessments/{assessment.id}").status_code == 200
    assert _answer_rows(assessment.id) == written  # the second reading writes nothing


def test_the_first_api_read_gives_every_standard_at_version_1_and_a_save_follows(client, ward):
    assessment = opened_by_sweep(ward.team)
    api = Api(client, ward.member)
    body = api.get(f"/self-assessments/{assessment.id}").get_json()
    assert [(r["standard"], r["version"], r["rating"]) for r in body["responses"]] == [
        (code, 1, None) for code in KLOE_CODES]
    assert body["unanswered"] == KLOE_CODES
    saved = api.put(f"/self-assessments/{assessment.id}/responses", {
        "version": body["version"],
        "responses": [{"standard": "S1", "rating": "good", "narrative": "Audited weekly"}]})
    assert saved.status_code == 200, saved.get_json()
    assert [(code, version, rating) for _, code, version, rating, _ in _answer_rows(assessment.id)][:2] == [
        ("S1", 2, Rating.GOOD), ("S2", 1, None)]


def test_someone_outside_the_team_writes_nothing_by_asking(app, client, ward):
    assessment = opened_by_sweep(ward.team)
    assert client_for(app, ward.outsider).get(f"/self-assessments/{assessment.id}").status_code == 404
    assert Api(client, ward.outsider).get(f"/self-assessments/{assessment.id}").status_code == 404
    assert _answer_rows(assessment.id) == []


def test_an_assessment_nobody_has_read_cannot_be_submitted(ward):
    """The guard names every standard, as it would with the empty answers written."""
    assessment = opened_by_sweep(ward.team)
    services.start_self_assessment(assessment, by=ward.lead)
    db.session.commit()
    with pytest.raises(GuardRefused, match=f"27 standards need a rating and a narrative: {', '.join(KLOE_CODES)}$"):
        services.submit_self_assessment(assessment, by=ward.lead)
    db.session.rollback()
    assert db.session.get(SelfAssessment, assessment.id).status is AssessmentStatus.IN_PROGRESS


def test_reminders_count_the_standards_of_an_assessment_nobody_has_read(ward):
    opened_by_sweep(ward.team, Period(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14)))
    send_assessment_reminders(parse_now("2026-01-13T10:00"))
    db.session.commit()
    bodies = db.session.scalars(sa.select(Notification.body_text).where(Notification.kind == "assessment.due")).all()
    assert bodies and all("0 of 27 standards are answered." in body for body in bodies)


def test_two_first_readers_write_one_set_of_answers(ward):
    """This request read the assessment without answers; another wrote them and committed meanwhile: writing
    them again skips every row (no error, no second set), and the answers loaded are the other's."""
    assessment = opened_by_sweep(ward.team)
    assert assessment.responses == []
    standards = db.session.execute(sa.select(Standard.id, Standard.position).where(
        Standard.framework_version_id == assessment.framework_version_id)).all()
    with db.engine.begin() as other:
        other.execute(sa.insert(AssessmentResponse.__table__), [
            {"assessment_id": assessment.id, "standard_id": standard_id, "position": position, "narrative": "",
             "version": 1} for standard_id, position in standards])
    assert services.ensure_answers(assessment) is True
    db.session.commit()
    assert [row[1:] for row in _answer_rows(assessment.id)] == [(code, 1, None, "") for code in KLOE_CODES]
    services.save_answers(assessment, answers({"S1": Rating.GOOD}), by=ward.lead)
    db.session.commit()
    assert _answer_rows(assessment.id)[0][1:4] == ("S1", 2, Rating.GOOD)
