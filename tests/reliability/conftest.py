"""The fault tests' harness: a database of the test's own, gunicorn in a subprocess, and PostgreSQL's view of
who is waiting on a lock (how a test stops a request or a sweep at a known point without sleeping).

Every test here runs in one xdist worker (`xdist_group("reliability")`): they start servers and kill processes.
PostgreSQL tests need TEST_DATABASE_URL; in CI it is set (tests/conftest.py fails the run otherwise).
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from accredit import create_app
from accredit.extensions import db
from config import BASE_DIR, TestConfig
from tests.conftest import PG_URL
from tests.factories import PASSWORD

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FLASK = str(Path(sys.executable).with_name("flask"))
_numbers = itertools.count(1)
READY_TIMEOUT = 90.0  #: seconds for gunicorn to answer /healthz (an upper bound, not a wait)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/reliability/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.xdist_group("reliability"))


def needs_postgresql() -> None:
    """Fail in CI, skip on a developer's machine, when PostgreSQL is not configured (it is required in CI)."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("the fault tests need PostgreSQL: set TEST_DATABASE_URL")
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL")


def poll(check: Callable[[], object], *, timeout: float = 60.0, what: str = "the condition") -> object:
    """Call `check` every 20 ms until it returns something truthy (returned) or `timeout` passes (test fails)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory) -> Iterator[str]:
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE ... TEMPLATE is quick)."""
    needs_postgresql()
    server = sa.engine.make_url(PG_URL)
    name = f"{server.database}_reliability_tmpl_{os.getpid()}"
    _create_database(name)
    url = server.set(database=name).render_as_string(hide_password=False)
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path_factory.mktemp("pg-tmpl"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield name
    _drop_database(name)


def _admin() -> sa.Engine:
    return sa.create_engine(sa.engine.make_url(PG_URL), isolation_level="AUTOCOMMIT")


def _create_database(name: str, template: str | None = None) -> None:
    admin = _admin()
    with admin.connect() as conn:  # fails loudly when PostgreSQL is unreachable: never a skip
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()


def _drop_database(name: str) -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Site:
    """One test's database and evidence directory, and an app context bound to them for setting up data."""

    url: str
    backend: str
    var_dir: Path
    evidence_dir: Path
    app: object = None

    @property
    def pg_database(self) -> str:
        return sa.engine.make_url(self.url).database


@pytest.fixture
def pg_site(pg_template, tmp_path) -> Iterator[Site]:
    """A fresh, migrated PostgreSQL database of this test's own, with an app context pushed on it."""
    name = f"{sa.engine.make_url(PG_URL).database}_reliability_{next(_numbers)}_{os.getpid()}"
    _create_database(name, template=pg_template)
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield from _site(url, "postgresql", tmp_path)
    _drop_database(name)


@pytest.fixture
def sqlite_site(sqlite_template, tmp_path) -> Iterator[Site]:
    import shutil

    path = tmp_path / "accredit.sqlite"
    shutil.copy(sqlite_template, path)
    yield from _site(f"sqlite:///{path}", "sqlite", tmp_path)


@pytest.fixture
def site(request) -> Site:
    """PostgreSQL when it is configured, else SQLite: for the faults that mean the same on both."""
    return request.getfixturevalue("pg_site" if PG_URL else "sqlite_site")


def _site(url: str, backend: str, tmp_path: Path) -> Iterator[Site]:
    site = Site(url, backend, tmp_path, tmp_path / "evidence")
    site.app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path, EVIDENCE_DIR=site.evidence_dir)
    with site.app.app_context():
        yield site
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def data() -> object:
    """Test data factories (tests/factories.py) for the site's database (the `factory` fixture needs `app`)."""
    from tests.factories import Factory

    return Factory()


def app_env(site: Site, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a production process (gunicorn, `flask jobs run`) on the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SMTP_"))}
    env.update(ACCREDIT_ENV="production", SECRET_KEY="reliability-tests", SESSION_COOKIE_SECURE="0",
               DATABASE_URL=database_url or site.url, ACCREDIT_VAR_DIR=str(site.var_dir),
               EVIDENCE_DIR=str(site.evidence_dir), PYTHONUNBUFFERED="1", **extra)
    return env


@dataclass
class Gunicorn:
    """`gunicorn wsgi:app` with one sync worker, on a free port; `worker_pid()` names the worker to kill."""

    process: subprocess.Popen
    base: str
    log: Path
    sessions: list = field(default_factory=list)

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = poll(lambda: children.read_text().split(), what="a gunicorn worker")
        return int(pids[0])

    def kill_worker(self) -> int:
        pid = self.worker_pid()
        os.kill(pid, signal.SIGKILL)
        poll(lambda: self.worker_pid() != pid, what="gunicorn to start a new worker")
        self.wait_ready()
        return pid

    def wait_ready(self) -> None:
        def healthy() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                return requests.get(self.base + "/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        poll(healthy, timeout=READY_TIMEOUT, what="gunicorn to answer /healthz")

    def session(self, email: str, password: str = PASSWORD) -> requests.Session:
        """A browser-like session signed in through the real sign-in page."""
        browser = requests.Session()
        token = csrf_token(browser.get(self.base + "/sign-in", timeout=10).text)
        answer = browser.post(self.base + "/sign-in", data={"email": email, "password": password, "csrf_token": token},
                              timeout=10, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:500]
        return browser


def csrf_token(html: str) -> str:
    from tests.helpers import csrf_token_from

    class _Page:
        def get_data(self, as_text: bool = True) -> str:
            return html

    return csrf_token_from(_Page())


@pytest.fixture
def start_gunicorn(tmp_path) -> Iterator[Callable[..., Gunicorn]]:
    started: list[Gunicorn] = []

    def start(site: Site, database_url: str | None = None) -> Gunicorn:
        from tests.notifications.fixtures import free_port

        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                # --preload: the app is loaded once in the master, so a replacement worker is ready as soon as it forks
                [GUNICORN, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60", "--graceful-timeout",
                 "1", "--preload", "--control-socket", str(tmp_path / f"gunicorn-{port}.ctl"), "wsgi:app"],
                cwd=BASE_DIR, env=app_env(site, database_url), stdout=output, stderr=subprocess.STDOUT)
        server = Gunicorn(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def lock_waiters(database: str) -> list[int]:
    """The backend pids of `database` that are waiting for a lock."""
    admin = _admin()
    with admin.connect() as conn:
        pids = list(conn.scalars(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :name AND wait_event_type = 'Lock'"), {"name": database}))
    admin.dispose()
    return pids


def other_backends(database: str, except_pid: int | None = None) -> list[int]:
    admin = _admin()
    with admin.connect() as conn:
        pids = list(conn.scalars(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid() "
            "AND pid IS DISTINCT FROM :mine AND backend_type = 'client backend'"),
            {"name": database, "mine": except_pid}))
    admin.dispose()
    return pids


@pytest.fixture
def row_lock(pg_site) -> Iterator[Callable[[str, int], sa.Connection]]:
    """`row_lock(table, id)` holds `SELECT ... FOR UPDATE` on one row in an open transaction of its own, so that
    anything inserting a row that refers to it waits; `.rollback()` on the returned connection lets it go."""
    engine = sa.create_engine(pg_site.url)
    held: list[sa.Connection] = []

    def lock(table: str, row_id: int) -> sa.Connection:
        conn = engine.connect()
        conn.execute(sa.text(f'SELECT id FROM "{table}" WHERE id = :id FOR UPDATE'), {"id": row_id})
        held.append(conn)
        return conn

    yield lock
    for conn in held:
        conn.close()
    engine.dispose()
