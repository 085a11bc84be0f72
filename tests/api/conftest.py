"""API test fixtures: a client that signs in for a bearer token and sends it on every call."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD


class ApiClient:
    """The test client, speaking JSON to /api/v1 with the bearer token of whoever signed in last."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def sign_in(self, user, password: str = PASSWORD) -> str:
        response = self.client.post("/api/v1/tokens", json={"email": user.email, "password": password})
        assert response.status_code == 201, response.get_json()
        self.token = response.get_json()["token"]
        return self.token

    def _headers(self, headers: dict | None) -> dict:
        base = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**base, **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.post(path, headers=self._headers(headers), **kwargs)

    def delete(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


def error(status_code: int, code: str, message: str, details: dict | None = None) -> tuple[int, dict]:
    """What an error response is expected to be, as (status, body), to compare with `answer(response)`."""
    return status_code, {"error": {"code": code, "message": message, "details": details or {}}}


def answer(response) -> tuple[int, dict]:
    return response.status_code, response.get_json()
