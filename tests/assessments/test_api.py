"""Self-assessments over the API: list, read, save with a version, fire triggers; scope as 404, role as 403."""
from __future__ import annotations

import json

import pytest

from accredit.assessments import services
from accredit.assessments.models import SelfAssessment
from accredit.auth.services import issue_token
from accredit.extensions import db
from tests.api.conftest import answer, error
from tests.api.openapi_check import problems, response_schema
from tests.assessments.conftest import (
    KLOE_CODES, add_evidence, answer_all, answers, past_period, saved_meanwhile, submitted,
)
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating

NOT_FOUND = error(404, "not_found", "There is no self-assessment with that id that you can see")
FORBIDDEN = "You do not have permission to do this"


class Api:
    """The test client speaking JSON to /api/v1 as one user, with a token issued directly (no password)."""

    def __init__(self, client, user):
        raw, _ = issue_token(user)
        db.session.commit()
        self.client, self.headers = client, {"Authorization": f"Bearer {raw}"}

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def put(self, path: str, body: dict):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers)


@pytest.fixture
def as_user(client):
    return lambda user: Api(client, user)


def _stored(assessment_id: int) -> dict[str, tuple[str | None, str]]:
    db.session.expire_all()
    found = db.session.get(SelfAssessment, assessment_id)
    return {r.standard.code: (r.rating.value if r.rating else None, r.narrative) for r in found.responses}


def _history(body: dict) -> list[tuple]:
    return [(h["trigger"], h["from"], h["to"], (h["by"] or {}).get("name"), h["reason"]) for h in body["history"]]


# --- Reading -----------------------------------------------------------------------------------------------------


def test_list_gives_a_teams_assessments_newest_first(as_user, ward, assessment):
    late, _ = services.ensure_assessment(ward.team, past_period())
    submitted(late, ward)
    status, body = answer(as_user(ward.member).get(f"/teams/{ward.team.id}/self-assessments"))
    assert (status, body["total"]) == (200, 2)
    rows = [(r["id"], r["state"], r["period_start"], r["due_on"], r["is_late"], r["submitted_at"] is None)
            for r in body["items"]]
    assert rows == [
        (assessment.id, "open", assessment.period_start.isoformat(), assessment.due_on.isoformat(), False, True),
        (late.id, "submitted", late.period_start.isoformat(), late.due_on.isoformat(), True, False),
    ]


def test_get_gives_answers_ratings_and_the_callers_transitions(app, client, as_user, ward, assessment):
    services.save_answers(assessment, answers({"S1": Rating.OUTSTANDING, "S2": Rating.OUTSTANDING}), by=ward.member)
    db.session.commit()
    status, body = answer(as_user(ward.member).get(f"/self-assessments/{assessment.id}"))
    assert status == 200
    assert {k: body[k] for k in ("id", "state", "version", "transitions", "team", "framework", "return_reason")} == {
        "id": assessment.id, "state": "in_progress", "version": assessment.version, "transitions": [],
        "team": {"id": ward.team.id, "code": ward.team.code, "name": "Ward 7 Respiratory"},
        "framework": {"key": "cqc-kloe-2017", "version": assessment.framework_version.version}, "return_reason": None,
    }
    assert body["unanswered"] == KLOE_CODES[2:]
    assert [r["standard"] for r in body["responses"]] == KLOE_CODES
    first = {k: v for k, v in body["responses"][0].items() if k != "updated_at"}
    assert first == {"standard": "S1", "domain": "safe", "title": assessment.responses[0].standard.title,
                     "rating": "outstanding", "narrative": "S1: Audited weekly; see the minutes", "evidence": [],
                     "version": 2}
    assert body["domain_ratings"][0] == {"domain": "safe", "rating": "outstanding", "rule": "cqc_principles",
                                         "explanation": "Outstanding: 2 Outstanding of 2 standards; at least two "
                                                        "Outstanding and none below Good"}
    assert body["overall"] == {"rating": None, "rule": "cqc_principles",
                               "explanation": "Not rated: 4 domains have no rating yet"}
    assert _history(body) == [("open", None, "open", None, None), ("start", "open", "in_progress", "Nadia Nurse", None)]
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    schema = response_schema(spec, "/api/v1/self-assessments/{assessment_id}", "get", 200)
    assert problems(spec, body, schema) == []


