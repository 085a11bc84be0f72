"""Self-assessment pages: scope as 404 and roles as 403, history, submit, review and return, copy forward, home."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from accredit.assessments import services
from accredit.assessments.models import SelfAssessment
from accredit.extensions import db
from accredit.models_base import utcnow
from tests.assessments.conftest import PASSWORD, answer_all, answers, past_period, submitted, this_period
from tests.assessments.web import FETCH, client_for, page_text, stored_answers
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors, table_rows
from workflows.assessment import AssessmentStatus
from workflows.periods import previous_period
from workflows.ratings import Rating


@pytest.fixture
def ward_password() -> str:
    return PASSWORD


# --- Scope and permission ----------------------------------------------------------------------------------------


def test_pages_answer_404_to_a_member_of_another_team(client, auth, ward, assessment):
    auth.login(ward.outsider)
    token = csrf_token_from(client.get("/account"))
    base = f"/self-assessments/{assessment.id}"
    gets = [base, f"/teams/{ward.team.id}/self-assessments", f"/teams/{ward.team.id}/self-assessments/current",
            f"{base}/submit", f"{base}/return"]
    posts = [base, f"{base}/responses/S1", f"{base}/submit", f"{base}/accept", f"{base}/return",
             f"{base}/copy-forward"]
    statuses = [client.get(url).status_code for url in gets]
    statuses += [client.post(url, data={"csrf_token": token, "S1-rating": "good", "S1-narrative": "x",
                                        "reason": "x"}).status_code for url in posts]
    assert statuses == [404] * len(gets + posts)
    assert db.session.scalar(sa.select(sa.func.count(SelfAssessment.id))) == 1
    assert stored_answers(assessment.id)["S1"] == (None, "")


def test_missing_assessment_answers_404_like_one_out_of_scope(client, auth, ward, assessment):
    auth.login(ward.outsider)
    outside, missing = client.get(f"/self-assessments/{assessment.id}"), client.get("/self-assessments/999999")
    assert (outside.status_code, outside.get_data()) == (404, missing.get_data())


def test_team_member_may_not_submit(client, auth, ward, assessment):
    answer_all(assessment, ward.member)
    auth.login(ward.member)
    form = client.get(f"/self-assessments/{assessment.id}")
    token = csrf_token_from(form)
    assert "Save and submit" not in form.get_data(as_text=True)
    statuses = [client.get(f"/self-assessments/{assessment.id}/submit").status_code,
                client.post(f"/self-assessments/{assessment.id}/submit", data={"csrf_token": token}).status_code]
    assert statuses == [403, 403]
    assert assessment.status is AssessmentStatus.IN_PROGRESS


def test_team_lead_may_not_accept_or_return(client, auth, ward, assessment):
    submitted(assessment, ward)
    auth.login(ward.lead)
    page = client.get(f"/self-assessments/{assessment.id}")
    token = csrf_token_from(client.get("/account"))
    base = f"/self-assessments/{assessment.id}"
    statuses = [client.post(f"{base}/accept", data={"csrf_token": token}).status_code,
                client.get(f"{base}/return").status_code,
                client.post(f"{base}/return", data={"csrf_token": token, "reason": "x"}).status_code]
    assert (statuses, "Return to the team" in page.get_data(as_text=True)) == ([403, 403, 403], False)
    db.session.expire_all()
    assert assessment.status is AssessmentStatus.SUBMITTED


def test_reviewer_may_read_but_not_edit(client, auth, ward, assessment):
    auth.login(ward.reviewer)
    page = client.get(f"/self-assessments/{assessment.id}")
    token = csrf_token_from(client.get("/account"))
    post = client.post(f"/self-assessments/{assessment.id}", data={"csrf_token": token, "S1-narrative": "x"})
    autosave = client.post(f"/self-assessments/{assessment.id}/responses/S1",
                           data={"csrf_token": token, "S1-narrative": "x"}, headers=FETCH)
    assert (page.status_code, 'id="assessment-form"' in page.get_data(as_text=True)) == (200, False)
    assert (post.status_code, autosave.status_code) == (403, 403)
    assert stored_answers(assessment.id)["S1"] == (None, "")


# --- History -------------------------------------------------------------------------------------------------


def test_history_lists_every_period_with_state_late_and_ratings(client, auth, ward, assessment):
    late, _ = services.ensure_assessment(ward.team, past_period())
    submitted(late, ward)
    missed, _ = services.ensure_assessment(ward.team, previous_period(past_period()))
    services.close_missed(missed, now=utcnow())
    services.save_answers(assessment, answers({"S1": Rating.OUTSTANDING, "S2": Rating.OUTSTANDING}), by=ward.member)
    db.session.commit()
    auth.login(ward.member)
    page = client.get(f"/teams/{ward.team.id}/self-assessments")
    assert table_rows(page) == [
        [assessment.period_label, "In progress", "Outstanding", "–", "–", "–", "–",
         "– Not rated: 4 domains have no rating yet"],
        [late.period_label, "Submitted Late", "Good", "Good", "Good", "Good", "Good",
         "Good Good: 5 Good of 5 domains; Outstanding needs at least two Outstanding and none below Good"],
        [missed.period_label, "Missed", "–", "–", "–", "–", "–", "– Not rated: 5 domains have no rating yet"],
    ]
    html = page.get_data(as_text=True)
    assert 'title="Outstanding: 2 Outstanding of 2 standards; at least two Outstanding and none below Good"' in html
    assert re.search(r'<pre class="mermaid" data-diagram>[^<]*stateDiagram-v2', html)
    assert "the current state, <strong>In progress</strong>, is highlighted" in html


def test_history_without_assessments_says_so(client, auth, ward):
    auth.login(ward.member)
    page = client.get(f"/teams/{ward.team.id}/self-assessments")
    assert (page.status_code, "No self-assessments yet." in page.get_data(as_text=True)) == (200, True)


def test_current_opens_this_periods_assessment_once(client, auth, ward):
    auth.login(ward.member)
    first = client.get(f"/teams/{ward.team.id}/self-assessments/current")
    again = client.get(f"/teams/{ward.team.id}/self-assessments/current")
    found = db.session.scalars(sa.select(SelfAssessment)).all()
    assert [(a.period_start, a.status) for a in found] == [(this_period().start, AssessmentStatus.OPEN)]
    assert [first.location, again.location] == [f"/self-assessments/{found[0].id}"] * 2


# --- Submit, review, return ----------------------------------------------------------------------------------


def test_submit_page_lists_every_missing_standard(client, auth, ward, assessment):
    answer_all(assessment, ward.member, skip=["S4", "C2"])
    auth.login(ward.lead)
    page = client.get(f"/self-assessments/{assessment.id}/submit")
    assert summary_errors(page) == ["2 standards need a rating and a narrative: S4, C2", "Answer S4", "Answer C2"]
    token = csrf_token_from(client.get("/account"))
    client.post(f"/self-assessments/{assessment.id}/submit", data={"csrf_token": token})
    db.session.expire_all()
    assert assessment.status is AssessmentStatus.IN_PROGRESS


def test_submit_page_for_an_open_assessment_says_why(client, auth, ward, assessment):
    auth.login(ward.lead)
    page = client.get(f"/self-assessments/{assessment.id}/submit")
    assert summary_errors(page)[0] == "It is open, not in progress"


def test_lead_submits_a_complete_assessment(client, auth, ward, assessment):
    answer_all(assessment, ward.member)
    auth.login(ward.lead)
    page = client.get(f"/self-assessments/{assessment.id}/submit")
    assert summary_errors(page) == []
    response = client.post(f"/self-assessments/{assessment.id}/submit", data={"csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    assert flashed(response) == ["Self-assessment submitted"]
    assert re.search(r'nhsuk-tag--purple">Submitted</strong>', response.get_data(as_text=True))
    db.session.expire_all()
    assert (assessment.status, assessment.submitted_by_id) == (AssessmentStatus.SUBMITTED, ward.lead.id)


def test_reviewer_accepts(client, auth, ward, assessment):
    submitted(assessment, ward)
    auth.login(ward.reviewer)
    page = client.get(f"/self-assessments/{assessment.id}")
    assert "This self-assessment is waiting for review." in page.get_data(as_text=True)
    response = client.post(f"/self-assessments/{assessment.id}/accept", data={"csrf_token": csrf_token_from(page)},
                           follow_redirects=True)
    assert flashed(response) == ["Self-assessment accepted"]
    db.session.expire_all()
    assert (assessment.status, assessment.accepted_by_id) == (AssessmentStatus.ACCEPTED, ward.reviewer.id)


def test_return_needs_a_reason(client, auth, ward, assessment):
    submitted(assessment, ward)
    auth.login(ward.reviewer)
    form = client.get(f"/self-assessments/{assessment.id}/return")
    response = client.post(f"/self-assessments/{assessment.id}/return",
                           data={"csrf_token": csrf_token_from(form), "reason": ""})
    assert field_error(response, "reason") == "Give a reason for returning it to the team"
    db.session.expire_all()
    assert assessment.status is AssessmentStatus.SUBMITTED


def test_returned_assessment_shows_the_reason_at_the_top(app, ward, assessment):
    submitted(assessment, ward)
    reviewer = client_for(app, ward.reviewer)
    form = reviewer.get(f"/self-assessments/{assessment.id}/return")
    response = reviewer.post(f"/self-assessments/{assessment.id}/return", follow_redirects=True, data={
        "csrf_token": csrf_token_from(form), "reason": "Add the falls audit <b>to S2</b>"})
    assert flashed(response) == ["Returned to the team"]
    html = client_for(app, ward.member).get(f"/self-assessments/{assessment.id}").get_data(as_text=True)
    callout = html.index("Returned to the team")
    assert callout < html.index('id="domain-safe"')
    assert "<p>Add the falls audit &lt;b&gt;to S2&lt;/b&gt;</p>" in html[callout:]
    db.session.expire_all()
    assert (assessment.status, assessment.return_reason) == (AssessmentStatus.IN_PROGRESS,
                                                             "Add the falls audit <b>to S2</b>")


# --- Copy forward --------------------------------------------------------------------------------------------


def test_copy_forward_button_fills_the_new_period(client, auth, ward):
    earlier, _ = services.ensure_assessment(ward.team, past_period())
    submitted(earlier, ward)
    current, _ = services.ensure_assessment(ward.team, this_period())
    db.session.commit()
    auth.login(ward.member)
    page = client.get(f"/self-assessments/{current.id}")
    assert f"Start from {earlier.period_label}'s answers and evidence" in page.get_data(as_text=True)
    response = client.post(f"/self-assessments/{current.id}/copy-forward",
                           data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert flashed(response) == ["Copied 27 answers from last period. Change what has changed, then submit."]
    assert stored_answers(current.id)["W8"] == ("good", "W8: Audited weekly; see the minutes")
    assert "Start from last period" not in response.get_data(as_text=True)


def test_copy_forward_without_an_earlier_period_says_so(client, auth, ward, assessment):
    auth.login(ward.member)
    page = client.get(f"/self-assessments/{assessment.id}")
    assert "Start from last period" not in page.get_data(as_text=True)
    response = client.post(f"/self-assessments/{assessment.id}/copy-forward",
                           data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "There is no earlier self-assessment to start from" in page_text(response)


# --- Home page -----------------------------------------------------------------------------------------------


def test_home_page_asks_the_lead_to_complete_and_the_reviewer_to_review(app, ward, assessment):
    lead, reviewer = client_for(app, ward.lead), client_for(app, ward.reviewer)
    complete = f"Complete the {assessment.period_label} self-assessment"
    review = f"Review the {assessment.period_label} self-assessment"
    before = (page_text(lead.get("/")), page_text(reviewer.get("/")))
    assert (complete in before[0], review in before[1]) == (True, False)
    submitted(assessment, ward)
    after = (page_text(lead.get("/")), page_text(reviewer.get("/")))
    assert (complete in after[0], review in after[1]) == (False, True)
    assert f'href="/self-assessments/{assessment.id}">{review}</a>' in reviewer.get("/").get_data(as_text=True)
