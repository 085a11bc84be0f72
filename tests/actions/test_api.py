"""Improvement actions over the API: list, raise, read, fire triggers; scope as 404, role as 403, state as 409."""
from __future__ import annotations

import json

import pytest

from accredit.actions.models import Action
from accredit.auth.services import issue_token
from accredit.extensions import db
from tests.actions.conftest import add_evidence, in_days, raise_one, walk_to
from tests.api.conftest import answer, error
from tests.api.openapi_check import problems, response_schema
from workflows.action import ActionStatus

NOT_FOUND = error(404, "not_found", "There is no action with that id that you can see")
TEAM_NOT_FOUND = error(404, "not_found", "There is no team with that id that you can see")
FORBIDDEN = "You do not have permission to do this"


class Api:
    """The test client speaking JSON to /api/v1 as one user, with a token issued directly (no password)."""

    def __init__(self, client, user):
        raw, _ = issue_token(user)
        db.session.commit()
        self.client, self.headers = client, {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers)


@pytest.fixture
def as_user(client):
    return lambda user: Api(client, user)


def _history(body: dict) -> list[tuple]:
    return [(h["trigger"], h["from"], h["to"], (h["by"] or {}).get("name"), h["reason"]) for h in body["history"]]


def _new(ward, **changes) -> dict:
    return {"title": "Fix the sluice door", "owner": ward.member.id, "due_on": in_days(7).isoformat(),
            "finding": "Door left open", "standard_code": "S5", **changes}


# --- Reading -----------------------------------------------------------------------------------------------------


def test_list_gives_a_teams_actions_soonest_due_first_and_filters_by_state(as_user, ward):
    later = raise_one(ward, title="Later", due_on=in_days(20))
    late = raise_one(ward, title="Late", due_on=in_days(-1), today=in_days(-2))
    started = walk_to(raise_one(ward, title="Started", due_on=in_days(5)), ActionStatus.IN_PROGRESS, ward)
    api = as_user(ward.member)
    status, body = answer(api.get(f"/teams/{ward.team.id}/actions"))
    assert (status, body["total"]) == (200, 3)
    assert [(r["id"], r["state"], r["due_on"], r["is_overdue"], r["owner"]["name"], r["domain"], r["source"])
            for r in body["items"]] == [
        (late.id, "open", in_days(-1).isoformat(), True, "Nadia Nurse", "safe", "team"),
        (started.id, "in_progress", in_days(5).isoformat(), False, "Nadia Nurse", "safe", "team"),
        (later.id, "open", in_days(20).isoformat(), False, "Nadia Nurse", "safe", "team"),
    ]
    status, body = answer(api.get(f"/teams/{ward.team.id}/actions", query_string={"state": "open", "per_page": 1}))
    assert (status, body["total"], [r["id"] for r in body["items"]], body["per_page"]) == (200, 2, [late.id], 1)


def test_list_refuses_an_unknown_state(as_user, ward):
    status, body = answer(as_user(ward.member).get(f"/teams/{ward.team.id}/actions", query_string={"state": "done"}))
    assert (status, body["error"]["code"], list(body["error"]["details"])) == (400, "bad_request", ["state"])


def test_get_gives_the_action_its_history_and_the_callers_transitions(as_user, ward):
    item = add_evidence(ward.team, ward.member)
    action = walk_to(raise_one(ward, owner=ward.member), ActionStatus.AWAITING_EVIDENCE, ward, evidence_ids=(item.id,))
    owner, reviewer = as_user(ward.member), as_user(ward.reviewer)
    status, body = answer(owner.get(f"/actions/{action.id}"))
    assert status == 200
    assert {k: body[k] for k in ("id", "state", "version", "transitions", "team", "title", "owner", "due_on",
                                 "domain", "standard_code", "source", "visit_id", "completion_note", "evidence")} == {
        "id": action.id, "state": "awaiting_evidence", "version": 3, "transitions": [],
        "team": {"id": ward.team.id, "code": ward.team.code, "name": "Ward 7 Respiratory"},
        "title": "Audit hand hygiene weekly", "owner": {"id": ward.member.id, "name": "Nadia Nurse"},
        "due_on": in_days(30).isoformat(), "domain": "safe", "standard_code": None, "source": "team",
        "visit_id": None, "completion_note": "Weekly audits since April: 97%",
        "evidence": [{"id": item.id, "title": "Hand hygiene audit"}],
    }
    assert _history(body) == [
        ("raise", None, "open", "Sam Sister", None),
        ("start", "open", "in_progress", "Nadia Nurse", None),
        ("complete", "in_progress", "awaiting_evidence", "Nadia Nurse", "Weekly audits since April: 97%"),
    ]
    assert answer(reviewer.get(f"/actions/{action.id}"))[1]["transitions"] == ["verify", "reopen"]


