"""/api/v1/openapi.json: generated from the code, complete, and true to what the routes actually answer."""
from __future__ import annotations

import json
import re

import pytest

from accredit.demo import import_shipped_frameworks
from accredit.roles import Role
from tests.api.openapi_check import problems, resolve, response_schema

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    return json.loads(response.get_data(as_text=True))


def _api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return routes


def _operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {(path, m): op for path, item in spec["paths"].items() for m, op in item.items() if m in METHODS}


def test_openapi_documents_every_api_route(app, spec):
    assert sorted(_operations(spec)) == sorted(_api_routes(app))
    foundation = [
        ("/api/v1/frameworks", "get"), ("/api/v1/frameworks/{key}", "get"), ("/api/v1/me", "get"),
        ("/api/v1/teams", "get"), ("/api/v1/teams/{team_id}", "get"),
        ("/api/v1/tokens", "post"), ("/api/v1/tokens/current", "delete"),
    ]
    assert [key for key in foundation if key not in _operations(spec)] == []


def test_openapi_has_a_bearer_scheme_every_route_but_sign_in_requires(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    security = {key: op["security"] for key, op in _operations(spec).items()}
    public = {key for key, value in security.items() if value == []}
    assert public == {("/api/v1/tokens", "post")}
    assert {json.dumps(v) for k, v in security.items() if k not in public} == {'[{"bearerAuth": []}]'}
    assert all("401" in op["responses"] for key, op in _operations(spec).items() if key not in public) is True


def test_openapi_error_responses_use_the_error_format(spec):
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    not_error = []
    for key, op in _operations(spec).items():
        for status, response in op["responses"].items():
            if status == "default" or int(status) >= 400:
                schema = resolve(spec, response)["content"]["application/json"]["schema"]
                if schema != error_ref:
                    not_error.append((key, status))
    assert not_error == []
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert (sorted(detail["properties"]), sorted(detail["required"])) == (["code", "details", "message"],) * 2


def test_openapi_routes_are_tagged_with_declared_tags(spec):
    declared = [tag["name"] for tag in spec["tags"]]
    used = {tag for op in _operations(spec).values() for tag in op["tags"]}
    assert (sorted(declared), declared[:3]) == (sorted(used), ["auth", "teams", "frameworks"])


def test_openapi_every_reference_resolves(spec):
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)))
    dangling = []
    for ref in sorted(refs):
        try:
            resolve(spec, {"$ref": ref})
        except KeyError:
            dangling.append(ref)
    assert (dangling, len(refs) > 10) == ([], True)


def test_openapi_responses_conform_to_the_document(api, factory, spec):
    """Every status each route answers here, checked as a schema-checker would."""
    import_shipped_frameworks()
    team, other = factory.team(), factory.team()
    user = factory.user(role=Role.TEAM_LEAD, scope=team)
    factory.user(email="locked@test.nhs.uk")
    no_role = factory.user()
    factory.commit()
    as_no_role = {"headers": {"Authorization": f"Bearer {api.sign_in(no_role)}"}}
    api.sign_in(user)
    tokens, bad_sign_in = "/api/v1/tokens", {"json": {"email": "locked@test.nhs.uk", "password": "x"}}
    calls = [
        ("get", "/api/v1/me", "/api/v1/me", {}),
        ("get", "/api/v1/teams", "/api/v1/teams", {}),
        ("get", "/api/v1/teams", "/api/v1/teams?page=0", {}),
        ("get", "/api/v1/teams/{team_id}", f"/api/v1/teams/{team.id}", {}),
        ("get", "/api/v1/teams/{team_id}", f"/api/v1/teams/{other.id}", {}),
        ("get", "/api/v1/teams", "/api/v1/teams", as_no_role),
        ("get", "/api/v1/frameworks", "/api/v1/frameworks", {}),
        ("get", "/api/v1/frameworks/{key}", "/api/v1/frameworks/cqc-saf-2023", {}),
        ("get", "/api/v1/frameworks/{key}", "/api/v1/frameworks/cqc-saf-2023", as_no_role),
        ("get", "/api/v1/frameworks/{key}", "/api/v1/frameworks/nope", {}),
        ("post", tokens, tokens, {"json": {"email": user.email, "password": "correct-horse-battery"}}),
        ("delete", "/api/v1/tokens/current", "/api/v1/tokens/current", {}),
        ("delete", "/api/v1/tokens/current", "/api/v1/tokens/current", {}),
        ("get", "/api/v1/me", "/api/v1/me", {}),
        ("post", tokens, tokens, {"json": {"email": 1}}),
    ] + [("post", tokens, tokens, bad_sign_in)] * 6  # the last is locked out: 429
    seen, found = set(), []
    for method, template, url, kwargs in calls:
        response = getattr(api, method)(url, **kwargs)
        seen.add((template, method, response.status_code))
        schema = response_schema(spec, template, method, response.status_code)
        if schema is None:
            found += [] if response.get_data() == b"" else [f"{method} {url}: undocumented body"]
        else:
            found += [f"{method} {url} {response.status_code}: {p}" for p in problems(spec, response.get_json(), schema)]
    assert found == []
    assert sorted({s for _, _, s in seen}) == [200, 201, 204, 400, 401, 403, 404, 429]


def test_openapi_checker_reports_a_body_that_does_not_conform(spec):
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    body = {"error": {"code": 404, "message": "Not found", "extra": True}}
    assert problems(spec, body, schema) == [
        "$.error: 'details' is required",
        "$.error.code: 404 is not of type string",
        "$.error: 'extra' is not a documented property",
    ]
