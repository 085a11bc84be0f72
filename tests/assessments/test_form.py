"""The self-assessment form: grouped by domain with progress, saved whole or as you type, conflicts shown."""
from __future__ import annotations

import re

import pytest

from accredit.assessments import services
from accredit.extensions import db
from tests.assessments.conftest import PASSWORD, add_evidence, answer_all, answers, submitted
from tests.assessments.web import (
    autosave, client_for, edited, loaded_form, page_text, race, stored_answers,
)
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating


@pytest.fixture
def ward_password() -> str:
    return PASSWORD


# --- The form ------------------------------------------------------------------------------------------------


def test_form_groups_standards_by_domain_with_progress(client, auth, ward, assessment):
    services.save_answers(assessment, answers({"S1": Rating.GOOD, "S2": Rating.GOOD, "W3": Rating.GOOD}), by=ward.member)
    services.save_answers(assessment, [services.Answer("E1", Rating.GOOD, "")], by=ward.member)  # no narrative yet
    db.session.commit()
    auth.login(ward.member)
    page = client.get(f"/self-assessments/{assessment.id}")
    html = page.get_data(as_text=True)
    headings = re.findall(r'<h2 id="domain-(\w+)">([^<]+)</h2>', html)
    assert headings == [("safe", "Safe"), ("effective", "Effective"), ("caring", "Caring"),
                        ("responsive", "Responsive"), ("well_led", "Well-led")]
    progress = dict(re.findall(r'data-progress="(\w+)">([^<]+)<', html))
    assert progress == {"safe": "2 of 6", "effective": "0 of 6", "caring": "0 of 3", "responsive": "0 of 4",
                        "well_led": "1 of 8"}
    sections = re.findall(r'<section class="nhsuk-card app-standard" id="std-(\w+)"', html)
    assert sections[:7] == ["S1", "S2", "S3", "S4", "S5", "S6", "E1"] and len(sections) == 27


def test_full_form_save_draft_saves_every_change(client, auth, ward, assessment):
    evidence = add_evidence(ward.team, ward.member, "Falls audit")
    auth.login(ward.member)
    form = loaded_form(client.get(f"/self-assessments/{assessment.id}"))
    data = edited(form, S1=("good", "Falls audit monthly"), R4=("inadequate", "Complaints backlog"))
    data["S1-evidence"] = [str(evidence.id)]
    response = client.post(f"/self-assessments/{assessment.id}", data=data, follow_redirects=True)
    assert flashed(response) == ["Your answers have been saved"]
    stored = stored_answers(assessment.id)
    assert (stored["S1"], stored["R4"], stored["S2"]) == (
        ("good", "Falls audit monthly"), ("inadequate", "Complaints backlog"), (None, ""))
    assert [e.title for e in assessment.response_for("S1").evidence] == ["Falls audit"]
    assert assessment.status is AssessmentStatus.IN_PROGRESS


def test_full_form_too_long_narrative_is_shown_next_to_the_field(client, auth, ward, assessment):
    auth.login(ward.member)
    form = loaded_form(client.get(f"/self-assessments/{assessment.id}"))
    response = client.post(f"/self-assessments/{assessment.id}",
                           data=edited(form, S1=("good", "Kept"), S2=("good", "x" * 5001)))
    assert response.status_code == 200
    assert field_error(response, "S2-narrative") == "The narrative must be 5000 characters or fewer"
    assert summary_errors(response) == ["The narrative must be 5000 characters or fewer"]
    assert 'href="#S2-narrative"' in response.get_data(as_text=True)
    assert loaded_form(response)["S1-narrative"] == ["Kept"]
    assert stored_answers(assessment.id)["S1"] == (None, "")


def test_full_form_control_characters_are_refused_next_to_the_field(client, auth, ward, assessment):
    auth.login(ward.member)
    form = loaded_form(client.get(f"/self-assessments/{assessment.id}"))
    response = client.post(f"/self-assessments/{assessment.id}",
                           data=edited(form, S1=("good", "Kept"), S2=("good", "Bell \x07 here")))
    assert field_error(response, "S2-narrative") == "S2: the narrative contains characters that cannot be stored"
    assert loaded_form(response)["S1-narrative"] == ["Kept"]
    assert stored_answers(assessment.id)["S1"] == (None, "")


def test_save_and_submit_goes_to_the_submit_page(client, auth, ward, assessment):
    answer_all(assessment, ward.member, skip=["W8"])
    auth.login(ward.lead)
    form = loaded_form(client.get(f"/self-assessments/{assessment.id}"))
    response = client.post(f"/self-assessments/{assessment.id}", data=edited(form, "submit", W8=("good", "Done")))
    assert response.location == f"/self-assessments/{assessment.id}/submit"
    assert stored_answers(assessment.id)["W8"] == ("good", "Done")


def test_conflict_shows_their_answer_keeps_yours_and_saves_the_rest(app, ward, assessment):
    nadia, sam = client_for(app, ward.member), client_for(app, ward.lead)
    url = f"/self-assessments/{assessment.id}"
    nadias_form, sams_form = loaded_form(nadia.get(url)), loaded_form(sam.get(url))
    first = nadia.post(url, data=edited(nadias_form, S1=("good", "Nadia: audits weekly")))
    assert first.status_code == 302

    second = sam.post(url, data=edited(sams_form, S1=("requires_improvement", "Sam: audits lapsed"),
                                       S2=("outstanding", "Sam: safeguarding leads")))
    assert second.status_code == 200
    html = page_text(second)
    assert "Someone else changed 1 standard while you were editing" in html
    assert "S1: changed by Nadia Nurse" in html
    assert "Nadia Nurse saved a different answer Good Nadia: audits weekly" in html
    kept = loaded_form(second)
    assert (kept["S1-rating"], kept["S1-narrative"]) == (["requires_improvement"], ["Sam: audits lapsed"])
    assert stored_answers(assessment.id)["S1"] == ("good", "Nadia: audits weekly")
    assert stored_answers(assessment.id)["S2"] == ("outstanding", "Sam: safeguarding leads")

    # Saving again keeps Sam's answer; changing S2 once more is no conflict with his own earlier save.
    third = sam.post(url, data=edited(kept, S2=("good", "Sam: safeguarding leads, revised")))
    assert third.status_code == 302
    assert (stored_answers(assessment.id)["S1"], stored_answers(assessment.id)["S2"]) == (
        ("requires_improvement", "Sam: audits lapsed"), ("good", "Sam: safeguarding leads, revised"))


