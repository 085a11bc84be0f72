"""Every API error, flask-smorest's and werkzeug's included, answers {"error": {"code", "message", "details"}}."""
from __future__ import annotations

import pytest

from accredit.roles import Role


@pytest.fixture
def signed_in(api, factory):
    user = factory.user(role=Role.ADMIN)
    factory.commit()
    api.sign_in(user)
    return api


@pytest.mark.parametrize("method, path, status, code", [
    ("get", "/api/v1/no-such-thing", 404, "not_found"),
    ("get", "/api/v2/teams", 404, "not_found"),
    ("post", "/api/v1/me", 405, "method_not_allowed"),
    ("delete", "/api/v1/teams", 405, "method_not_allowed"),
    ("get", "/api/v1/teams?per_page=x", 400, "bad_request"),
    ("get", "/api/v1/teams/999", 404, "not_found"),
    ("post", "/api/v1/tokens", 400, "bad_request"),
])
def test_error_body_has_exactly_code_message_details(signed_in, method, path, status, code):
    response = getattr(signed_in, method)(path)
    body = response.get_json()
    assert (response.status_code, response.mimetype, list(body), sorted(body["error"])) == (
        status, "application/json", ["error"], ["code", "details", "message"])
    assert (body["error"]["code"], type(body["error"]["message"]), type(body["error"]["details"])) == (code, str, dict)


def test_error_unknown_api_path_answers_json_even_without_a_token(client):
    response = client.get("/api/v1/nowhere")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404, "not_found")


def test_error_on_pages_stays_html(client):
    response = client.get("/no-such-page")
    assert (response.status_code, response.mimetype) == (404, "text/html")


def test_api_post_needs_no_csrf_token(client, factory):
    user = factory.user(email="a@test.nhs.uk")
    factory.commit()
    response = client.post("/api/v1/tokens", json={"email": "a@test.nhs.uk", "password": "correct-horse-battery"})
    assert (response.status_code, sorted(response.get_json())) == (201, ["expires_at", "token"])
    assert "Set-Cookie" not in response.headers
