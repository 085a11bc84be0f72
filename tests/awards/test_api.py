"""Awards over the API: the scoped list with its filters, one award as a workflow resource, reinstate."""
from __future__ import annotations

from datetime import date

import pytest

from accredit.auth.services import issue_token
from accredit.awards.services import expire_award, suspend_award
from accredit.extensions import db
from tests.api.conftest import answer, error
from tests.api.openapi_check import problems, response_schema
from workflows.accreditation import AwardStatus

NOT_FOUND = error(404, "not_found", "There is no award with that id that you can see")
TEAM_NOT_FOUND = error(404, "not_found", "There is no team with that id that you can see")


class Api:
    """JSON to /api/v1 as one user, with a token issued directly (no password hashing)."""

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


@pytest.fixture
def awards(granter, trust):
    """Ward 7: active; Ward 8: suspended; Ward 20 (Surgery): an expired award."""
    active = granter.grant(decided_on=date(2026, 3, 2))
    suspended = granter.grant(team=trust.sister_ward, decided_on=date(2026, 4, 1))
    suspend_award(suspended, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    expired = granter.grant(team=trust.surgical_ward, decided_on=date(2025, 1, 6))
    expire_award(expired)
    db.session.commit()
    return active, suspended, expired


def _ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]


def test_list_awards_is_scoped_and_filtered(as_user, trust, awards):
    active, suspended, expired = awards
    quality_lead, lead = as_user(trust.quality_lead), as_user(trust.lead)
    everything = quality_lead.get("/awards")
    assert (everything.status_code, _ids(everything), everything.get_json()["total"]) == (
        200, [suspended.id, active.id, expired.id], 3)
    assert _ids(quality_lead.get("/awards?state=suspended")) == [suspended.id]
    assert _ids(quality_lead.get(f"/awards?team={trust.surgical_ward.id}")) == [expired.id]
    assert _ids(quality_lead.get(f"/awards?team={trust.ward.id}&state=expired")) == []
    assert _ids(lead.get("/awards")) == [active.id]
    assert answer(lead.get(f"/awards?team={trust.surgical_ward.id}")) == TEAM_NOT_FOUND
    item = lead.get("/awards").get_json()["items"][0]
    assert item == {"id": active.id, "state": "active", "kind": "outstanding_team",
                    "team": {"id": trust.ward.id, "code": trust.ward.code, "name": "Ward 7 Respiratory"},
                    "granted_on": "2026-03-02", "valid_until": "2027-03-02", "ended_on": None}


def test_list_awards_refuses_an_unknown_state(as_user, trust, awards):
    response = as_user(trust.quality_lead).get("/awards?state=revoked")
    assert response.status_code == 400


def test_get_award_is_a_workflow_resource(app, as_user, trust, awards):
    active = awards[0]
    response = as_user(trust.lead).get(f"/awards/{active.id}")
    body = response.get_json()
    assert response.status_code == 200
    assert (body["state"], body["version"], body["transitions"]) == ("active", active.version, [])
    assert [(h["trigger"], h["from"], h["to"], h["by"]["name"]) for h in body["history"]] == [
        ("grant", None, "active", "Quinn Quality")]
    assert body["ratings"] == [{"domain": "safe", "rating": "outstanding"}, {"domain": "effective", "rating": "good"},
                               {"domain": "caring", "rating": "outstanding"},
                               {"domain": "responsive", "rating": "good"}, {"domain": "well_led", "rating": "good"}]
    assert (body["chair_name"], body["certificate_url"], body["suspensions"]) == (
        "Chris Chair", f"/awards/{active.id}/certificate.pdf", [])
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert problems(spec, body, response_schema(spec, "/api/v1/awards/{award_id}", "get", 200)) == []


def test_get_award_outside_scope_is_404(as_user, trust, awards):
    assert answer(as_user(trust.outsider).get(f"/awards/{awards[0].id}")) == NOT_FOUND
    assert answer(as_user(trust.outsider).get("/awards/999999")) == NOT_FOUND


def test_quality_lead_sees_and_fires_reinstate(as_user, trust, awards):
    suspended = awards[1]
    quality_lead = as_user(trust.quality_lead)
    assert quality_lead.get(f"/awards/{suspended.id}").get_json()["transitions"] == ["reinstate"]
    response = quality_lead.post(f"/awards/{suspended.id}/transitions/reinstate",
                                 {"reason": "Follow-up QRV rated Good", "version": suspended.version})
    body = response.get_json()
    assert (response.status_code, body["state"], body["transitions"]) == (200, "active", [])
    assert body["suspensions"][0]["reinstate_reason"] == "Follow-up QRV rated Good"
    assert [(h["trigger"], h["to"], h["reason"]) for h in body["history"]][-1] == (
        "reinstate", "active", "Follow-up QRV rated Good")


def test_reinstate_without_a_reason_is_422(as_user, trust, awards):
    suspended = awards[1]
    response = as_user(trust.quality_lead).post(f"/awards/{suspended.id}/transitions/reinstate", {})
    assert answer(response) == error(422, "unprocessable", "Give a reason", {"reasons": ["Give a reason"]})
    assert suspended.status is AwardStatus.SUSPENDED


def test_reinstate_with_a_stale_version_is_409(as_user, trust, awards):
    suspended = awards[1]
    response = as_user(trust.quality_lead).post(f"/awards/{suspended.id}/transitions/reinstate",
                                                {"reason": "ok", "version": suspended.version + 1})
    assert answer(response) == error(409, "conflict", "This award has changed since you read it: read it again",
                                     {"version": suspended.version})


def test_reinstate_an_active_award_is_409(as_user, trust, awards):
    response = as_user(trust.quality_lead).post(f"/awards/{awards[0].id}/transitions/reinstate", {"reason": "x"})
    assert answer(response) == error(409, "conflict",
                                     "'reinstate' is not allowed from 'active'; allowed: suspend, expire",
                                     {"state": "active", "allowed": ["suspend", "expire"]})


def test_team_lead_may_not_reinstate_403(as_user, trust, awards):
    own = awards[0]
    suspend_award(own, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    db.session.commit()
    lead = as_user(trust.lead)
    assert lead.get(f"/awards/{own.id}").get_json()["transitions"] == []
    response = lead.post(f"/awards/{own.id}/transitions/reinstate", {"reason": "x"})
    assert answer(response) == error(403, "forbidden", "You do not have permission to do this",
                                     {"action": "award.reinstate"})
    assert own.status is AwardStatus.SUSPENDED


@pytest.mark.parametrize("trigger", ["suspend", "expire"])
def test_people_do_not_fire_suspend_or_expire_403(as_user, trust, awards, trigger):
    response = as_user(trust.quality_lead).post(f"/awards/{awards[0].id}/transitions/{trigger}", {"reason": "x"})
    assert response.status_code == 403


def test_unknown_trigger_is_409(as_user, trust, awards):
    response = as_user(trust.quality_lead).post(f"/awards/{awards[0].id}/transitions/renew", {})
    assert answer(response) == error(409, "conflict", "'renew' is not a trigger of awards; triggers: reinstate")


def test_team_detail_names_the_award_held_now(as_user, trust, awards):
    active = awards[0]
    body = as_user(trust.lead).get(f"/teams/{trust.ward.id}").get_json()
    assert body["award"] == {"id": active.id, "kind": "outstanding_team", "state": "active",
                             "granted_on": "2026-03-02", "valid_until": "2027-03-02"}
    assert as_user(trust.quality_lead).get(f"/teams/{trust.surgical_ward.id}").get_json()["award"] is None