@pytest.mark.parametrize(("stage", "expected"), [
    ("open", {"lead": ["start"], "member": ["start"], "reviewer": []}),
    ("incomplete", {"lead": [], "member": [], "reviewer": []}),
    ("complete", {"lead": ["submit"], "member": [], "reviewer": []}),
    ("submitted", {"lead": [], "member": [], "reviewer": ["accept", "return_to_team"]}),
    ("accepted", {"lead": [], "member": [], "reviewer": []}),
])
def test_transitions_depend_on_the_state_and_the_caller(as_user, ward, assessment, stage, expected):
    if stage == "incomplete":
        answer_all(assessment, ward.member, skip=["W8"])
    elif stage == "complete":
        answer_all(assessment, ward.member)
    elif stage in {"submitted", "accepted"}:
        submitted(assessment, ward)
        if stage == "accepted":
            services.accept_self_assessment(assessment, by=ward.reviewer)
            db.session.commit()
    people = {"lead": ward.lead, "member": ward.member, "reviewer": ward.reviewer}
    found = {name: as_user(user).get(f"/self-assessments/{assessment.id}").get_json()["transitions"]
             for name, user in people.items()}
    assert found == expected


def test_member_of_another_team_gets_404_everywhere(as_user, ward, assessment):
    api = as_user(ward.outsider)
    base = f"/self-assessments/{assessment.id}"
    answers_ = [
        api.get(f"/teams/{ward.team.id}/self-assessments"),
        api.get(base),
        api.put(f"{base}/responses", {"version": 1, "responses": [{"standard": "S1", "rating": "good"}]}),
        api.post(f"{base}/transitions/start"),
        api.post(f"{base}/transitions/accept"),
    ]
    assert [r.status_code for r in answers_] == [404] * 5
    assert answer(answers_[1]) == NOT_FOUND
    assert answer(answers_[1]) == answer(api.get("/self-assessments/999999"))
    assert (_stored(assessment.id)["S1"], assessment.status) == ((None, ""), AssessmentStatus.OPEN)


# --- Saving ----------------------------------------------------------------------------------------------------


def test_put_saves_answers_and_bumps_the_version(as_user, ward, assessment):
    evidence = add_evidence(ward.team, ward.member)
    body = {"version": assessment.version, "responses": [
        {"standard": "S1", "rating": "good", "narrative": "  Weekly audits  ", "evidence": [evidence.id]},
        {"standard": "E2", "rating": None, "narrative": "Half way"},
    ]}
    status, saved = answer(as_user(ward.member).put(f"/self-assessments/{assessment.id}/responses", body))
    assert (status, saved["state"], saved["version"] > body["version"]) == (200, "in_progress", True)
    assert [(r["standard"], r["rating"], r["narrative"], r["evidence"]) for r in saved["responses"]
            if r["version"] > 1] == [("S1", "good", "Weekly audits", [evidence.id]), ("E2", None, "Half way", [])]


def test_put_answers_with_the_assessment_as_a_fresh_read_gives_it(as_user, ward, assessment):
    # The evidence is added in an order its titles do not sort in: the answer lists it as a read does, by title.
    zebra, alpha = add_evidence(ward.team, ward.member, "Zebra audit"), add_evidence(ward.team, ward.member, "Alpha audit")
    api, ids = as_user(ward.member), (assessment.id, alpha.id, zebra.id)
    body = {"version": assessment.version, "responses": [
        {"standard": "S1", "rating": "good", "narrative": "Weekly audits", "evidence": [zebra.id, alpha.id]},
        {"standard": "E2", "rating": "outstanding", "narrative": "Half way"}]}
    saved = api.put(f"/self-assessments/{ids[0]}/responses", body)
    db.session.remove()  # the read starts afresh, as another request would
    read = api.get(f"/self-assessments/{ids[0]}")
    assert (saved.status_code, read.status_code) == (200, 200)
    assert saved.get_json() == read.get_json()
    assert saved.get_json()["responses"][0]["evidence"] == [ids[1], ids[2]]
    again = api.put(f"/self-assessments/{ids[0]}/responses", {"version": saved.get_json()["version"], "responses": [
        {"standard": "S1", "rating": "outstanding", "narrative": "Weekly audits, all passed"}]})
    assert again.status_code == 200


