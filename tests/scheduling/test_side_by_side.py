"""run_all on PostgreSQL runs sweeps side by side (SCHEDULER_WORKERS threads), each after the sweeps it names in
`after`; on SQLite one at a time in order. Threads meet on events, never on sleeps."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.extensions import db
from accredit.notifications.audiences import Audiences
from accredit.scheduling import registry
from accredit.scheduling.registry import Sweep
from accredit.scheduling.runner import run_all
from tests.notifications.fixtures import ward  # noqa: F401
from tests.statements import statements_sent

NOW = datetime(2026, 1, 7, 9, tzinfo=UTC)
WAIT = 20  #: seconds before a thread that never arrives fails the test instead of hanging it


def test_sweeps_run_side_by_side_on_postgresql_each_after_what_it_waits_for(app):
    side_by_side = app.config["BACKEND"] == "postgresql"
    events: list[str] = []
    slow_started, quick_done = threading.Event(), threading.Event()

    def slow(now):
        events.append("slow starts")
        slow_started.set()
        if side_by_side:  # the independent sweep runs meanwhile, in the other thread
            assert quick_done.wait(WAIT)
        events.append("slow ends")
        return 1

    def quick(now):
        if side_by_side:
            assert slow_started.wait(WAIT)
        events.append("quick")
        quick_done.set()
        return 2

    def later(now):
        events.append("later")
        return 3

    sweeps = [Sweep("slow", slow, "", after=()), Sweep("later", later, "", after=("slow",)),
              Sweep("quick", quick, "", after=())]
    results = run_all(NOW, sweeps)
    assert [(r.name, r.count) for r in results] == [("slow", 1), ("later", 3), ("quick", 2)]
    if side_by_side:
        assert events == ["slow starts", "quick", "slow ends", "later"]
    else:
        assert events == ["slow starts", "slow ends", "later", "quick"]


def test_each_sweep_side_by_side_has_its_own_transaction_and_a_failure_stops_no_other(app, ward):
    """A sweep that raises is rolled back alone; the one waiting for it still runs (as in order); what each
    wrote is committed; every thread shares the run's one reading of the trust's grants. Each sweep loads what
    it needs in its own session, as the real sweeps do."""
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

    db.session.commit()
    sweeps = [Sweep("broken", broken, "", after=()), Sweep("renamed", renamed, "", after=("broken",)),
              Sweep("told", told, "", after=()), Sweep("told too", told, "", after=())]
    with statements_sent() as statements:  # an engine listener: it sees every thread's connection
        results = run_all(NOW, sweeps)
    assert [(r.name, r.count, r.error) for r in results] == [
        ("broken", None, "RuntimeError: the sweep broke"), ("renamed", 1, None), ("told", 1, None),
        ("told too", 1, None)]
    assert len([s for s in statements if "FROM role_assignments" in s]) == 1
    db.session.expire_all()
    names = dict(db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_([team_id, other_id]))).all())
    assert names[team_id] == "Ward 7 Renamed" and names[other_id] != "Never"


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