# --- Autosave ------------------------------------------------------------------------------------------------


def test_autosave_saves_one_standard_and_answers_json(client, auth, ward, assessment):
    auth.login(ward.member)
    token = csrf_token_from(client.get(f"/self-assessments/{assessment.id}"))
    response = autosave(client, assessment, "S3", "good", "Staffing reviewed daily", 1, token)
    body = response.get_json()
    assert (response.status_code, body.pop("saved_at")[:2]) == (200, "20")
    assert body == {"code": "S3", "version": 2, "answered": True}
    assert stored_answers(assessment.id)["S3"] == ("good", "Staffing reviewed daily")
    partial = autosave(client, assessment, "S4", None, "Half typed", 1, token).get_json()
    assert (partial["version"], partial["answered"]) == (2, False)


def test_autosave_conflict_answers_409_with_their_answer(client, auth, ward, assessment):
    services.save_answers(assessment, answers({"S3": Rating.GOOD}, narrative="Nadia's"), by=ward.member)
    db.session.commit()
    auth.login(ward.lead)
    token = csrf_token_from(client.get(f"/self-assessments/{assessment.id}"))
    response = autosave(client, assessment, "S3", "inadequate", "Sam's", 1, token)
    assert (response.status_code, response.get_json()) == (409, {"error": {
        "code": "conflict", "message": "Nadia Nurse changed S3 since you opened it",
        "details": {"version": 2, "rating": "good", "rating_label": "Good", "narrative": "S3: Nadia's",
                    "by": "Nadia Nurse"}}})
    assert stored_answers(assessment.id)["S3"] == ("good", "S3: Nadia's")


def test_autosave_survives_another_standard_saved_at_the_same_moment(client, auth, ward, assessment, monkeypatch):
    auth.login(ward.member)
    token = csrf_token_from(client.get(f"/self-assessments/{assessment.id}"))
    race(monkeypatch, assessment, "S4")
    response = autosave(client, assessment, "S3", "good", "Staffing reviewed daily", 1, token)
    assert (response.status_code, response.get_json()["version"]) == (200, 2)
    assert [stored_answers(assessment.id)[c] for c in ("S3", "S4")] == [("good", "Staffing reviewed daily"),
                                                                  ("inadequate", "Lead's answer, at the same moment")]


def test_autosave_of_the_same_standard_at_the_same_moment_is_a_conflict(client, auth, ward, assessment, monkeypatch):
    auth.login(ward.member)
    token = csrf_token_from(client.get(f"/self-assessments/{assessment.id}"))
    race(monkeypatch, assessment, "S3")
    response = autosave(client, assessment, "S3", "good", "Staffing reviewed daily", 1, token)
    assert (response.status_code, response.get_json()["error"]["details"]["narrative"]) == (
        409, "Lead's answer, at the same moment")
    assert stored_answers(assessment.id)["S3"] == ("inadequate", "Lead's answer, at the same moment")


def test_full_form_saved_at_the_same_moment_as_another_standard_shows_that_conflict(client, auth, ward, assessment,
                                                                                    monkeypatch):
    # The form posts every standard: W1 as it was loaded (blank) meets the answer saved meanwhile.
    auth.login(ward.member)
    form = loaded_form(client.get(f"/self-assessments/{assessment.id}"))
    race(monkeypatch, assessment, "W1")
    response = client.post(f"/self-assessments/{assessment.id}", data=edited(form, S1=("good", "Mine")))
    assert (response.status_code, "W1: changed by someone" in page_text(response)) == (200, True)
    assert [stored_answers(assessment.id)[c] for c in ("S1", "W1")] == [("good", "Mine"),
                                                                  ("inadequate", "Lead's answer, at the same moment")]


def test_autosave_signed_out_answers_401_json(client, ward, assessment):
    token = csrf_token_from(client.get("/sign-in"))
    response = autosave(client, assessment, "S3", "good", "Typed after the session expired", 1, token)
    assert (response.status_code, response.get_json()) == (
        401, {"error": {"code": "unauthorised", "message": "Sign in to continue", "details": {}}})
    assert stored_answers(assessment.id)["S3"] == (None, "")


def test_autosave_refuses_what_is_not_a_standard(client, auth, ward, assessment):
    auth.login(ward.member)
    token = csrf_token_from(client.get(f"/self-assessments/{assessment.id}"))
    statuses = [autosave(client, assessment, code, "good", "x", 1, token).status_code
                for code in ("Z9", "csrf_token")]
    assert statuses == [400, 400]


def test_autosave_after_submission_answers_422(client, auth, ward, assessment):
    submitted(assessment, ward)
    auth.login(ward.lead)
    token = csrf_token_from(client.get("/account"))
    response = autosave(client, assessment, "S3", "outstanding", "Too late", None, token)
    assert (response.status_code, response.get_json()["error"]["message"]) == (
        422, "This self-assessment is submitted and can no longer be changed")