def test_put_with_a_stale_version_answers_409_and_changes_nothing(as_user, ward, assessment):
    api = as_user(ward.member)
    read = api.get(f"/self-assessments/{assessment.id}").get_json()
    services.save_answers(assessment, answers({"S2": Rating.GOOD}), by=ward.lead)
    db.session.commit()
    response = api.put(f"/self-assessments/{assessment.id}/responses",
                       {"version": read["version"], "responses": [{"standard": "S1", "rating": "inadequate"}]})
    assert answer(response) == error(409, "conflict", "This self-assessment has changed since you read it: read it "
                                                      "again", {"version": assessment.version})
    assert (_stored(assessment.id)["S1"], _stored(assessment.id)["S2"]) == (
        (None, ""), ("good", "S2: Audited weekly; see the minutes"))


def test_put_that_loses_a_race_answers_409_and_changes_nothing(as_user, ward, assessment, monkeypatch):
    real = services.save_answers

    def save_answers(*args, **kwargs):  # another request commits between the version check and the write
        saved_meanwhile(assessment.id, "S2", Rating.GOOD, "Saved at the same moment")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "save_answers", save_answers)
    response = as_user(ward.member).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version, "responses": [{"standard": "S1", "rating": "good", "narrative": "Mine"}]})
    assert answer(response) == error(409, "conflict", "This self-assessment has changed since you read it: read it "
                                                      "again", {"version": 2})
    assert (_stored(assessment.id)["S1"], _stored(assessment.id)["S2"]) == ((None, ""), ("good", "Saved at the same moment"))


def test_put_of_an_unknown_standard_answers_422_and_saves_nothing(as_user, ward, assessment):
    response = as_user(ward.member).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version,
        "responses": [{"standard": "S1", "rating": "good", "narrative": "x"}, {"standard": "SAFE1", "rating": "good"}]})
    assert answer(response) == error(422, "unprocessable", "SAFE1 is not a standard of this self-assessment",
                                     {"standard": "SAFE1"})
    assert (_stored(assessment.id)["S1"], assessment.status) == ((None, ""), AssessmentStatus.OPEN)


def test_put_of_evidence_from_another_team_answers_422(as_user, ward, assessment):
    theirs = add_evidence(ward.other_team, ward.outsider)
    response = as_user(ward.member).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version, "responses": [{"standard": "S1", "rating": "good", "evidence": [theirs.id]}]})
    assert answer(response) == error(422, "unprocessable", "S1: evidence can only come from this team's library",
                                     {"standard": "S1"})


def test_put_of_control_characters_answers_400(as_user, ward, assessment):
    response = as_user(ward.member).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version, "responses": [{"standard": "S1", "rating": "good", "narrative": "a\x00b"}]})
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "bad_request")
    assert _stored(assessment.id)["S1"] == (None, "")


def test_put_after_submission_answers_409(as_user, ward, assessment):
    submitted(assessment, ward)
    response = as_user(ward.lead).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version, "responses": [{"standard": "S1", "rating": "outstanding", "narrative": "x"}]})
    assert answer(response) == error(409, "conflict", "This self-assessment is submitted and can no longer be changed")
    assert _stored(assessment.id)["S1"] == ("good", "S1: Audited weekly; see the minutes")


def test_put_by_a_reviewer_answers_403(as_user, ward, assessment):
    response = as_user(ward.reviewer).put(f"/self-assessments/{assessment.id}/responses", {
        "version": assessment.version, "responses": [{"standard": "S1", "rating": "good"}]})
    assert answer(response) == error(403, "forbidden", FORBIDDEN, {"action": "assessment.edit"})


# --- Triggers --------------------------------------------------------------------------------------------------


def test_submit_of_an_incomplete_assessment_answers_422_naming_what_is_missing(as_user, ward, assessment):
    answer_all(assessment, ward.member, skip=["S6", "R1"])
    response = as_user(ward.lead).post(f"/self-assessments/{assessment.id}/transitions/submit")
    assert answer(response) == error(422, "unprocessable", "2 standards need a rating and a narrative: S6, R1", {
        "missing": ["S6", "R1"], "reasons": ["2 standards need a rating and a narrative: S6, R1"]})
    assert assessment.status is AssessmentStatus.IN_PROGRESS


