"""`python -m bench.phases`: one sweep of the month-end run timed again and again, and by phase.

    python -m bench.phases --database-url postgresql+psycopg://postgres@127.0.0.1/bench_accredit \
        [--sweep stepup_review] [--repeat 3]

Runs the day before and the sweeps that come before `--sweep` in the month-end run (as bench.run does), then
`--sweep` `--repeat` times, each in a savepoint rolled back, so that every repeat starts from the same rows; all
of it is rolled back at the end. Prints each repeat's time and, per repeat, the time spent in the functions
listed in PHASES (a function called inside another counts in both). The process's own caches (the rules'
answers per mix of ratings, compiled statements) are filled by the first repeat and kept by the others, as a
running scheduler keeps them from one day to the next. Where `bench.run --only sweep` gives one figure per
sweep, this shows where one sweep's time goes, steadily enough to compare two versions of the code. The repeats
go on inside the month-end run, as scheduling.runner.run_all runs it: the trust's grants are read by the first
sweep that tells someone, then shared (notifications.audiences.shared_for_run), so that sweep's first repeat
reads them and the others do not.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from bench.run import SKIPPED_SWEEPS, _checkpoint, month_end

#: module -> functions timed (`Class.method` for a method), for the sweeps whose phases are worth telling apart. A
#: function imported by name is timed where it is used (`insert_new` in the notifications' module).
PHASES = {
    "accredit.stepup.facts": ["regulations", "_periods", "overall_ratings", "_latest_reviews", "_overdue_actions",
                              "_recorded_signals", "_first_submissions", "_first_cycle_reviews", "_plans"],
    "accredit.stepup.queries": ["_position"],
    "accredit.stepup.services": ["ensure_regulations", "store_scores", "review_teams"],
    "accredit.stepup.jobs": ["_reminders"],
    "accredit.notifications.services": ["notify_many", "taken_keys", "_Bodies.render", "insert_new"],
    "accredit.notifications.audiences": ["Audiences._grants"],
    "accredit.assessments.reminders": ["_plan"],
    "accredit.actions.reminders": ["_plan"],
}


@contextmanager
def timed(spent: Counter) -> Iterator[None]:
    """Every function of PHASES wrapped to add its time to `spent` (by module.function), restored afterwards."""
    restore = []
    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            owner, attribute = (getattr(module, name.split(".")[0]), name.split(".")[1]) if "." in name \
                else (module, name)
            original = getattr(owner, attribute)
            restore.append((owner, attribute, original))
            setattr(owner, attribute, _timer(original, f"{module_name.rsplit('.', 1)[-1]}.{name}", spent))
    try:
        yield
    finally:
        for owner, attribute, original in reversed(restore):
            setattr(owner, attribute, original)


def _timer(function, label: str, spent: Counter):
    @functools.wraps(function)
    def timer(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started
    return timer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.phases")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sweep", default="stepup_review")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")

    from accredit import create_app
    from accredit.extensions import db
    from accredit.notifications.audiences import shared_for_run
    from accredit.scheduling import registry
    from config import Config

    sweeps = [s for s in registry.sweeps() if s.name not in SKIPPED_SWEEPS]
    names = [s.name for s in sweeps]
    if args.sweep not in names:
        parser.error(f"--sweep must be one of {', '.join(names)}")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=args.database_url, SECRET_KEY="bench")
    now = month_end()
    with app.app_context(), shared_for_run():
        with shared_for_run():
            for sweep in sweeps:
                sweep.run(now - timedelta(days=1))
        before = names.index(args.sweep)
        for sweep in sweeps[:before]:  # the month-end run, in which the repeats go on (shared_for_run outside)
            sweep.run(now)
        db.session.flush()
        _checkpoint(db.engine)
        print(f"{args.sweep} as of {now.isoformat()}, after the day before and {before} sweeps (rolled back)")
        spent: Counter = Counter()
        with timed(spent):
            for _ in range(args.repeat):
                savepoint = db.session.begin_nested()
                started = time.perf_counter()
                done = sweeps[before].run(now)
                db.session.flush()
                print(f"  {time.perf_counter() - started:6.2f} s  {done} done", flush=True)
                savepoint.rollback()
                db.session.expire_all()
        print(f"by phase, per run (of {args.repeat}):")
        for label, seconds in spent.most_common():
            print(f"  {seconds / args.repeat:6.2f} s  {label}")
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()  # no connection left behind (a database with connections cannot be a template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
