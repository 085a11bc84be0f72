"""GET /api/v1/me: the caller, their roles and the scopes they hold them for."""
from __future__ import annotations

from accredit.roles import Role


def test_me_lists_roles_with_scopes(api, factory):
    division = factory.division(name="Medicine")
    team = factory.team(factory.service(division), name="Ward 7")
    user = factory.user(email="sam@test.nhs.uk", name="Sam Sister", role=Role.TEAM_LEAD, scope=team)
    factory.grant(user, Role.QUALITY_LEAD, division)
    factory.grant(user, Role.REVIEWER, "trust")
    factory.commit()
    api.sign_in(user)
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": user.id, "name": "Sam Sister", "email": "sam@test.nhs.uk",
        "roles": [
            {"role": "team_lead", "scope": f"team:{team.id}", "scope_name": "Ward 7 (team)"},
            {"role": "quality_lead", "scope": f"division:{division.id}", "scope_name": "Medicine (division)"},
            {"role": "reviewer", "scope": "trust", "scope_name": "the whole trust"},
        ],
    }


def test_me_without_roles_answers_an_empty_list(api, factory):
    user = factory.user(email="new@test.nhs.uk", name="New Starter")
    factory.commit()
    api.sign_in(user)
    assert api.get("/api/v1/me").get_json() == {"id": user.id, "name": "New Starter", "email": "new@test.nhs.uk",
                                                "roles": []}