def test_get_matches_its_documented_schema(client, as_user, ward):
    item = add_evidence(ward.team, ward.member)
    action = walk_to(raise_one(ward), ActionStatus.CLOSED, ward, evidence_ids=(item.id,))
    bodies = [as_user(ward.member).get(f"/actions/{a.id}").get_json() for a in (action, raise_one(ward))]
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    schema = response_schema(spec, "/api/v1/actions/{action_id}", "get", 200)
    assert [problems(spec, body, schema) for body in bodies] == [[], []]


def test_action_and_plan_outside_scope_answer_404_like_missing_ones(as_user, ward):
    action = raise_one(ward)
    api = as_user(ward.outsider)
    assert [answer(api.get(f"/actions/{action.id}")), answer(api.get("/actions/999999")),
            answer(api.post(f"/actions/{action.id}/transitions/start"))] == [NOT_FOUND] * 3
    assert [answer(api.get(f"/teams/{ward.team.id}/actions")),
            answer(api.post(f"/teams/{ward.team.id}/actions", _new(ward)))] == [TEAM_NOT_FOUND] * 2


# --- Raising -----------------------------------------------------------------------------------------------------


def test_raise_answers_201_with_the_new_action(as_user, ward):
    response = as_user(ward.reviewer).post(f"/teams/{ward.team.id}/actions", _new(ward))
    status, body = answer(response)
    action = db.session.get(Action, body["id"])
    assert (status, response.headers["Location"]) == (201, f"/api/v1/actions/{action.id}")
    assert {k: body[k] for k in ("state", "title", "domain", "standard_code", "finding", "created_by")} == {
        "state": "open", "title": "Fix the sluice door", "domain": "safe", "standard_code": "S5",
        "finding": "Door left open", "created_by": {"id": ward.reviewer.id, "name": "Riley Reviewer"}}
    assert (action.owner_id, action.due_on) == (ward.member.id, in_days(7))


def test_raise_by_a_team_member_answers_403(as_user, ward):
    assert answer(as_user(ward.member).post(f"/teams/{ward.team.id}/actions", _new(ward))) == error(
        403, "forbidden", FORBIDDEN, {"action": "action.raise"})
    assert db.session.query(Action).count() == 0


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"due_on": in_days(-1).isoformat()}, "due_on", "The due date must be today or later"),
    ({"standard_code": "W99"}, "standard_code",
     "W99 is not a standard of CQC key lines of enquiry for healthcare services"),
    ({"standard_code": None}, "domain", "Choose the domain or standard the action is for"),
])
def test_raise_refused_by_a_rule_answers_422_naming_the_field(as_user, ward, changes, field, message):
    response = as_user(ward.lead).post(f"/teams/{ward.team.id}/actions", _new(ward, **changes))
    assert answer(response) == error(422, "unprocessable", message, {"field": field})


@pytest.mark.parametrize("owner", ["outsider", "nobody"])
def test_raise_refuses_an_owner_outside_the_team_without_naming_them(as_user, ward, owner):
    owner_id = ward.outsider.id if owner == "outsider" else 999999
    response = as_user(ward.lead).post(f"/teams/{ward.team.id}/actions", _new(ward, owner=owner_id))
    assert answer(response) == error(422, "unprocessable",
                                     "That person cannot own an action of this team: choose one of its staff",
                                     {"field": "owner"})


