"""Running the sweeps: each in its own transaction, committed, a failure logged without stopping the rest; on
PostgreSQL several side by side, each after the sweeps whose work it reads."""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app

from accredit.extensions import db
from accredit.notifications.audiences import share_grants, shared_for_run, shared_grants
from accredit.scheduling import registry
from accredit.scheduling.registry import Sweep

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SweepResult:
    name: str
    count: int | None  #: None when the sweep failed
    error: str | None = None
    started: float = 0.0  #: when it started (time.time(): the same clock in every worker process)
    seconds: float = 0.0  #: how long it took, commit included

    @property
    def line(self) -> str:
        return f"{self.name}: {self.count}" if self.error is None else f"{self.name}: failed ({self.error})"


def run_all(now: datetime, sweeps: list[Sweep] | None = None) -> list[SweepResult]:
    """Run every sweep once as of `now` (timezone-aware); returns what each did, in the sweeps' order.

    Each sweep's work is committed when it finishes; a sweep that raises is rolled back and logged, and the
    others still run (its work stays due, so the next run does it). On PostgreSQL up to SCHEDULER_WORKERS sweeps
    run side by side, each in a worker process with its own connection and transaction, a sweep starting once
    those it waits for (`Sweep.after`) have finished; on SQLite, which has one writer at a time, one after another
    in order. Raises ValueError for a naive `now`.
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
    started = time.time()
    try:
        _write_lock_first()
        count = sweep.run(now)
        db.session.commit()
    except Exception as error:  # one broken sweep must not stop reminders or delivery
        db.session.rollback()
        log.exception("sweep %s failed as of %s", sweep.name, now.isoformat())
        return SweepResult(sweep.name, None, f"{type(error).__name__}: {error}", started, time.time() - started)
    return SweepResult(sweep.name, count, None, started, time.time() - started)


def _side_by_side(sweeps: list[Sweep], now: datetime, workers: int) -> list[SweepResult]:
    """Run `sweeps` in up to `workers` worker processes at a time: whenever one is free, the first sweep in order
    whose `after` have all finished (failed counts as finished, as in order: a failure does not stop the rest).

    Processes, not threads: the sweeps are mostly Python, which runs one thread at a time in a process. Each is
    forked from this one (the app, its config and the run's shared grants come with it), opens its own
    connections, runs one sweep in its own transaction (`_run_one`), sends back its result, and exits. A worker
    dies with this process (`_die_with_parent`): when the leader is killed, the sweep it was running rolls back
    instead of committing behind the next leader's back. The first worker to read the trust's grants sends them
    back, so that the workers started after it need not read them again."""
    app = current_app._get_current_object()
    names = {sweep.name for sweep in sweeps}
    waits = {sweep.name: _waits_for(sweep, sweeps, names) for sweep in sweeps}
    db.session.commit()  # what the caller's session holds, as the first sweep's commit would in order
    db.engine.dispose()  # the workers open their own connections: none of this process's is left to share
    results: dict[str, SweepResult] = {}
    pending, running = list(sweeps), {}
    while pending or running:
        for sweep in [s for s in pending if waits[s.name] <= results.keys()][:workers - len(running)]:
            pending.remove(sweep)
            running[_Worker(app, sweep, now)] = sweep
        if not running:
            raise ValueError(f"these sweeps wait for each other: {', '.join(s.name for s in pending)}")
        ready = multiprocessing.connection.wait([worker.receiver for worker in running])
        for worker in [w for w in running if w.receiver in ready]:
            results[running.pop(worker).name] = worker.result()
    return [results[sweep.name] for sweep in sweeps]


_FORK = multiprocessing.get_context("fork")


class _Worker:
    """A forked process that runs one sweep as of `now`, and the pipe its result comes back on."""

    def __init__(self, app: Flask, sweep: Sweep, now: datetime) -> None:
        self.sweep = sweep
        self.receiver, sender = _FORK.Pipe(duplex=False)
        self.process = _FORK.Process(target=_in_worker, args=(app, sweep, now, sender, os.getpid()),
                                     name=f"sweep {sweep.name}", daemon=True)
        self.process.start()
        sender.close()  # the worker holds the only writing end, so its exit ends the pipe

    def result(self) -> SweepResult:
        """What the worker sent back, or a failure if it died first (killed, out of memory); keeps the grants it
        read for the workers started after it."""
        try:
            result, grants = self.receiver.recv()
        except EOFError:
            self.process.join()
            code = self.process.exitcode
            log.error("sweep %s: its worker process ended without a result (exit code %s)", self.sweep.name, code)
            return SweepResult(self.sweep.name, None, f"worker process ended without a result (exit code {code})")
        finally:
            self.receiver.close()
        self.process.join()
        if grants is not None:
            share_grants(grants)
        return result


def _in_worker(app: Flask, sweep: Sweep, now: datetime, sender: Connection, parent: int) -> None:
    """The forked worker: run one sweep and send back (its result, the grants if this worker read them)."""
    _die_with_parent(parent)
    with app.app_context():
        db.engine.dispose(close=False)  # a fresh pool: the parent's connections, if any, stay the parent's
        had_grants = shared_grants() is not None
        result = _run_one(sweep, now)
        db.session.remove()
        db.engine.dispose()
    sender.send((result, None if had_grants else shared_grants()))
    sender.close()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the process that forked it dies (prctl PR_SET_PDEATHSIG; strictly, the
    thread that forked it, which waits for its workers), and exit at once if it already has. Elsewhere there is
    no such request: a worker then finishes its one sweep."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


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
