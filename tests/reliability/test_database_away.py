"""PostgreSQL goes away under load (a proxy between gunicorn and the server is cut) and comes back: meanwhile
pages answer an NHS-styled 503 and /api and /healthz a JSON 503, never a 500; afterwards the app recovers alone."""
from __future__ import annotations

import threading

import requests
import sqlalchemy as sa

from accredit.roles import Role
from tests.reliability.conftest import poll
from tests.reliability.proxy import TcpProxy


def test_database_away_answers_503_then_recovers_without_a_restart(pg_site, data, start_gunicorn):
    team = data.team(name="Ward 7")
    data.user(email="lead@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
    data.commit()
    server_url = sa.engine.make_url(pg_site.url)
    proxy = TcpProxy(server_url.host or "127.0.0.1", server_url.port or 5432)
    stop = threading.Event()
    try:
        server = start_gunicorn(pg_site, server_url.set(host="127.0.0.1", port=proxy.port)
                                .render_as_string(hide_password=False))
        browser = server.session("lead@test.nhs.uk")
        token = requests.post(server.base + "/api/v1/tokens", json={"email": "lead@test.nhs.uk",
                                                                    "password": "correct-horse-battery"}, timeout=30).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert browser.get(server.base + "/", timeout=30).status_code == 200

        statuses = _load(server.base, browser.cookies, bearer, stop)
        proxy.cut()
        page = browser.get(server.base + "/", timeout=30)
        health = requests.get(server.base + "/healthz", timeout=30)
        api = requests.get(server.base + "/api/v1/me", headers=bearer, timeout=30)
        assert (page.status_code, page.headers["Content-Type"]) == (503, "text/html; charset=utf-8")
        assert "<h1>Sorry, Accredit is unavailable</h1>" in page.text
        assert "cannot reach its database just now" in page.text
        assert page.headers["Retry-After"] == "30"
        assert (health.status_code, health.json()["status"], health.json()["error"]["code"]) == (
            503, "unavailable", "database_unavailable")
        assert (api.status_code, api.json()["error"]["code"]) == (503, "database_unavailable")

        proxy.restore()
        poll(lambda: requests.get(server.base + "/healthz", timeout=30).status_code == 200, what="/healthz to recover")
        assert browser.get(server.base + "/", timeout=30).status_code == 200  # the same session: nothing was lost
        assert requests.get(server.base + "/api/v1/me", headers=bearer, timeout=30).json()["email"] == "lead@test.nhs.uk"
        stop.set()
        assert sorted(statuses - {200, 503}) == []  # under load: every answer a success or a clear 503
        assert server.process.poll() is None  # gunicorn never restarted
    finally:
        stop.set()
        proxy.close()


def _load(base: str, cookies, bearer: dict, stop: threading.Event) -> set[int]:
    """Two clients requesting pages, the API and /healthz until `stop` is set; returns the statuses they saw."""
    statuses: set[int] = set()

    def client(paths: list[str]) -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        while not stop.is_set():
            for path in paths:
                try:
                    statuses.add(session.get(base + path, headers=bearer if "/api/" in path else {}, timeout=60).status_code)
                except requests.RequestException:
                    statuses.add(0)

    for paths in (["/", "/healthz"], ["/api/v1/me", "/api/v1/teams"]):
        threading.Thread(target=client, args=(paths,), daemon=True).start()
    return statuses
