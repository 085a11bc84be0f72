"""Running the sweeps: each in its own transaction, committed, a failure logged without stopping the rest; on
PostgreSQL several side by side, each after the sweeps whose work it reads."""
from __future__ import annotations

import contextvars
import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from accredit.extensions import db
from accredit.notifications.audiences import shared_for_run
from accredit.scheduling import registry
from accredit.scheduling.registry import Sweep

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SweepResult:
    name: str
    count: int | None  #: None when the sweep failed
    error: str | None = None

    @property
    def line(self) -> str:
        return f"{self.name}: {self.count}" if self.error is None else f"{self.name}: failed ({self.error})"


def run_all(now: datetime, sweeps: list[Sweep] | None = None) -> list[SweepResult]:
    """Run every sweep once as of `now` (timezone-aware); returns what each did, in the sweeps' order.

    Each sweep's work is committed when it finishes; a sweep that raises is rolled back and logged, and the
    others still run (its work stays due, so the next run does it). On PostgreSQL up to SCHEDULER_WORKERS sweeps
    run side by side, each in a thread with its own session and transaction, a sweep starting once those it
    waits for (`Sweep.after`) have finished; on SQLite, which has one writer at a time, one after another in
    order. Raises ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: use parse_now() for a local time")
    sweeps = registry.sweeps() if sweeps is None else sweeps
    workers = current_app.config.get("SCHEDULER_WORKERS", 1) if db.engine.dialect.name == "postgresql" else 1
    with shared_for_run():  # the trust's grants read once for every sweep that tells someone
        if workers <= 1:
            return [_run_one(sweep, now) for sweep in sweeps]
        return _side_by_side(sweeps, now, workers)


def _run_one(sweep: Sweep, now: datetime) -> SweepResult:
    """One sweep in the current session, committed, or rolled back and logged if it raises."""
    try:
        _write_lock_first()
        count = sweep.run(now)
        db.session.commit()
    except Exception as error:  # one broken sweep must not stop reminders or delivery
        db.session.rollback()
        log.exception("sweep %s failed as of %s", sweep.name, now.isoformat())
        return SweepResult(sweep.name, None, f"{type(error).__name__}: {error}")
    return SweepResult(sweep.name, count)


def _side_by_side(sweeps: list[Sweep], now: datetime, workers: int) -> list[SweepResult]:
    """Run `sweeps` in `workers` threads: whenever a thread is free, the first sweep in order whose `after` have
    all finished (failed counts as finished, as in order: a failure does not stop the rest). Each thread pushes its
    own app context, so has its own session and connection; the run's shared grants go with it."""
    app = current_app._get_current_object()
    names = {sweep.name for sweep in sweeps}
    waits = {sweep.name: _waits_for(sweep, sweeps, names) for sweep in sweeps}

    def in_thread(sweep: Sweep) -> SweepResult:
        with app.app_context():
            try:
                return _run_one(sweep, now)
            finally:
                db.session.remove()

    db.session.commit()  # what the caller's session holds, as the first sweep's commit would in order
    results: dict[str, SweepResult] = {}
    pending, running = list(sweeps), {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        while pending or running:
            for sweep in [s for s in pending if waits[s.name] <= results.keys()][:workers - len(running)]:
                pending.remove(sweep)
                running[pool.submit(contextvars.copy_context().run, in_thread, sweep)] = sweep
            if not running:
                raise ValueError(f"these sweeps wait for each other: {', '.join(s.name for s in pending)}")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                results[running.pop(future).name] = future.result()
    return [results[sweep.name] for sweep in sweeps]


def _waits_for(sweep: Sweep, sweeps: list[Sweep], names: set[str]) -> set[str]:
    """The names of the sweeps `sweep` must wait for: its `after` (those in this run), else all listed before it."""
    if sweep.after is None:
        return {s.name for s in sweeps[:sweeps.index(sweep)]}
    return set(sweep.after) & names


def _write_lock_first() -> None:
    """On SQLite, take the write lock as the sweep starts (BEGIN IMMEDIATE), so that a second scheduler waits its
    turn (busy timeout) instead of both reading, both trying to write, and one failing at once with "database is
    locked" (SQLite cannot wait out a read transaction's upgrade) and missing what it had read. PostgreSQL locks
    rows, so nothing is needed there."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("BEGIN IMMEDIATE"))


def parse_now(text: str | None) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; None means now. A time without an offset is London time:
    one that the spring clock change skips is read with the winter offset, and one that the autumn change
    repeats as its first (summer time) occurrence. Raises ValueError for text that is not an ISO time."""
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time like 2026-03-29T01:30 or 2026-03-29T01:30:00+00:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(UTC)
