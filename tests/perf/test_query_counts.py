"""Guards, not timings: every page and API route issues as many queries for a large trust as for a small one.

The synthetic trust of bench/ is loaded twice, small and large (ten times the teams, more than twice the months),
and every GET route (tests/perf/routes.py fills in its URL) is asked once at each size with a listener counting
the statements sent. A count that grows with the rows is an N+1 to fix with selectinload/joinedload.
"""
from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit import create_app
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from bench.generate import populate
from bench.trust import BENCH_PASSWORD
from config import TestConfig
from tests.conftest import BACKENDS, FreshGlobalsClient, _truncate_all
from tests.perf.routes import Target, targets, unknown_parameters

SMALL = {"teams": 5, "months": 36}  #: enough months for the first team's application and award
LARGE = {"teams": 50, "months": 60}


def _measure(app, target: Target, client, token: str | None) -> tuple[int, int]:
    """(status, statements) for one GET of `target`."""
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    headers = {"Authorization": f"Bearer {token}"} if target.is_api and token else {}
    db.session.remove()  # each request starts with an empty session, as in production (the test keeps one app context)
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = client.get(target.url, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return response.status_code, count


def _sign_in(client, email: str) -> str:
    from tests.helpers import csrf_token_from

    token = csrf_token_from(client.get("/sign-in"))
    response = client.post("/sign-in", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"{email} could not sign in"
    api = client.post("/api/v1/tokens", json={"email": email, "password": BENCH_PASSWORD})
    assert api.status_code == 201, api.get_json()
    return api.get_json()["token"]


def _counts_at(size: dict, url: str, tmp_path, backend: str) -> dict[str, tuple[str, int, int]]:
    """Endpoint -> (url, status, statements) for every measured route, with the trust loaded at `size`."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path, EVIDENCE_DIR=tmp_path / "evidence")
    app.test_client_class = FreshGlobalsClient
    results = {}
    with app.app_context():
        try:
            import_shipped_frameworks()
            db.session.commit()
            populate(db.engine, db.metadata, as_of=datetime.now(UTC).date(), **size)
            db.session.remove()
            clients: dict[str, tuple] = {}
            for target in targets(app):
                if target.viewer not in clients:
                    client = app.test_client()
                    clients[target.viewer] = (client, _sign_in(client, target.viewer))
                    client.get("/")  # the first page of a session warms per-process caches
                client, token = clients[target.viewer]
                _measure(app, target, client, token)  # the first ask warms per-process caches (schemes, frameworks)
                status, count = _measure(app, target, client, token)
                results[target.endpoint] = (target.url, status, count)
        finally:
            db.session.remove()
            if backend == "postgresql":
                _truncate_all(app)
            db.engine.dispose()
    return results


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path):
    """Two empty migrated databases' URLs (PostgreSQL: the same one, emptied between the two loads)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        urls = []
        for name in ("small", "large"):
            shutil.copy(template, tmp_path / f"{name}.sqlite")
            urls.append(f"sqlite:///{tmp_path / name}.sqlite")
        return request.param, urls
    url = request.getfixturevalue("postgres_url")
    return request.param, [url, url]


def test_every_route_parameter_has_a_filler(app):
    assert unknown_parameters(app) == {}


def test_query_counts_do_not_grow_with_rows(databases, tmp_path):
    backend, (small_url, large_url) = databases
    small = _counts_at(SMALL, small_url, tmp_path / "small", backend)
    large = _counts_at(LARGE, large_url, tmp_path / "large", backend)
    assert sorted(small) == sorted(large)
    statuses = {e: (small[e][1], large[e][1]) for e in small if small[e][1] != large[e][1]}
    assert statuses == {}, "a route answered differently at the two sizes: its filler picks unlike rows"
    # Fewer is fine: a page may skip a section the small trust needs (the user list loads the teams its page's
    # roles name, one query per kind of scope present). More is an N+1.
    grew = {e: f"{small[e][0]}: {small[e][2]} -> {large[e][2]} queries" for e in small if small[e][2] < large[e][2]}
    assert grew == {}, "\n".join(f"{e}: {text}" for e, text in sorted(grew.items()))
    not_ok = {e: small[e][:2] for e in small if small[e][1] >= 500}
    assert not_ok == {}
