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
import threading
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
    in order. Once stop_workers() has been called (the scheduler is stopping), no further sweep starts. Raises
    ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: use parse_now() for a local time")
    sweeps = registry.sweeps() if sweeps is None else sweeps
    workers = current_app.config.get("SCHEDULER_WORKERS", 1) if db.engine.dialect.name == "postgresql" else 1
    with shared_for_run():  # the trust's grants read once for every sweep that tells someone
        if workers <= 1:
            return [_not_run(sweep) if _STOPPING.is_set() else _run_one(sweep, now) for sweep in sweeps]
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


_STOPPING = threading.Event()


def stop_workers() -> None:
    """The scheduler is stopping (scheduler.serve, before it gives up leadership): start no further sweep, and
    kill the worker processes running one, whose transactions roll back, so that nothing this process began is
    committed after a standby has taken over. The run returns at once, those sweeps failed and the rest not run."""
    _STOPPING.set()
    for worker in list(_Worker.running):
        worker.process.kill()


def stopping() -> bool:
    """Whether stop_workers() has been called in this process."""
    return _STOPPING.is_set()


def _not_run(sweep: Sweep) -> SweepResult:
    return SweepResult(sweep.name, None, "not run: the scheduler is stopping")


def _side_by_side(sweeps: list[Sweep], now: datetime, workers: int) -> list[SweepResult]:
    """Run `sweeps` in up to `workers` worker processes at a time: whenever one is free, the first sweep in order
    whose `after` have all finished (failed counts as finished, as in order: a failure does not stop the rest).

    Processes, not threads: the sweeps are mostly Python, which runs one thread at a time in a process. Each is
    forked from this one (the app, its config and the run's shared grants come with it), opens its own
    connections, runs one sweep in its own transaction (`_run_one`), sends back its result, and exits. A worker
    dies with this process (`_die_with_parent`): when the leader is killed, the sweep it was running rolls back
    instead of committing behind the next leader's back. A worker still running SCHEDULER_SWEEP_TIMEOUT_SECONDS
    after it started (a sweep stuck on a lock) is killed and its sweep failed, so that one stuck sweep cannot
    stop every later run. The first worker to read the trust's grants sends them back, so that the workers
    started after it need not read them again."""
    app = current_app._get_current_object()
    timeout = float(app.config.get("SCHEDULER_SWEEP_TIMEOUT_SECONDS", 1800))
    names = {sweep.name for sweep in sweeps}
    waits = {sweep.name: _waits_for(sweep, sweeps, names) for sweep in sweeps}
    db.session.commit()  # what the caller's session holds, as the first sweep's commit would in order
    db.engine.dispose()  # the workers open their own connections: none of this process's is left to share
    results: dict[str, SweepResult] = {}
    pending: list[Sweep] = list(sweeps)
    running: list[_Worker] = []
    try:
        while pending or running:
            if _STOPPING.is_set():
                results.update((sweep.name, _not_run(sweep)) for sweep in pending)
                pending = []
            for sweep in [s for s in pending if waits[s.name] <= results.keys()][:workers - len(running)]:
                pending.remove(sweep)
                running.append(_Worker(app, sweep, now, timeout))
            if not running:
                if not pending:
                    break
                raise ValueError(f"these sweeps wait for each other: {', '.join(s.name for s in pending)}")
            first_deadline = min(worker.deadline for worker in running)
            ready = multiprocessing.connection.wait([worker.receiver for worker in running],
                                                    timeout=max(0.0, first_deadline - time.monotonic()))
            for worker in [w for w in running if w.receiver in ready or w.deadline <= time.monotonic()]:
                running.remove(worker)
                results[worker.sweep.name] = worker.result()
    finally:
        for worker in running:  # only if this run itself failed: leave no worker behind
            worker.process.kill()
            worker.result()
    return [results[sweep.name] for sweep in sweeps]


_FORK = multiprocessing.get_context("fork")


class _Worker:
    """A forked process that runs one sweep as of `now`, the pipe its result comes back on, and its deadline."""

    running: set[_Worker] = set()  #: every worker of this process not yet collected (stop_workers kills them)

    def __init__(self, app: Flask, sweep: Sweep, now: datetime, timeout: float) -> None:
        self.sweep, self.timeout, self.deadline = sweep, timeout, time.monotonic() + timeout
        self.receiver, sender = _FORK.Pipe(duplex=False)
        self.process = _FORK.Process(target=_in_worker, args=(app, sweep, now, sender, os.getpid()),
                                     name=f"sweep {sweep.name}", daemon=True)
        self.process.start()
        sender.close()  # the worker holds the only writing end, so its exit ends the pipe
        _Worker.running.add(self)
        if _STOPPING.is_set():  # stop_workers() came while it was being forked, after it looked at `running`
            self.process.kill()

    def result(self) -> SweepResult:
        """What the worker sent back; or, if it has sent nothing, a failure: past its deadline (killed now),
        killed by stop_workers, or dead of something else (the kernel's out-of-memory killer). Keeps the grants
        it read for the workers started after it. The worker is always reaped."""
        sent, unreadable, timed_out = None, None, False
        try:
            if self.receiver.poll():  # its result, or the end of the pipe if it died without sending one
                sent = self.receiver.recv()
            else:  # past its deadline, still running
                self.process.kill()
                timed_out = True
        except EOFError:
            pass
        except Exception as error:  # a result that cannot be read is that sweep's failure, not the run's
            unreadable = error
        finally:
            self.receiver.close()
            self.process.join()
            _Worker.running.discard(self)
        if sent is not None:
            result, grants = sent
            if grants is not None:
                share_grants(grants)
            if self.process.exitcode != 0:  # its work is done and committed; how it ended is worth a look
                log.warning("sweep %s: its worker exited with code %s after sending its result",
                            self.sweep.name, self.process.exitcode)
            return result
        if unreadable is not None:
            reason = f"its result could not be read ({type(unreadable).__name__})"
        elif timed_out:
            reason = f"stopped after {self.timeout:g} s (SCHEDULER_SWEEP_TIMEOUT_SECONDS): rolled back"
        elif _STOPPING.is_set():
            reason = "stopped: the scheduler is stopping"
        else:
            reason = f"worker process ended without a result (exit code {self.process.exitcode})"
        log.error("sweep %s: %s", self.sweep.name, reason, exc_info=unreadable)
        return SweepResult(self.sweep.name, None, reason)


def _in_worker(app: Flask, sweep: Sweep, now: datetime, sender: Connection, parent: int) -> None:
    """The forked worker: run one sweep, send back (its result, the grants if this worker read them), and exit
    at once (os._exit), without the exit handlers it inherited: forked from a thread of a pool, as in the
    scheduler, those would try to join that thread, which is now this process's own."""
    code = 1
    try:
        _die_with_parent(parent)
        with app.app_context():
            db.engine.dispose(close=False)  # a fresh pool: the parent's connections, if any, stay the parent's
            had_grants = shared_grants() is not None
            result = _run_one(sweep, now)
            db.session.remove()
            db.engine.dispose()
        grants = None if had_grants else shared_grants()
        try:
            sender.send((result, grants))
        except Exception:  # grants that cannot be sent: the sweep's result still goes back
            sender.send((result, None))
        code = 0
    except BaseException:
        log.exception("sweep %s: its worker process failed", sweep.name)
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


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
