"""GET /api/v1/teams and /teams/{id}: scoped by role, paginated, filtered; out of scope looks like missing."""
from __future__ import annotations

from datetime import date

import pytest

from accredit.extensions import db
from accredit.org import services as org
from accredit.org.models import TeamType
from accredit.roles import Role
from tests.api.conftest import answer, error

NOT_FOUND = error(404, "not_found", "There is no team with that id that you can see")


@pytest.fixture
def trust(factory):
    """Two divisions: Medicine (Acute: Ward A, Ward B; Elderly: Clinic C) and Surgery (General: Ward D)."""
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    acute, elderly = factory.service(medicine, name="Acute"), factory.service(medicine, name="Elderly")
    general = factory.service(surgery, name="General")
    teams = {
        "A": factory.team(acute, name="Ward A"),
        "B": factory.team(acute, name="Ward B"),
        "C": factory.team(elderly, name="Clinic C", team_type=TeamType.OUTPATIENT_CLINIC),
        "D": factory.team(general, name="Ward D"),
    }
    return {"medicine": medicine, "surgery": surgery, "acute": acute, "teams": teams}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _signed_in(api, factory, role, scope):
    user = factory.user(role=role, scope=scope)
    factory.commit()
    api.sign_in(user)
    # Loaded again now: org.close_team/merge_team autoflush half-changed teams if `by` has expired.
    db.session.refresh(user)
    return user


def test_teams_team_member_sees_only_their_team(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.TEAM_MEMBER, teams["B"])
    assert _ids(api.get("/api/v1/teams")) == [teams["B"].id]


def test_teams_division_quality_lead_sees_the_division(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.QUALITY_LEAD, trust["medicine"])
    assert _ids(api.get("/api/v1/teams")) == [teams["A"].id, teams["B"].id, teams["C"].id]


def test_teams_trust_admin_sees_all(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.ADMIN, "trust")
    response = api.get("/api/v1/teams")
    assert _ids(response) == [teams[k].id for k in "ABCD"]
    assert {k: response.get_json()[k] for k in ("total", "page", "per_page")} == {"total": 4, "page": 1, "per_page": 50}


def test_teams_user_without_roles_is_403(api, factory, trust):
    user = factory.user()
    factory.commit()
    api.sign_in(user)
    assert answer(api.get("/api/v1/teams")) == error(403, "forbidden", "You do not have permission to do this",
                                                   {"action": "teams.list"})


def test_teams_pages_have_total_and_stable_order(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.ADMIN, "trust")
    first = api.get("/api/v1/teams?per_page=3")
    second = api.get("/api/v1/teams?per_page=3&page=2")
    past_end = api.get("/api/v1/teams?per_page=3&page=3")
    assert (_ids(first), _ids(second), _ids(past_end)) == ([teams[k].id for k in "ABC"], [teams["D"].id], [])
    assert [r.get_json()["total"] for r in (first, second, past_end)] == [4, 4, 4]


def test_teams_per_page_is_capped_at_500(api, factory, trust):
    _signed_in(api, factory, Role.ADMIN, "trust")
    body = api.get("/api/v1/teams?per_page=5000").get_json()
    assert (body["per_page"], body["total"], len(body["items"])) == (500, 4, 4)


@pytest.mark.parametrize("query, details", [
    ("page=0", {"page": ["Must be greater than or equal to 1 and less than or equal to 1000000."]}),
    ("page=abc", {"page": ["Not a valid integer."]}),
    ("per_page=0", {"per_page": ["Must be greater than or equal to 1."]}),
    ("per_page=1.5", {"per_page": ["Not a valid integer."]}),
    ("team_type=castle", {"team_type": ["Must be one of: inpatient_ward, community_team, crisis_team, "
                                        "outpatient_clinic, day_service, specialist_team."]}),
])
def test_teams_bad_query_is_400(api, factory, trust, query, details):
    _signed_in(api, factory, Role.ADMIN, "trust")
    assert answer(api.get(f"/api/v1/teams?{query}")) == error(
        400, "bad_request", "The query parameters are not valid: see details", details)


def test_teams_filters_narrow_within_scope(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.QUALITY_LEAD, trust["medicine"])
    assert _ids(api.get(f"/api/v1/teams?service={trust['acute'].id}")) == [teams["A"].id, teams["B"].id]
    assert _ids(api.get("/api/v1/teams?team_type=outpatient_clinic")) == [teams["C"].id]
    assert _ids(api.get(f"/api/v1/teams?division={trust['surgery'].id}")) == []


def test_teams_closed_are_listed_only_when_asked(api, factory, trust):
    teams = trust["teams"]
    admin = _signed_in(api, factory, Role.ADMIN, "trust")
    org.close_team(teams["A"], by=admin, reason="Ward closed for refurbishment")
    factory.commit()
    assert _ids(api.get("/api/v1/teams")) == [teams[k].id for k in "BCD"]
    assert _ids(api.get("/api/v1/teams?status=closed")) == [teams["A"].id]


def test_team_detail_body(api, factory, trust):
    team = trust["teams"]["A"]
    _signed_in(api, factory, Role.TEAM_MEMBER, team)
    response = api.get(f"/api/v1/teams/{team.id}")
    acute, medicine = trust["acute"], trust["medicine"]
    assert answer(response) == (200, {
        "id": team.id, "code": team.code, "name": "Ward A", "team_type": "inpatient_ward", "status": "active",
        "service": {"id": acute.id, "code": acute.code, "name": "Acute"},
        "division": {"id": medicine.id, "code": medicine.code, "name": "Medicine"},
        "opened_on": date.today().isoformat(), "closed_on": None, "merged_into": None, "version": 1,
        "eligibility": {"eligible": False, "explanation": "Not yet eligible: needs 2 consecutive published QRVs "
                                                          "rated Good or better; 0 published so far"},
        "award": None,
        "stepup": {"level": "standard", "since": date.today().isoformat()},
    })


def test_team_merged_names_the_team_it_went_into(api, factory, trust):
    teams = trust["teams"]
    admin = _signed_in(api, factory, Role.ADMIN, "trust")
    org.merge_team(teams["A"], into=teams["B"], by=admin, reason="Wards combined")
    factory.commit()
    body = api.get(f"/api/v1/teams/{teams['A'].id}").get_json()
    assert (body["status"], body["merged_into"], body["closed_on"]) == ("merged", teams["B"].id, date.today().isoformat())


def test_team_outside_scope_is_404_exactly_like_a_missing_team(api, factory, trust):
    teams = trust["teams"]
    _signed_in(api, factory, Role.TEAM_MEMBER, teams["A"])
    outside = api.get(f"/api/v1/teams/{teams['D'].id}")
    missing = api.get("/api/v1/teams/999999")
    assert answer(outside) == NOT_FOUND
    assert answer(missing) == NOT_FOUND
    assert outside.headers.get("Content-Length") == missing.headers.get("Content-Length")


@pytest.mark.parametrize("path", ["/api/v1/teams/0", "/api/v1/teams/99999999999999999999", "/api/v1/teams/x"])
def test_team_id_that_cannot_exist_is_404(api, factory, trust, path):
    _signed_in(api, factory, Role.ADMIN, "trust")
    status, body = answer(api.get(path))
    assert (status, body["error"]["code"], body["error"]["details"]) == (404, "not_found", {})
