"""Shared fixtures: an app per test on SQLite and (with TEST_DATABASE_URL) PostgreSQL, clients, sign-in.

The schema is built once per worker by the real Alembic migrations, then each test gets it fresh:
SQLite by copying a migrated template file, PostgreSQL by truncating every table afterwards.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from accredit import create_app
from accredit.extensions import db
from config import TestConfig
from tests.factories import Factory

PG_URL = os.environ.get("TEST_DATABASE_URL")
if os.environ.get("CI") and not PG_URL:
    raise RuntimeError("CI must run against PostgreSQL too: set TEST_DATABASE_URL (see .ci/run)")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _migrate(url: str, var_dir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=var_dir)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("sqlite-template")
    path = base / "template.sqlite"
    _migrate(f"sqlite:///{path}", base)
    return path


def _worker_database_url(worker_id: str) -> str:
    """A database of this run's and worker's own on the server TEST_DATABASE_URL names, created afresh.

    The process id keeps two people's test runs on one server from dropping each other's databases.
    """
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database}_accredit_{worker_id}_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # fails loudly when PostgreSQL is unreachable: never a skip
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url(worker_id, tmp_path_factory):
    url = _worker_database_url(worker_id)
    _migrate(url, tmp_path_factory.mktemp("pg-var"))
    yield url
    admin = sa.create_engine(sa.engine.make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(app) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        # The audit table refuses TRUNCATE (as the application must never empty it); tests clean up as a
        # replica, for which PostgreSQL skips ordinary triggers.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept for the whole run: every test's app would otherwise compile them all again."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])  # checks the source's checksum

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _SharedBytecodeCache()


class FreshGlobalsClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as it does in production.

    The `app` fixture keeps an app context pushed (tests share `db.session` with requests) and Flask reuses it
    for each request: without this, `g` (Flask-Login's user, Flask-WTF's CSRF token) would leak from one
    request, or one client, into the next.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():
            return super().open(*args, **kwargs)
        saved = dict(vars(g))
        vars(g).clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            vars(g).clear()
            vars(g).update(saved)


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "accredit.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path, EVIDENCE_DIR=tmp_path / "evidence")
    app.config["BACKEND"] = request.param
    app.test_client_class = FreshGlobalsClient
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    with app.app_context():
        yield app
        db.session.remove()
        if request.param == "postgresql":
            _truncate_all(app)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Cheap argon2 parameters in tests (production's cost ~100 ms a password); verifying reads them from the hash."""
    from argon2 import PasswordHasher

    from accredit.auth import passwords

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", quick)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", quick.hash("accredit-dummy-password-for-timing"))


@pytest.fixture
def factory(app) -> Factory:
    return Factory()


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    """Sign a test client in and out through the real sign-in page (CSRF token included)."""

    def __init__(self, client):
        self._client = client

    def csrf_token(self, path: str = "/sign-in") -> str:
        from tests.helpers import csrf_token_from

        return csrf_token_from(self._client.get(path))

    def login(self, user_or_email, password: str = "correct-horse-battery"):
        email = getattr(user_or_email, "email", user_or_email)
        token = self.csrf_token()
        return self._client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        token = self.csrf_token("/sign-out")
        return self._client.post("/sign-out", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
