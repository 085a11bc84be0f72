"""The application routes of the JSON API: list, read (a workflow resource), fire, panel, decision; scope."""
from __future__ import annotations

import pytest

from accredit.extensions import db
from tests.api.conftest import ApiClient, answer, error
from tests.factories import PASSWORD
from workflows.ratings import Domain

NOT_FOUND = "There is no application with that id that you can see"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


def _put(api, path: str, body: dict):
    return api.client.put(path, json=body, headers={"Authorization": f"Bearer {api.token}"})


def test_api_lists_and_reads_an_application_with_history(api, trust, app_walk):
    application = app_walk.preparing()
    db.session.commit()
    api.sign_in(trust.lead)
    listed = api.get(f"/api/v1/teams/{trust.ward.id}/applications").get_json()
    body = api.get(f"/api/v1/applications/{application.id}").get_json()
    assert ([i["id"] for i in listed["items"]], listed["total"]) == ([application.id], 1)
    assert (body["state"], body["transitions"], len(body["checklist"]), body["incomplete_standards"][:2]) == (
        "preparing", ["withdraw"], 20, ["AS1", "AS2"])
    assert [(h["trigger"], h["from"], h["to"]) for h in body["history"]] == [
        ("invite", None, "invited"), ("start", "invited", "preparing")]


def test_api_other_teams_lead_gets_404(api, trust, app_walk):
    application = app_walk.preparing()
    db.session.commit()
    api.sign_in(trust.outsider)
    assert answer(api.get(f"/api/v1/applications/{application.id}")) == error(404, "not_found", NOT_FOUND)
    assert answer(api.get(f"/api/v1/teams/{trust.ward.id}/applications")) == error(
        404, "not_found", "There is no team with that id that you can see")


def test_api_submit_refused_names_what_is_missing(api, trust, app_walk):
    application = app_walk.preparing()
    app_walk.fill(application, skip=("AC2",))
    db.session.commit()
    api.sign_in(trust.lead)
    response = api.post(f"/api/v1/applications/{application.id}/transitions/submit", json={})
    assert answer(response) == error(422, "unprocessable", "Add evidence and a statement for AC2",
                                     {"reasons": ["Add evidence and a statement for AC2"]})


def test_api_panel_conflict_answers_422_with_reasons(api, trust, panel, factory, app_walk):
    from accredit.roles import Role

    application = app_walk.pre_panel()
    nurse = factory.user(name="Wren Ward", role=Role.PANEL_MEMBER)
    factory.grant(nurse, Role.TEAM_MEMBER, trust.ward)
    db.session.commit()
    api.sign_in(trust.quality_lead)
    body = {"panel_date": "2099-01-05", "chair": panel.chair.id, "members": [panel.member2.id, nurse.id]}
    refused = _put(api, f"/api/v1/applications/{application.id}/panel", body)
    assert answer(refused) == error(422, "unprocessable", "Wren Ward cannot sit for this team: works in this team",
                                    {"conflicts": {str(nurse.id): ["works in this team"]}})
    done = _put(api, f"/api/v1/applications/{application.id}/panel",
                {**body, "overrides": {str(nurse.id): "No other specialist is free"}}).get_json()
    assert ([p["user"]["name"] for p in done["panel"]], done["quorum_problems"]) == (
        ["Casey Chair", "Jordan Panel", "Wren Ward"], [])


def test_api_decision_previews_then_confirms_with_the_explanation(api, trust, panel, app_walk):
    application = app_walk.panel_ready()
    db.session.commit()
    api.sign_in(panel.chair)
    ratings = {d.value: "outstanding" for d in Domain}
    reasons = {d.value: f"{d.label}: strong" for d in Domain}
    preview = _put(api, f"/api/v1/applications/{application.id}/decision", {"ratings": ratings}).get_json()
    assert (preview["outcome"], preview["explanation"], preview["confirmed"], preview["application"]["state"]) == (
        "excelling_team", "Excelling Team: Outstanding in all five domains", False, "panel_ready")
    done = _put(api, f"/api/v1/applications/{application.id}/decision",
                {"ratings": ratings, "reasons": reasons, "confirm": True}).get_json()
    assert (done["confirmed"], done["application"]["state"], done["application"]["decision"]["outcome"]) == (
        True, "decided", "excelling_team")
    again = _put(api, f"/api/v1/applications/{application.id}/decision", {"ratings": ratings, "confirm": True})
    assert answer(again)[0] == 409


def test_api_decision_by_a_panel_member_is_forbidden(api, trust, panel, app_walk):
    application = app_walk.panel_ready()
    db.session.commit()
    api.sign_in(panel.member2)
    response = _put(api, f"/api/v1/applications/{application.id}/decision",
                    {"ratings": {d.value: "good" for d in Domain}})
    assert answer(response) == error(403, "forbidden", "You do not have permission to do this",
                                     {"action": "application.decide"})
