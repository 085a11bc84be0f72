"""bench.run's month-end run on a small synthetic trust: run as the scheduler runs it, on a copy of the database
that is dropped afterwards, so the trust itself is left as it was; run again, it does nothing."""
from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from accredit.extensions import db
from bench import run
from tests.perf.test_bench_phases import counts, small_trust


def test_the_month_end_run_works_on_a_copy_and_leaves_the_trust_as_it_was(app, capsys):
    before = small_trust()
    if app.config["BACKEND"] == "postgresql":  # a database with connections cannot be PostgreSQL's template:
        db.session.execute(sa.text(  # close what earlier tests' engines in this worker may still hold open
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.remove()
    db.engine.dispose()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    assert run.main(["--database-url", url, "--only", "sweep"]) == 0

    out = capsys.readouterr().out
    side_by_side = "2 sweeps at a time" if app.config["BACKEND"] == "postgresql" else "1 sweeps at a time"
    assert side_by_side in out
    written = int(re.search(r"^  notifications written: (\d+)$", out, flags=re.MULTILINE).group(1))
    assert written > 0
    assert re.search(r"^month-end run +[\d.]+ s against a limit of 10 s", out, flags=re.MULTILINE)
    assert re.search(r"^  run again as of the same time: [\d.]+ s, 0 done", out, flags=re.MULTILINE)
    assert counts() == before
    if app.config["BACKEND"] == "postgresql":
        name = sa.engine.make_url(url).database + "_sweep_copy"
        assert db.session.scalar(sa.text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                                 {"name": name}) == 0
    else:
        assert not Path(f"{sa.engine.make_url(url).database}.sweep-copy").exists()
