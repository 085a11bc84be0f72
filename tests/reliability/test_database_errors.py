"""Which database errors mean "the database is away" (503, the NHS-styled page or JSON) and which are bugs (500)."""
from __future__ import annotations

import pytest
import sqlalchemy.exc as sa_exc

LOST = sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
BUG = sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))


@pytest.fixture
def raising(app):
    """`/boom` and `/api/v1/boom` raise whatever the test puts in `raising["error"]`."""
    box: dict = {}

    def boom():
        raise box["error"]

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return box


@pytest.mark.parametrize(("error", "status"), [
    (LOST, 503),
    (sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True), 503),
    (sa_exc.TimeoutError("QueuePool limit reached"), 503),
    (BUG, 500),
])
def test_a_lost_database_is_a_503_page_and_a_bug_is_a_500(app, client, raising, error, status):
    raising["error"] = error
    page = client.get("/boom")
    api = client.get("/api/v1/boom")
    assert (page.status_code, api.status_code) == (status, status)
    if status == 503:
        assert "<h1>Sorry, Accredit is unavailable</h1>" in page.get_data(as_text=True)
        assert page.headers["Retry-After"] == "30"
        assert api.get_json()["error"]["code"] == "database_unavailable"
    else:
        assert api.get_json()["error"]["code"] == "server_error"
