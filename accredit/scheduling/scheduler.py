"""The long-running scheduler (`flask --app wsgi scheduler run`): one leader runs the sweeps, standbys wait.

Never started inside a web worker. Leadership is a PostgreSQL session advisory lock held on a connection of its
own for as long as the process lives (on SQLite, an exclusive flock on a file in VAR_DIR): when the leader dies,
its connection closes, the lock is freed and the first standby to ask takes over. The leader runs every sweep
once a minute (APScheduler 3, Europe/London). Catching up after downtime needs nothing special: sweeps select
by date, so whatever came due while nobody ran is still unclaimed and is done at the next run.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from accredit.extensions import db

log = logging.getLogger("accredit.scheduler")
LONDON = ZoneInfo("Europe/London")
LOCK_KEY = 0x41636372  #: the advisory lock's key ("Accr"); advisory locks are per database
HEARTBEAT_FILE = "scheduler-heartbeat.json"


class PostgresLeadership:
    """A session-level `pg_try_advisory_lock` on a dedicated autocommit connection."""

    def __init__(self, engine: sa.Engine, key: int = LOCK_KEY) -> None:
        self._engine, self._key = engine, key
        self._conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        try:
            if self._conn is None:
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            return bool(self._conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}))
        except sa.exc.DBAPIError:
            log.warning("could not reach the database to ask for leadership", exc_info=True)
            self._close()
            return False

    def is_held(self) -> bool:
        """Whether this process still holds the lock (False once its connection has died)."""
        if self._conn is None:
            return False
        try:
            held = self._conn.scalar(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND classid = 0 AND objid = :key AND granted"), {"key": self._key})
        except sa.exc.DBAPIError:
            self._close()
            return False
        return held == 1

    def release(self) -> None:
        if self._conn is not None:
            try:  # unlock at once: closing alone frees it too, but only once the server notices
                self._conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            except sa.exc.DBAPIError:
                pass
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()  # never back into the pool: the lock must die with the connection
                self._conn.close()
            except sa.exc.DBAPIError:
                pass
            self._conn = None


class FileLeadership:
    """An exclusive, non-blocking flock on a lock file: the kernel frees it when the process dies."""

    def __init__(self, path: Path) -> None:
        self._path, self._fd = path, None

    def try_acquire(self) -> bool:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def is_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def leadership_for(app: Flask) -> PostgresLeadership | FileLeadership:
    """PostgreSQL's advisory lock when the app runs on PostgreSQL, otherwise a file lock in VAR_DIR."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    return FileLeadership(Path(app.config["VAR_DIR"]) / "scheduler.lock")


def build_scheduler(tick: Any, interval_seconds: float) -> BlockingScheduler:
    """A BlockingScheduler with one interval job: runs at once, then every `interval_seconds`; late runs are
    coalesced into one, never two at a time, however late (the sweeps catch up by date anyway)."""
    scheduler = BlockingScheduler(timezone=LONDON)
    scheduler.add_job(
        tick, IntervalTrigger(seconds=interval_seconds, timezone=LONDON), id="sweeps", name="Run every sweep",
        next_run_time=datetime.now(LONDON), coalesce=True, max_instances=1, misfire_grace_time=None,
    )
    return scheduler


def serve(app: Flask, *, interval_seconds: float, standby_poll_seconds: float) -> None:
    """Lead or stand by until the process is stopped (SIGTERM, SIGINT): never returns otherwise."""
    leadership = leadership_for(app)
    waiting_logged = False
    try:
        while True:
            if leadership.try_acquire():
                waiting_logged = False
                log.info("leader (pid %s): running the sweeps every %s seconds", os.getpid(), interval_seconds)
                _lead(app, leadership, interval_seconds)
                log.warning("leadership lost (pid %s): standing by", os.getpid())
                continue
            if not waiting_logged:
                log.info("standby (pid %s): another scheduler leads; asking every %s seconds",
                         os.getpid(), standby_poll_seconds)
                waiting_logged = True
            time.sleep(standby_poll_seconds)
    finally:
        from accredit.scheduling.runner import stop_workers

        stop_workers()  # before the lock goes: a standby may lead as soon as it is free
        leadership.release()


def _lead(app: Flask, leadership: Any, interval_seconds: float) -> None:
    """Run the sweeps on schedule until leadership is lost (then return) or the process is stopped."""
    heartbeat = Heartbeat(Path(app.config["VAR_DIR"]) / HEARTBEAT_FILE)
    heartbeat.write(runs=0)
    scheduler: BlockingScheduler | None = None

    def tick() -> None:
        if not leadership.is_held():
            scheduler.shutdown(wait=False)
            return
        from accredit.scheduling.runner import run_all, stopping

        with app.app_context():
            results = run_all(datetime.now(UTC))
            db.session.remove()
        if stopping():  # the lock is given up or about to be: the heartbeat is the next leader's to write
            return
        heartbeat.write(runs=heartbeat.runs + 1, results={r.name: r.count for r in results})
        log.info("ran the sweeps: %s", ", ".join(r.line for r in results if r.error is None))
        for failed in (r for r in results if r.error is not None):
            log.error("%s", failed.line)

    scheduler = build_scheduler(tick, interval_seconds)
    scheduler.start()


class Heartbeat:
    """A small JSON file saying which process leads and when it last ran, for operators and tests."""

    def __init__(self, path: Path) -> None:
        self.path, self.runs = path, 0
        self._since = datetime.now(UTC).isoformat()

    def write(self, *, runs: int, results: dict[str, int | None] | None = None) -> None:
        self.runs = runs
        body = {"pid": os.getpid(), "leader_since": self._since, "last_run_at": datetime.now(UTC).isoformat(),
                "runs": runs, "results": results or {}}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(body))
        os.replace(temporary, self.path)  # readers never see half a file
