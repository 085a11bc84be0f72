"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and run both ways."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from accredit import create_app
from accredit.extensions import db
from config import TestConfig
from tests.conftest import BACKENDS, PG_URL

AUDIT_TRIGGERS = {
    "sqlite": ["audit_events_no_delete", "audit_events_no_update"],
    "postgresql": ["audit_events_no_truncate", "audit_events_no_update"],  # row: UPDATE OR DELETE; statement: TRUNCATE
}


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path, worker_id):
    """An app on a brand-new, empty database (not the migrated template the other tests share)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        server = sa.engine.make_url(PG_URL)
        name = f"{server.database}_migrations_{worker_id}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_differences() -> list:
    """What alembic's autogenerate would change to make the database match the models ([] when they agree)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def table_names() -> list[str]:
    return sorted(sa.inspect(db.engine).get_table_names())


def audit_triggers() -> list[str]:
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events' ORDER BY name"
    else:
        query = ("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal "
                 "ORDER BY tgname")
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.text(query)))


def audit_function_names() -> list[str]:
    """PostgreSQL's trigger function for the audit table, if present (SQLite has none)."""
    if db.engine.dialect.name != "postgresql":
        return []
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT proname FROM pg_proc WHERE proname = 'audit_events_refuse'")))


def answer_statistics() -> list[str] | None:
    """The planner's n_distinct set on the answers' assessment_id (PostgreSQL; SQLite keeps none: None)."""
    if db.engine.dialect.name != "postgresql":
        return None
    with db.engine.connect() as conn:
        options = conn.scalar(sa.text("SELECT attoptions FROM pg_attribute WHERE attrelid = "
                                      "'assessment_responses'::regclass AND attname = 'assessment_id'"))
    return [option for option in options or [] if option.startswith("n_distinct=")]


def test_migrations_match_models_and_run_both_ways(empty_app):
    """One database per backend (creating one on PostgreSQL is slow): up from empty, down to base, up again."""
    assert table_names() == []
    upgrade()
    assert schema_differences() == []
    assert table_names() == sorted([*db.metadata.tables, "alembic_version"])
    assert audit_triggers() == AUDIT_TRIGGERS[db.engine.dialect.name]
    assert answer_statistics() == (["n_distinct=-0.035"] if db.engine.dialect.name == "postgresql" else None)

    downgrade(revision="0011")
    assert answer_statistics() == ([] if db.engine.dialect.name == "postgresql" else None)
    downgrade(revision="base")
    assert table_names() == ["alembic_version"]
    assert audit_function_names() == []

    upgrade()
    assert schema_differences() == []
    assert audit_triggers() == AUDIT_TRIGGERS[db.engine.dialect.name]
