"""`flask backup DEST` and `flask restore SRC`: the database and the evidence store round-trip together, the
manifest's hashes are checked before anything changes, and a database that holds data is kept unless --force."""
from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from accredit import create_app
from accredit.evidence import retention, services
from accredit.extensions import db
from accredit.roles import Role
from config import TestConfig
from tests.conftest import PG_URL
from tests.evidence import samples
from tests.evidence.conftest import stored_blobs

#: The newest migration: what a backup of a database made by the migrations says its schema is.
HEAD = ScriptDirectory(str(Path(__file__).parents[2] / "migrations")).get_current_head()


@pytest.fixture
def target(app, tmp_path):
    """An empty database of the same kind as `app`'s (no tables at all) and an empty evidence directory."""
    if app.config["BACKEND"] == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'restored.sqlite'}", None
    else:
        server = sa.engine.make_url(PG_URL)
        name = f"{server.database}_restore_{os.getpid()}"
        _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
    restored = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, VAR_DIR=tmp_path / "restored-var",
                          EVIDENCE_DIR=tmp_path / "restored-evidence")
    yield restored
    with restored.app_context():
        db.engine.dispose()
    if name:
        _admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_run(*statements: str) -> None:
    admin = sa.create_engine(sa.engine.make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    admin.dispose()


def _snapshot(app) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order (the audit trail included)."""
    with app.app_context():
        with db.engine.connect() as conn:
            return {table.name: [tuple(row) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}


def _files(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in stored_blobs(root)}


def _fill(app, factory) -> None:
    team = factory.team(name="Ward 7")
    lead = factory.user(email="lead@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
    for title, data, name in (("Falls audit", samples.pdf(), "falls.pdf"), ("Rota", samples.png(), "rota.png"),
                              ("Photo", samples.jpeg(), "photo.jpg")):
        services.upload_evidence(team, io.BytesIO(data), filename=name, title=title, review_by=None, by=lead)
    db.session.flush()
    deleted = services.upload_evidence(team, io.BytesIO(samples.pdf(b"old")), filename="old.pdf", title="Old",
                                       review_by=None, by=lead)
    retention.delete_evidence(deleted, reason="Superseded", by=lead)  # kept, hidden: it goes in the backup too
    db.session.commit()


def test_backup_and_restore_round_trip_the_database_and_the_files(app, factory, target, tmp_path):
    _fill(app, factory)
    dest = tmp_path / "backup"
    made = app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert (made.exit_code, made.output) == (0, f"Backed up to {dest}: {app.config['BACKEND']} database (schema {HEAD}), "
                                                f"4 evidence files ({_size(app):,} bytes)\n")
    manifest = json.loads((dest / "manifest.json").read_text())
    assert sorted(manifest["evidence"]) == sorted(Path(name).name for name in stored_blobs(app.config["EVIDENCE_DIR"]))

    done = _run(target, ["restore", str(dest)])
    assert (done.exit_code, done.output.startswith(f"Restored from {dest}: ")) == (0, True), done.output
    assert _snapshot(target) == _snapshot(app)
    assert _files(target.config["EVIDENCE_DIR"]) == _files(app.config["EVIDENCE_DIR"])


def test_restore_refuses_a_database_with_data_unless_forced(app, factory, target, tmp_path):
    _fill(app, factory)
    dest = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(dest)]).exit_code == 0
    # The source itself holds data: restoring over it is refused, and nothing changes.
    before = _snapshot(app)
    refused = app.test_cli_runner().invoke(args=["restore", str(dest)])
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: the database already holds data (in ")
    assert refused.output.endswith("restore into an empty one, or use --force\n")
    assert _snapshot(app) == before
    db.session.remove()
    forced = app.test_cli_runner().invoke(args=["restore", "--force", str(dest)])
    assert forced.exit_code == 0, forced.output
    assert _snapshot(app) == before


def test_restore_checks_every_hash_before_changing_anything(app, factory, target, tmp_path):
    _fill(app, factory)
    dest = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(dest)]).exit_code == 0
    damaged = sorted((dest / "evidence").rglob("*"))[-1]
    damaged.write_bytes(damaged.read_bytes() + b"!")
    refused = _run(target, ["restore", str(dest)])
    assert (refused.exit_code, refused.output) == (
        1, f"Error: evidence file {damaged.name} does not match its hash: the backup is damaged\n")
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    assert stored_blobs(target.config["EVIDENCE_DIR"]) == []

    shutil.rmtree(dest / "evidence")
    missing = _run(target, ["restore", str(dest)])
    assert missing.output.startswith("Error: evidence file ") and missing.output.endswith(" is missing from the backup\n")


def test_backup_refuses_a_directory_that_is_not_empty(app, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "notes.txt").write_text("mine")
    refused = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
    assert (refused.exit_code, refused.output) == (
        1, f"Error: {tmp_path / 'backup'} is not empty: back up into a new directory\n")


def _run(app, args: list[str]):
    """Run a command against `app` (the CLI uses the current app, and the `app` fixture's is pushed already)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=args)


def _size(app) -> int:
    root = Path(app.config["EVIDENCE_DIR"])
    return sum((root / name).stat().st_size for name in stored_blobs(root))
