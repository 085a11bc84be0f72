"""run_all on PostgreSQL runs sweeps side by side (SCHEDULER_WORKERS worker processes, forked), each after the
sweeps it names in `after`; on SQLite one at a time in order. The workers meet on events made before they are
forked, and report what happened through a queue, never through sleeps."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.extensions import db
from accredit.notifications.audiences import Audiences, shared_grants
from accredit.scheduling import registry, runner
from accredit.scheduling.registry import Sweep
from accredit.scheduling.runner import run_all
from tests.notifications.fixtures import ward  # noqa: F401

NOW = datetime(2026, 1, 7, 9, tzinfo=UTC)
WAIT = 20  #: seconds before a worker that never arrives fails the test instead of hanging it
FORK = multiprocessing.get_context("fork")


def test_sweeps_run_side_by_side_on_postgresql_each_after_what_it_waits_for(app):
    side_by_side = app.config["BACKEND"] == "postgresql"
    queue = FORK.SimpleQueue()  # put() writes at once, so the order read is the order things happened
    slow_started, quick_done = FORK.Event(), FORK.Event()

    def slow(now):
        queue.put(("slow starts", os.getpid()))
        slow_started.set()
        if side_by_side:  # the independent sweep runs meanwhile, in the other worker
            assert quick_done.wait(WAIT)
        queue.put(("slow ends", os.getpid()))
        return 1

    def quick(now):
        if side_by_side:
            assert slow_started.wait(WAIT)
        queue.put(("quick", os.getpid()))
        quick_done.set()
        return 2

    def later(now):
        queue.put(("later", os.getpid()))
        return 3

    sweeps = [Sweep("slow", slow, "", after=()), Sweep("later", later, "", after=("slow",)),
              Sweep("quick", quick, "", after=())]
    results = run_all(NOW, sweeps)
    assert [(r.name, r.count) for r in results] == [("slow", 1), ("later", 3), ("quick", 2)]
    events, pids = zip(*(queue.get() for _ in range(4)))
    if side_by_side:
        assert events == ("slow starts", "quick", "slow ends", "later")
        assert os.getpid() not in pids and len(set(pids)) == 3  # a worker process of its own for each sweep
    else:
        assert events == ("slow starts", "slow ends", "later", "quick")
        assert set(pids) == {os.getpid()}


def test_each_sweep_side_by_side_has_its_own_transaction_and_a_failure_stops_no_other(app, ward):
    """A sweep that raises is rolled back alone; the one waiting for it still runs (as in order); what each
    wrote is committed; a sweep started after the one that read the trust's grants has them without reading
    them again (the worker that read them hands them back). Each sweep loads what it needs in its own session,
    as the real sweeps do."""
    from accredit.org.models import Team

    team_id, other_id = ward.team.id, ward.other_team.id

    def renamed(now):
        db.session.get(Team, team_id).name = "Ward 7 Renamed"
        db.session.flush()
        return 1

    def broken(now):
        db.session.get(Team, other_id).name = "Never"
        db.session.flush()
        raise RuntimeError("the sweep broke")

    def told(now):
        return len(Audiences().people(db.session.get(Team, team_id), "team_lead"))

    def told_later(now):
        assert shared_grants() is not None, "the grants were read again"
        return told(now)

    db.session.commit()
    sweeps = [Sweep("broken", broken, "", after=()), Sweep("renamed", renamed, "", after=("broken",)),
              Sweep("told", told, "", after=()), Sweep("told later", told_later, "", after=("told",))]
    results = run_all(NOW, sweeps)
    assert [(r.name, r.count, r.error) for r in results] == [
        ("broken", None, "RuntimeError: the sweep broke"), ("renamed", 1, None), ("told", 1, None),
        ("told later", 1, None)]
    db.session.expire_all()
    names = dict(db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_([team_id, other_id]))).all())
    assert names[team_id] == "Ward 7 Renamed" and names[other_id] != "Never"


def test_a_worker_that_dies_fails_its_sweep_alone(app):
    """A worker killed before it sends its result (the kernel's out-of-memory killer, an operator) is a failed
    sweep, logged like one that raised; the sweeps after it still run."""
    if app.config["BACKEND"] != "postgresql":  # in order there is no worker to die
        return

    def dies(now):
        os._exit(3)

    sweeps = [Sweep("dies", dies, "", after=()), Sweep("after it", lambda now: 5, "", after=("dies",))]
    results = run_all(NOW, sweeps)
    assert [(r.name, r.count, r.error) for r in results] == [
        ("dies", None, "worker process ended without a result (exit code 3)"), ("after it", 5, None)]


def test_sweeps_that_wait_for_each_other_are_refused(app):
    if app.config["BACKEND"] != "postgresql":  # in order, `after` is not consulted
        return
    sweeps = [Sweep("a", lambda now: 1, "", after=("b",)), Sweep("b", lambda now: 1, "", after=("a",))]
    with pytest.raises(ValueError, match="these sweeps wait for each other: a, b"):
        run_all(NOW, sweeps)


def test_every_sweep_waits_only_for_sweeps_listed_before_it():
    """The registry's order keeps every `after`, so running them in order is one of the orders side by side
    allows; and the digests and delivery (after=None) wait for everything before them."""
    sweeps = registry.sweeps()
    names = [s.name for s in sweeps]
    for index, sweep in enumerate(sweeps):
        assert set(sweep.after or ()) <= set(names[:index]), sweep.name
    assert {s.name for s in sweeps if s.after is None} == {"daily_digests", "deliver_notifications"}


def in_app_context(app, fn, *args):
    """`fn(*args)` in an app context of this thread's own, as the scheduler's tick runs the sweeps."""
    with app.app_context():
        return fn(*args)


@pytest.fixture
def stops():
    """stop_workers() marks the whole process as stopping: undo that after the test."""
    yield runner.stop_workers
    runner._STOPPING.clear()


def test_a_stopping_scheduler_kills_its_workers_and_starts_no_more_sweeps(app, stops):
    """What the scheduler does on SIGTERM before it gives up its lock (scheduler.serve): the sweep running is
    killed in its worker (its transaction rolls back), the sweeps not started are not run, and the run returns."""
    side_by_side = app.config["BACKEND"] == "postgresql"
    queue, started = FORK.SimpleQueue(), FORK.Event()

    def stuck(now):
        queue.put(os.getpid())
        started.set()
        if side_by_side:  # a worker process: it waits until it is killed
            FORK.Event().wait()
        else:  # in this process (SQLite): the stop comes while it runs, as from the scheduler's main thread
            stops()
        return 1

    sweeps = [Sweep("stuck", stuck, "", after=()), Sweep("next", lambda now: 2, "", after=("stuck",))]
    with ThreadPoolExecutor(max_workers=1) as pool:  # the scheduler's tick runs in a pool thread too
        run = pool.submit(in_app_context, app, run_all, NOW, sweeps)
        assert started.wait(WAIT)
        if side_by_side:
            stops()
        results = run.result(timeout=WAIT)
    if side_by_side:
        assert [(r.name, r.error) for r in results] == [
            ("stuck", "stopped: the scheduler is stopping"), ("next", "not run: the scheduler is stopping")]
        with pytest.raises(ProcessLookupError):  # killed and reaped
            os.kill(queue.get(), 0)
    else:  # a sweep in this process finishes; the next is not started
        assert [(r.name, r.count, r.error) for r in results] == [
            ("stuck", 1, None), ("next", None, "not run: the scheduler is stopping")]
    assert runner.stopping()


def test_a_sweep_past_its_timeout_is_killed_and_the_rest_still_run(app):
    if app.config["BACKEND"] != "postgresql":  # one after another in this process: no worker to kill
        return
    app.config["SCHEDULER_SWEEP_TIMEOUT_SECONDS"] = 0.2
    queue = FORK.SimpleQueue()

    def stuck(now):  # as a sweep waiting for a row lock that is never released
        queue.put(os.getpid())
        FORK.Event().wait()

    sweeps = [Sweep("stuck", stuck, "", after=()), Sweep("after it", lambda now: 4, "", after=("stuck",))]
    results = run_all(NOW, sweeps)
    assert [(r.name, r.count, r.error) for r in results] == [
        ("stuck", None, "stopped after 0.2 s (SCHEDULER_SWEEP_TIMEOUT_SECONDS): rolled back"), ("after it", 4, None)]
    with pytest.raises(ProcessLookupError):
        os.kill(queue.get(), 0)


def test_workers_forked_from_a_pool_thread_end_cleanly(app, caplog):
    """The scheduler runs the sweeps from a thread of APScheduler's pool: a worker forked there inherits that
    pool's exit handler, which would fail joining the thread that is now the worker's own (exit code 1)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(in_app_context, app, run_all, NOW, [
            Sweep("one", lambda now: 1, "", after=()), Sweep("two", lambda now: 2, "", after=())]).result(timeout=WAIT)
    assert [(r.name, r.count, r.error) for r in results] == [("one", 1, None), ("two", 2, None)]
    assert [r.getMessage() for r in caplog.records if r.name == runner.__name__] == []
