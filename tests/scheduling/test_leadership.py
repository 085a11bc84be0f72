"""One leader at a time: PostgreSQL's advisory lock or SQLite's file lock, and the scheduler's job settings."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from accredit.extensions import db
from accredit.scheduling.scheduler import FileLeadership, PostgresLeadership, build_scheduler, leadership_for


def test_leadership_uses_the_lock_of_the_backend(app):
    leadership = leadership_for(app)
    expected = PostgresLeadership if app.config["BACKEND"] == "postgresql" else FileLeadership
    assert type(leadership) is expected


def test_only_one_leader_at_a_time_and_a_standby_takes_over_on_release(app):
    leader, standby = leadership_for(app), leadership_for(app)
    try:
        asked = [leader.try_acquire(), standby.try_acquire(), standby.try_acquire()]
        held = [leader.is_held(), standby.is_held()]
        leader.release()
        taken_over = [standby.try_acquire(), standby.is_held(), leader.is_held()]
    finally:
        leader.release()
        standby.release()
    assert (asked, held, taken_over) == ([True, False, False], [True, False], [True, True, False])


def test_postgres_leader_whose_connection_dies_loses_the_lock_to_the_standby(app):
    if app.config["BACKEND"] != "postgresql":
        return  # SQLite has no server connection to lose; the file lock dies with the process (test_failover)
    leader, standby = PostgresLeadership(db.engine), PostgresLeadership(db.engine)
    try:
        assert (leader.try_acquire(), standby.try_acquire()) == (True, False)
        backend = leader._conn.scalar(sa.text("SELECT pg_backend_pid()"))
        with db.engine.connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        assert (leader.is_held(), standby.try_acquire(), standby.is_held()) == (False, True, True)
    finally:
        leader.release()
        standby.release()


def test_scheduler_runs_one_coalesced_job_in_london_time():
    scheduler = build_scheduler(lambda: None, 60)
    (job,) = scheduler.get_jobs()
    assert (job.id, job.coalesce, job.max_instances, job.misfire_grace_time) == ("sweeps", True, 1, None)
    assert (str(job.trigger.timezone), job.trigger.interval, str(scheduler.timezone)) == (
        "Europe/London", timedelta(seconds=60), "Europe/London")
    assert job.next_run_time is not None  # runs at once on start: catching up is the first thing it does