def test_submit_by_a_team_member_answers_403(as_user, ward, assessment):
    answer_all(assessment, ward.member)
    response = as_user(ward.member).post(f"/self-assessments/{assessment.id}/transitions/submit")
    assert answer(response) == error(403, "forbidden", FORBIDDEN, {"action": "assessment.submit"})


def test_submit_by_the_lead_answers_the_submitted_assessment(as_user, ward, assessment):
    answer_all(assessment, ward.member)
    status, body = answer(as_user(ward.lead).post(f"/self-assessments/{assessment.id}/transitions/submit",
                                                  {"version": assessment.version}))
    assert (status, body["state"], body["transitions"], body["is_late"]) == (200, "submitted", [], False)
    assert _history(body)[-1] == ("submit", "in_progress", "submitted", "Sam Sister", None)


def test_submit_with_a_stale_version_answers_409(as_user, ward, assessment):
    answer_all(assessment, ward.member)
    response = as_user(ward.lead).post(f"/self-assessments/{assessment.id}/transitions/submit", {"version": 1})
    assert response.status_code == 409
    assert assessment.status is AssessmentStatus.IN_PROGRESS


def test_accept_by_a_reviewer_answers_200(as_user, ward, assessment):
    submitted(assessment, ward)
    status, body = answer(as_user(ward.reviewer).post(f"/self-assessments/{assessment.id}/transitions/accept"))
    assert (status, body["state"], _history(body)[-1]) == (
        200, "accepted", ("accept", "submitted", "accepted", "Riley Reviewer", None))


def test_accept_by_the_lead_answers_403(as_user, ward, assessment):
    submitted(assessment, ward)
    response = as_user(ward.lead).post(f"/self-assessments/{assessment.id}/transitions/accept")
    assert answer(response) == error(403, "forbidden", FORBIDDEN, {"action": "assessment.review"})
    db.session.expire_all()
    assert assessment.status is AssessmentStatus.SUBMITTED


def test_accept_before_submission_answers_409(as_user, ward, assessment):
    answer_all(assessment, ward.member)
    response = as_user(ward.reviewer).post(f"/self-assessments/{assessment.id}/transitions/accept")
    assert answer(response) == error(409, "conflict", "'accept' is not allowed from 'in_progress'; allowed: submit, "
                                     "close_period", {"state": "in_progress", "allowed": ["submit", "close_period"]})


def test_return_needs_a_reason_then_shows_it(as_user, ward, assessment):
    submitted(assessment, ward)
    api = as_user(ward.reviewer)
    refused = api.post(f"/self-assessments/{assessment.id}/transitions/return_to_team", {"reason": " "})
    assert answer(refused) == error(422, "unprocessable", "Give a reason for returning it to the team", {
        "missing": [], "reasons": ["Give a reason for returning it to the team"]})
    status, body = answer(api.post(f"/self-assessments/{assessment.id}/transitions/return_to_team",
                                   {"reason": "Add the falls audit to S2"}))
    assert (status, body["state"], body["return_reason"], body["submitted_at"]) == (
        200, "in_progress", "Add the falls audit to S2", None)
    lead_view = as_user(ward.lead).get(f"/self-assessments/{assessment.id}").get_json()
    assert (lead_view["return_reason"], lead_view["transitions"]) == ("Add the falls audit to S2", ["submit"])


@pytest.mark.parametrize("trigger", ["close_period", "explode"])
def test_triggers_the_api_does_not_fire_answer_409(as_user, ward, assessment, trigger):
    response = as_user(ward.lead).post(f"/self-assessments/{assessment.id}/transitions/{trigger}")
    assert answer(response) == error(409, "conflict", f"'{trigger}' cannot be fired through the API; allowed: start, "
                                                      "submit, accept, return_to_team")


def test_openapi_documents_the_self_assessment_routes(client):
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    routes = {(path, method) for path, item in spec["paths"].items() for method in item}
    expected = {("/api/v1/teams/{team_id}/self-assessments", "get"), ("/api/v1/self-assessments/{assessment_id}", "get"),
                ("/api/v1/self-assessments/{assessment_id}/responses", "put"),
                ("/api/v1/self-assessments/{assessment_id}/transitions/{trigger}", "post")}
    assert sorted(expected - routes) == []
    put = spec["paths"]["/api/v1/self-assessments/{assessment_id}/responses"]["put"]
    assert sorted(put["responses"]) == ["200", "400", "401", "403", "404", "409", "422", "default"]