def test_raise_with_a_malformed_body_answers_400(as_user, ward):
    status, body = answer(as_user(ward.lead).post(f"/teams/{ward.team.id}/actions", {"title": "x", "owner": "me"}))
    assert (status, sorted(body["error"]["details"])) == (400, ["due_on", "owner"])


# --- Transitions -------------------------------------------------------------------------------------------------


def test_transitions_take_an_action_from_open_to_closed(as_user, ward):
    item = add_evidence(ward.team, ward.member)
    action = raise_one(ward)
    owner, lead = as_user(ward.member), as_user(ward.quality_lead)
    assert answer(owner.post(f"/actions/{action.id}/transitions/start", {"version": 1}))[1]["state"] == "in_progress"
    status, body = answer(owner.post(f"/actions/{action.id}/transitions/complete",
                                     {"note": "Weekly audits: 97%", "evidence": [item.id]}))
    assert (status, body["state"], body["evidence"], body["transitions"]) == (
        200, "awaiting_evidence", [{"id": item.id, "title": "Hand hygiene audit"}], [])
    status, body = answer(lead.post(f"/actions/{action.id}/transitions/verify"))
    assert (status, body["state"], body["verified_by"], body["transitions"]) == (
        200, "closed", {"id": ward.quality_lead.id, "name": "Quinn Quality"}, [])


def test_fire_from_the_wrong_state_answers_409(as_user, ward):
    action = raise_one(ward)
    assert answer(as_user(ward.member).post(f"/actions/{action.id}/transitions/complete", {"note": "x"})) == error(
        409, "conflict", "'complete' is not allowed from 'open'; allowed: start",
        {"state": "open", "allowed": ["start"]})


def test_fire_with_a_stale_version_answers_409_and_changes_nothing(as_user, ward):
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    response = as_user(ward.member).post(f"/actions/{action.id}/transitions/complete", {"note": "x", "version": 1})
    assert answer(response) == error(409, "conflict", "This action has changed since you read it: read it again",
                                     {"version": 2})
    assert db.session.get(Action, action.id).status is ActionStatus.IN_PROGRESS


def test_fire_an_unknown_trigger_answers_409(as_user, ward):
    action = raise_one(ward)
    assert answer(as_user(ward.member).post(f"/actions/{action.id}/transitions/close")) == error(
        409, "conflict", "'close' is not a trigger of actions; triggers: start, complete, verify, reopen")


def test_verify_by_the_owner_who_is_a_team_member_answers_403(as_user, ward):
    action = walk_to(raise_one(ward, owner=ward.member), ActionStatus.AWAITING_EVIDENCE, ward)
    assert answer(as_user(ward.member).post(f"/actions/{action.id}/transitions/verify")) == error(
        403, "forbidden", FORBIDDEN, {"action": "action.verify"})


def test_reopen_without_a_reason_answers_422(as_user, ward):
    action = walk_to(raise_one(ward), ActionStatus.AWAITING_EVIDENCE, ward)
    assert answer(as_user(ward.reviewer).post(f"/actions/{action.id}/transitions/reopen", {"reason": " "})) == error(
        422, "unprocessable", "Give a reason for reopening it", {"reasons": ["Give a reason for reopening it"]})
    status, body = answer(as_user(ward.reviewer).post(f"/actions/{action.id}/transitions/reopen",
                                                      {"reason": "One week of audits is not enough"}))
    assert (status, body["state"], body["reopen_reason"]) == (200, "in_progress", "One week of audits is not enough")


def test_complete_without_a_note_or_with_foreign_evidence_answers_422(as_user, ward):
    theirs = add_evidence(ward.other_team, ward.outsider, "Their audit")
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    api = as_user(ward.member)
    assert [answer(api.post(f"/actions/{action.id}/transitions/complete", body)) for body in (
        {}, {"note": "Done", "evidence": [theirs.id]})] == [
        error(422, "unprocessable", "Say what was done to complete the action", {"field": "note"}),
        error(422, "unprocessable", "Evidence can only come from this team's library", {"field": "evidence"}),
    ]
    assert db.session.get(Action, action.id).status is ActionStatus.IN_PROGRESS
