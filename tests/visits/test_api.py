"""The visit routes of the JSON API: plan, read, rate (with its version), set reviewers (conflicts checked), fire."""
from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.roles import Role
from accredit.visits import services
from accredit.visits.models import ConflictDeclaration, Visit
from tests.api.conftest import ApiClient, answer, error
from tests.api.openapi_check import problems, response_schema
from tests.factories import PASSWORD
from workflows.calendar import add_working_days
from workflows.ratings import Domain, Rating
from workflows.visit import VisitStatus

NOT_FOUND = "There is no visit with that id that you can see"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


def _put(api, path: str, body: dict):
    return api.client.put(path, json=body, headers={"Authorization": f"Bearer {api.token}"})


def _history(body: dict) -> list[tuple[str, str | None, str]]:
    return [(h["trigger"], h["from"], h["to"]) for h in body["history"]]


def test_api_plans_a_visit(api, trust):
    api.sign_in(trust.quality_lead)
    response = api.post("/api/v1/visits", json={"team": trust.ward.id, "kind": "qrv", "visit_date": "2026-03-03"})
    body = response.get_json()
    visit = db.session.scalars(sa.select(Visit)).one()
    assert (response.status_code, response.headers["Location"]) == (201, f"/api/v1/visits/{visit.id}")
    assert {k: body[k] for k in ("id", "state", "kind", "visit_date", "reviewers", "transitions", "ratings")} == {
        "id": visit.id, "state": "planned", "kind": "qrv", "visit_date": "2026-03-03", "reviewers": [],
        "transitions": ["cancel"],  # schedule waits for a reviewer
        "ratings": [{"domain": d.value, "rating": None, "findings": ""} for d in Domain]}
    assert _history(body) == [("plan", None, "planned")]


def test_api_plan_answers_404_outside_scope_and_403_to_team_staff(api, trust):
    api.sign_in(trust.outsider)
    outside = api.post("/api/v1/visits", json={"team": trust.ward.id, "visit_date": "2026-03-03"})
    api.sign_in(trust.lead)
    forbidden = api.post("/api/v1/visits", json={"team": trust.ward.id, "visit_date": "2026-03-03"})
    assert (answer(outside), answer(forbidden)) == (
        error(404, "not_found", "There is no team with that id that you can see"),
        error(403, "forbidden", "You do not have permission to do this", {"action": "visit.plan"}))
    assert db.session.scalars(sa.select(Visit)).all() == []


def test_api_get_visit_shows_state_transitions_and_history(api, trust, walk):
    today = today_in_london()
    visit = walk.to(walk.plan(day=today), VisitStatus.FACTUAL_ACCURACY)
    db.session.commit()
    api.sign_in(trust.lead)
    body = api.get(f"/api/v1/visits/{visit.id}").get_json()
    assert (body["state"], body["transitions"], body["factual_accuracy_due"], body["overall"]["rating"]) == (
        "factual_accuracy", [], add_working_days(today, 10).isoformat(), "good")
    assert _history(body) == [("plan", None, "planned"), ("schedule", "planned", "scheduled"),
                              ("start", "scheduled", "in_progress"), ("draft", "in_progress", "draft_report"),
                              ("send", "draft_report", "factual_accuracy")]
    api.sign_in(trust.quality_lead)
    assert api.get(f"/api/v1/visits/{visit.id}").get_json()["transitions"] == ["cancel"]  # the team lead has time


def test_api_hides_the_draft_from_the_team_until_it_is_sent(api, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.DRAFT_REPORT)
    db.session.commit()
    api.sign_in(trust.member)
    body = api.get(f"/api/v1/visits/{visit.id}").get_json()
    assert (body["ratings"], body["overall"], body["summary"]) == (None, None, None)


def test_api_get_visit_outside_scope_is_404(api, trust, walk):
    visit = walk.plan()
    db.session.commit()
    api.sign_in(trust.outsider)
    assert answer(api.get(f"/api/v1/visits/{visit.id}")) == error(404, "not_found", NOT_FOUND)


