"""Step-up over the API: a team's position, recording signals, the regulation as a workflow resource and its
triggers; scope as 404, role as 403, state as 409, guards as 422; bodies as the OpenAPI document says."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accredit.assessments.services import today_in_london
from accredit.auth.services import issue_token
from accredit.extensions import db
from accredit.schemes.services import current_scheme
from accredit.stepup import services
from accredit.stepup.models import LevelProposal, RiskSignal, StepupRegulation
from tests.api.conftest import answer, error
from tests.api.openapi_check import problems, response_schema
from workflows.stepup import ProposalStatus, Severity, StepupLevel

TEAM_NOT_FOUND = error(404, "not_found", "There is no team with that id that you can see")
FORBIDDEN = "You do not have permission to do this"


class Api:
    """The test client speaking JSON to /api/v1 as one user, with a token issued directly (no password)."""

    def __init__(self, client, user):
        raw, _ = issue_token(user)
        db.session.commit()
        self.client, self.headers = client, {"Authorization": f"Bearer {raw}"}

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers)


@pytest.fixture
def as_user(client):
    return lambda user: Api(client, user)


@pytest.fixture
def proposal(trust, factory) -> LevelProposal:
    factory.signal(trust.ward, Severity.RED, today_in_london() - timedelta(days=1), description="Fall with harm")
    found = services.review_team(trust.ward, today=today_in_london(), scheme=current_scheme())
    db.session.commit()
    return found


def test_a_team_position_for_its_quality_lead(as_user, trust, proposal, client):
    response = as_user(trust.medicine_lead).get(f"/teams/{trust.ward.id}/stepup")
    status, body = answer(response)
    regulation = db.session.scalar(sa.select(StepupRegulation))
    assert status == 200
    assert (body["regulation_id"], body["team"]["name"], body["level"], body["since"], body["months_at_level"]) == (
        regulation.id, "Ward 7 Respiratory", "standard", "2020-04-01", body["months_at_level"])
    assert body["risk"] == {
        "score": 30, "has_red": True,
        "explanation": "Risk score 30: 1 red (30 points) in the last 6 months",
        "reasons": [{"description": "Incident: Fall with harm", "severity": "red", "points": 30,
                     "on": (today_in_london() - timedelta(days=1)).isoformat(), "source": "recorded"}],
        "engine": proposal.explanation,
    }
    assert (body["pending_proposal"]["id"], body["pending_proposal"]["state"], body["pending_proposal"]["from"],
            body["pending_proposal"]["to"]) == (proposal.id, "pending", "standard", "step_up")
    assert [s["key"] for s in body["cycle"]["steps"]] == ["self_assessment", "peer_review", "improvement_plan",
                                                          "validation_review"]
    assert body["cycle"]["months"] == 6
    spec = client.get("/api/v1/openapi.json").get_json()
    assert problems(spec, body, response_schema(spec, "/api/v1/teams/{team_id}/stepup", "get", 200)) == []


def test_team_staff_see_the_position_without_the_risk(as_user, trust, proposal):
    status, body = answer(as_user(trust.member).get(f"/teams/{trust.ward.id}/stepup"))
    assert (status, body["level"], body["risk"], body["pending_proposal"]) == (200, "standard", None, None)


def test_a_position_is_made_on_first_read(as_user, trust):
    status, body = answer(as_user(trust.member).get(f"/teams/{trust.sister_ward.id}/stepup"))
    assert status == 404  # the member's team is Ward 7 only
    status, body = answer(as_user(trust.quality_lead).get(f"/teams/{trust.sister_ward.id}/stepup"))
    assert (status, body["level"]) == (200, "standard")
    assert db.session.scalar(sa.select(StepupRegulation.team_id)) == trust.sister_ward.id


def test_a_quality_lead_of_another_division_gets_404(as_user, trust, proposal):
    api = as_user(trust.surgery_lead)
    regulation_id = proposal.regulation_id
    answers = [answer(api.get(f"/teams/{trust.ward.id}/stepup")),
               answer(api.post(f"/teams/{trust.ward.id}/signals", {"kind": "incident", "severity": "red",
                                                                  "occurred_on": "2026-01-01", "description": "x"})),
               api.get(f"/stepup/{regulation_id}").status_code,
               api.post(f"/stepup/{regulation_id}/transitions/step_up", {"reason": "x"}).status_code]
    assert answers == [TEAM_NOT_FOUND, TEAM_NOT_FOUND, 404, 404]
    assert proposal.status is ProposalStatus.PENDING


def test_recording_a_signal(as_user, trust, client):
    day = today_in_london().isoformat()
    response = as_user(trust.medicine_lead).post(f"/teams/{trust.ward.id}/signals", {
        "kind": "safeguarding", "severity": "amber", "occurred_on": day, "description": "Referral made"})
    status, body = answer(response)
    signal = db.session.scalar(sa.select(RiskSignal))
    assert (status, response.headers["Location"]) == (201, f"/api/v1/teams/{trust.ward.id}/stepup")
    assert {k: body[k] for k in ("id", "kind", "severity", "occurred_on", "description")} == {
        "id": signal.id, "kind": "safeguarding", "severity": "amber", "occurred_on": day,
        "description": "Referral made"}
    assert body["recorded_by"] == {"id": trust.medicine_lead.id, "name": "Morgan Medicine"}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert problems(spec, body, response_schema(spec, "/api/v1/teams/{team_id}/signals", "post", 201)) == []


def test_recording_a_signal_refusals(as_user, trust):
    future = (today_in_london() + timedelta(days=1)).isoformat()
    body = {"kind": "incident", "severity": "red", "occurred_on": future, "description": "A fall"}
    assert answer(as_user(trust.lead).post(f"/teams/{trust.ward.id}/signals", body)) == error(
        403, "forbidden", FORBIDDEN, {"action": "stepup.record_signal"})
    assert answer(as_user(trust.quality_lead).post(f"/teams/{trust.ward.id}/signals", body)) == error(
        422, "unprocessable", "The date it happened must be today or in the past", {"field": "occurred_on"})
    status, refused = answer(as_user(trust.quality_lead).post(f"/teams/{trust.ward.id}/signals",
                                                              {**body, "severity": "purple"}))
    assert (status, list(refused["error"]["details"])) == (400, ["severity"])
    assert db.session.scalars(sa.select(RiskSignal)).all() == []


def test_the_regulation_is_a_workflow_resource(as_user, trust, proposal, client):
    api = as_user(trust.quality_lead)
    status, body = answer(api.get(f"/stepup/{proposal.regulation_id}"))
    assert (status, body["id"], body["state"], body["version"], body["transitions"]) == (
        200, proposal.regulation_id, "standard", body["version"], ["step_up", "step_down"])
    assert body["history"] == [{"at": body["history"][0]["at"], "by": None, "trigger": "create", "from": None,
                                "to": "standard", "reason": None}]
    member = answer(as_user(trust.member).get(f"/stepup/{proposal.regulation_id}"))[1]
    assert member["transitions"] == []
    spec = client.get("/api/v1/openapi.json").get_json()
    assert problems(spec, body, response_schema(spec, "/api/v1/stepup/{regulation_id}", "get", 200)) == []


def test_firing_step_up_approves_the_waiting_proposal(as_user, trust, proposal):
    api = as_user(trust.medicine_lead)
    regulation_id = proposal.regulation_id
    version = answer(api.get(f"/stepup/{regulation_id}"))[1]["version"]
    status, body = answer(api.post(f"/stepup/{regulation_id}/transitions/step_up",
                                   {"reason": "Agreed at the huddle", "version": version}))
    assert (status, body["state"], body["level"], body["pending_proposal"]) == (200, "step_up", "step_up", None)
    assert [(h["trigger"], h["from"], h["to"], h["reason"], h["by"]) for h in body["history"]][1:] == [
        ("step_up", "standard", "step_up", "Agreed at the huddle", {"id": trust.medicine_lead.id,
                                                                    "name": "Morgan Medicine"})]
    db.session.expire_all()
    assert (proposal.status, proposal.decision_note) == (ProposalStatus.APPROVED, "Agreed at the huddle")


def test_firing_refusals(as_user, trust, proposal):
    api, regulation_id = as_user(trust.quality_lead), proposal.regulation_id
    path = f"/stepup/{regulation_id}/transitions"
    assert answer(api.post(f"{path}/step_up", {"reason": "x", "version": 999}))[0] == 409
    assert answer(api.post(f"{path}/jump", {"reason": "x"})) == error(
        409, "conflict", "'jump' is not a trigger of Step-up; triggers: step_up, step_down")
    assert answer(api.post(f"{path}/step_up", {})) == error(
        422, "unprocessable", "Give a note saying why you approve the change", {"field": "note"})
    assert answer(as_user(trust.lead).post(f"{path}/step_up", {"reason": "x"})) == error(
        403, "forbidden", FORBIDDEN, {"action": "stepup.step_up"})
    # Standard since 2020: stepping down is allowed by time, and withdraws the proposal the other way.
    status, body = answer(api.post(f"{path}/step_down", {"reason": "Outstanding peer review"}))
    assert (status, body["state"]) == (200, "step_down")
    assert answer(api.post(f"{path}/step_down", {"reason": "Lower still"})) == error(
        409, "conflict", "'step_down' is not allowed from 'step_down'; allowed: step_up",
        {"state": "step_down", "allowed": ["step_up"]})
    status, refused = answer(api.post(f"{path}/step_up", {"reason": "Back up"}))  # the red signal still counts
    assert (status, refused["state"]) == (200, "standard")
    db.session.expire_all()
    assert db.session.get(StepupRegulation, regulation_id).level is StepupLevel.STANDARD


def test_stepping_down_too_soon_answers_422(as_user, trust, proposal):
    api, path = as_user(trust.quality_lead), f"/stepup/{proposal.regulation_id}/transitions"
    assert answer(api.post(f"{path}/step_up", {"reason": "Agreed"}))[0] == 200
    status, body = answer(api.post(f"{path}/step_down", {"reason": "Better already"}))
    assert (status, body["error"]["details"]) == (422, {"reasons": [
        "A team stays at least 3 months at a level before stepping down; this team has been at Step up for less "
        "than a month"]})


def test_rejecting_the_waiting_proposal(as_user, trust, proposal):
    path = f"/stepup/{proposal.regulation_id}/proposal/rejection"
    assert answer(as_user(trust.lead).post(path, {"reason": "No"})) == error(
        403, "forbidden", FORBIDDEN, {"action": "stepup.decide"})
    assert answer(as_user(trust.surgery_lead).post(path, {"reason": "No"}))[0] == 404
    api = as_user(trust.medicine_lead)
    assert answer(api.post(path, {})) == error(
        422, "unprocessable", "Give a note saying why you reject the proposal", {"field": "note"})
    status, body = answer(api.post(path, {"reason": "Isolated incident, investigated"}))
    assert (status, body["state"], body["pending_proposal"]) == (200, "standard", None)
    db.session.expire_all()
    assert (proposal.status, proposal.decision_note) == (ProposalStatus.REJECTED, "Isolated incident, investigated")
    assert answer(api.post(path, {"reason": "Again"})) == error(
        409, "conflict", "No change of level is waiting for a decision")