def test_api_put_ratings_saves_and_refuses_a_stale_version(api, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    api.sign_in(trust.reviewer)
    ratings = [{"domain": d.value, "rating": "good", "findings": f"{d.label} seen"} for d in Domain]
    saved = _put(api, f"/api/v1/visits/{visit.id}/ratings", {"version": visit.version, "ratings": ratings})
    body = saved.get_json()
    assert (saved.status_code, body["overall"]) == (200, {
        "rating": "good", "computed": "good", "overridden": False, "override_reason": None,
        "explanation": "Good: 5 Good of 5 domains; Outstanding needs at least two Outstanding and none below Good"})
    stale = _put(api, f"/api/v1/visits/{visit.id}/ratings",
                 {"version": body["version"] - 1, "ratings": [{"domain": "safe", "rating": "inadequate"}]})
    db.session.expire_all()
    assert (answer(stale), visit.rating_for(Domain.SAFE).rating) == (
        error(409, "conflict", "This visit has changed since you read it: read it again",
              {"version": body["version"]}), Rating.GOOD)


def test_api_put_ratings_override_without_reason_is_422(api, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    walk.rate(visit, {d: Rating.GOOD for d in Domain})
    db.session.commit()
    api.sign_in(trust.reviewer)
    response = _put(api, f"/api/v1/visits/{visit.id}/ratings", {"version": visit.version, "overall": "outstanding"})
    assert answer(response) == error(422, "unprocessable", "Give a reason for rating it Outstanding overall when the "
                                     "ratings give Good", {"field": "override_reason"})


def test_api_put_ratings_is_forbidden_to_the_team(api, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    api.sign_in(trust.lead)
    response = _put(api, f"/api/v1/visits/{visit.id}/ratings", {"version": visit.version, "ratings": []})
    assert answer(response) == error(403, "forbidden", "You do not have permission to do this",
                                     {"action": "visit.rate"})


def test_api_put_reviewers_with_a_conflict_is_422_naming_the_reasons(api, factory, trust, walk):
    conflicted = factory.user(name="Wendy Ward", role=Role.REVIEWER, password=None)
    factory.grant(conflicted, Role.TEAM_LEAD, trust.acute)
    db.session.add(ConflictDeclaration(user_id=conflicted.id, team_id=trust.ward.id, reason="Sister works there"))
    visit = walk.plan()
    db.session.commit()
    api.sign_in(trust.quality_lead)
    body = {"reviewers": [{"user": trust.reviewer.id, "is_lead": True}, {"user": conflicted.id}]}
    refused = _put(api, f"/api/v1/visits/{visit.id}/reviewers", body)
    db.session.expire_all()
    assert (answer(refused), visit.reviewer_ids()) == (error(
        422, "unprocessable", "Wendy Ward cannot review Ward 7 Respiratory: manages this team in their line; has "
        "declared a conflict of interest with this team",
        {"reviewers": {str(conflicted.id): ["manages this team in their line",
                                            "has declared a conflict of interest with this team"]}}), [])
    body["reviewers"][1]["override_reason"] = "Agreed with the division's director"
    done = _put(api, f"/api/v1/visits/{visit.id}/reviewers", body)
    assert (done.status_code, done.get_json()["reviewers"]) == (200, [
        {"user": {"id": trust.reviewer.id, "name": "Riley Reviewer"}, "is_lead": True,
         "conflict_override_reason": None},
        {"user": {"id": conflicted.id, "name": "Wendy Ward"}, "is_lead": False,
         "conflict_override_reason": "Agreed with the division's director"}])


def test_api_put_reviewers_removes_and_changes_the_lead(api, factory, trust, walk):
    other = factory.user(name="Olive Other", role=Role.REVIEWER, password=None)
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead, is_lead=True)
    db.session.commit()
    api.sign_in(trust.quality_lead)
    response = _put(api, f"/api/v1/visits/{visit.id}/reviewers", {"reviewers": [{"user": other.id, "is_lead": True}]})
    assert [(r["user"]["name"], r["is_lead"]) for r in response.get_json()["reviewers"]] == [("Olive Other", True)]


def test_api_override_by_a_reviewer_is_refused(api, factory, trust, walk):
    conflicted = factory.user(name="Wendy Ward", role=Role.REVIEWER, password=None)
    factory.grant(conflicted, Role.TEAM_MEMBER, trust.ward)
    visit = walk.plan()
    db.session.commit()
    api.sign_in(trust.reviewer)
    response = _put(api, f"/api/v1/visits/{visit.id}/reviewers",
                    {"reviewers": [{"user": conflicted.id, "override_reason": "Trust me"}]})
    assert answer(response) == error(403, "forbidden", "You do not have permission to do this",
                                     {"action": "visit.assign"})


def test_api_fires_triggers_and_refuses_illegal_ones(api, trust, walk):
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    db.session.commit()
    api.sign_in(trust.quality_lead)
    scheduled = api.post(f"/api/v1/visits/{visit.id}/transitions/schedule", json={})
    illegal = api.post(f"/api/v1/visits/{visit.id}/transitions/publish", json={})
    no_reason = api.post(f"/api/v1/visits/{visit.id}/transitions/cancel", json={})
    assert (scheduled.get_json()["state"], scheduled.get_json()["transitions"]) == ("scheduled", ["start", "cancel"])
    assert (answer(illegal), answer(no_reason)) == (
        error(409, "conflict", "'publish' is not allowed from 'scheduled'; allowed: start, cancel",
              {"state": "scheduled", "allowed": ["start", "cancel"]}),
        error(422, "unprocessable", "Give a reason", {"reasons": ["Give a reason"]}))
    cancelled = api.post(f"/api/v1/visits/{visit.id}/transitions/cancel", json={"reason": "Outbreak"})
    assert (cancelled.get_json()["state"], cancelled.get_json()["cancel_reason"]) == ("cancelled", "Outbreak")


def test_api_visit_responses_conform_to_the_openapi_document(api, client, trust, walk):
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    api.sign_in(trust.quality_lead)
    calls = [
        ("/api/v1/visits/{visit_id}", "get", api.get(f"/api/v1/visits/{visit.id}")),
        ("/api/v1/teams/{team_id}/visits", "get", api.get(f"/api/v1/teams/{trust.ward.id}/visits")),
        ("/api/v1/visits/{visit_id}/ratings", "put",
         _put(api, f"/api/v1/visits/{visit.id}/ratings", {"version": visit.version, "ratings": []})),
        ("/api/v1/visits", "post", api.post("/api/v1/visits", json={"team": trust.ward.id, "visit_date": "2026-5-1"})),
        ("/api/v1/visits/{visit_id}/transitions/{trigger}", "post",
         api.post(f"/api/v1/visits/{visit.id}/transitions/draft", json={})),
    ]
    found = {(path, method, r.status_code): problems(spec, r.get_json(), response_schema(spec, path, method,
                                                                                          r.status_code))
             for path, method, r in calls}
    assert found == {("/api/v1/visits/{visit_id}", "get", 200): [], ("/api/v1/teams/{team_id}/visits", "get", 200): [],
                     ("/api/v1/visits/{visit_id}/ratings", "put", 200): [], ("/api/v1/visits", "post", 400): [],
                     ("/api/v1/visits/{visit_id}/transitions/{trigger}", "post", 422): []}
