"""`python -m bench.run`: the benchmarks of issue 9, each printed as a ratio against its limit.

    python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1/bench_accredit \
        [--only coverage,pages,sweep]

- coverage: the dashboard page and GET /api/v1/coverage for the whole trust against bare SQL computing the same
  figures on the same database, side by side (limit 1.5x);
- pages: a team page and a self-assessment save against `/bench/constant`, a route returning a constant, under the
  same gunicorn and settings, interleaved (limits in LIMITS);
- sweep: the scheduler's month-end run (the first day of next month, 07:00 London) as the scheduler runs it,
  sweeps side by side, on a copy of the database made for it and dropped afterwards: its time and the
  notifications written (limit 10 s). `--only sweeps`: the same sweeps one after another in one transaction
  rolled back, for the time of each. The scheduler runs every day, so the day before is run first (untimed
  against the limit, its time printed): the synthetic trust is generated as of today, and without that run the
  month-end figure would also hold weeks of catch-up reminders that a running scheduler sends on the days they
  fall due.
  `--sweep-catch-up` leaves it out and times the first run after the scheduler was down since today.

The month-end rush (200 simulated staff for 3 minutes) is bench/rush.py, run with locust; one sweep of the
month-end run, timed by phase, is bench/phases.py.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa

from bench import driver
from bench.server import gunicorn
from bench.trust import BENCH_PASSWORD

LIMITS = {
    "coverage page": 1.5, "coverage API": 1.5,  #: x bare SQL (the issue's target)
    "team page": 10.0, "self-assessment save": 15.0,  #: x the constant route's mean, same server
    "month-end run": 10.0,  #: seconds
}
LONDON = ZoneInfo("Europe/London")


def verdict(name: str, value: float, unit: str = "x") -> str:
    limit = LIMITS[name]
    ratio = value / limit
    return f"{name:<22} {value:8.2f}{unit} against a limit of {limit:g}{unit}: {ratio:5.2f} of the limit " \
           f"{'OK' if ratio <= 1 else 'OVER'}"


def sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/sign-in", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token},
                          allow_redirects=False)
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in ({answer.status_code})")
    return session


def api_session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{base}/api/v1/tokens", json={"email": email, "password": BENCH_PASSWORD})
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return session


def editable_assessments(engine: sa.Engine, count: int) -> list[tuple[int, int, str, str]]:
    """(team id, assessment id, lead's email, a standard code) of this month's open or in-progress assessments."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT a.team_id, a.id, 'lead.' || lower(t.code) || '@bench.nhs.uk', s.code FROM self_assessments a "
            "JOIN teams t ON t.id = a.team_id JOIN standards s ON s.framework_version_id = a.framework_version_id "
            "AND s.position = 1 WHERE a.status IN ('open', 'in_progress') AND a.period_start = "
            "CAST(date_trunc('month', now() AT TIME ZONE 'Europe/London') AS date) ORDER BY a.team_id LIMIT :n"),
            {"n": count})]


def bench_pages(base: str, engine: sa.Engine, threads: int, per_thread: int, rounds: int) -> list[str]:
    picks = editable_assessments(engine, threads)
    pages = [sign_in(base, email) for _, _, email, _ in picks]
    apis = [api_session(base, email) for _, _, email, _ in picks]
    ratings = ["good", "outstanding"]

    def team_page(session: requests.Session, n: int) -> requests.Response:
        return session.get(f"{base}/teams/{picks[pages.index(session)][0]}")

    versions: dict[int, int] = {}

    def save(session: requests.Session, n: int) -> requests.Response:
        """One standard saved, as the form's autosave does; the version comes from the last answer."""
        team_id, assessment_id, _, code = picks[apis.index(session)]
        if assessment_id not in versions:
            versions[assessment_id] = session.get(f"{base}/api/v1/self-assessments/{assessment_id}").json()["version"]
        body = {"version": versions[assessment_id],
                "responses": [{"standard": code, "rating": ratings[n % 2], "narrative": f"Benchmark save {n}"}]}
        answer = session.put(f"{base}/api/v1/self-assessments/{assessment_id}/responses", json=body)
        if answer.ok:
            versions[assessment_id] = answer.json()["version"]
        return answer

    def constant(session: requests.Session, n: int) -> requests.Response:
        return session.get(f"{base}/bench/constant")

    for session in pages:  # warm each worker's caches and connections
        for _ in range(3):
            team_page(session, 0)
    totals: dict[str, driver.Stats] = {}
    for _ in range(rounds):  # interleaved, so that a busy moment on the shared machine hits all three alike
        for label, sessions, call in (("constant route", pages, constant), ("team page", pages, team_page),
                                      ("self-assessment save", apis, save)):
            stats = driver.run(label, sessions, call, per_thread)
            total = totals.setdefault(label, driver.Stats(label))
            total.latencies += stats.latencies
            total.errors += stats.errors
            total.seconds += stats.seconds
    lines = [s.line() for s in totals.values()]
    floor = totals["constant route"].mean_ms
    for label in ("team page", "self-assessment save"):
        lines.append(verdict(label, totals[label].mean_ms / floor))
    return lines


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_coverage(base: str, engine: sa.Engine, repeat: int) -> list[str]:
    if importlib.util.find_spec("accredit.dashboards.measures") is None:
        return ["coverage: accredit/dashboards/measures.py is not there yet: skipped"]
    from bench import coverage_sql
    from accredit.dashboards.measures import reporting_period
    from workflows.scheme import Scheme

    day = datetime.now(LONDON).date()
    period = reporting_period(day, Scheme())
    page = sign_in(base, "quality.lead@bench.nhs.uk")
    api = api_session(base, "quality.lead@bench.nhs.uk")
    for url, session in ((f"{base}/dashboard", page), (f"{base}/api/v1/coverage", api)):
        session.get(url).raise_for_status()  # warm

    def sql(with_trends: bool):
        with engine.connect() as conn:
            coverage_sql.compute(conn, day, period.start, with_trends=with_trends)

    results = {
        "bare SQL (with trends)": _median_seconds(lambda: sql(True), repeat),
        "dashboard page": _median_seconds(lambda: page.get(f"{base}/dashboard").raise_for_status(), repeat),
        "bare SQL (no trends)": _median_seconds(lambda: sql(False), repeat),
        "coverage API": _median_seconds(lambda: api.get(f"{base}/api/v1/coverage").raise_for_status(), repeat),
    }
    lines = [f"{name:<24} median {seconds * 1000:8.0f} ms of {repeat}" for name, seconds in results.items()]
    lines.append(verdict("coverage page", results["dashboard page"] / results["bare SQL (with trends)"]))
    lines.append(verdict("coverage API", results["coverage API"] / results["bare SQL (no trends)"]))
    return lines


def bench_run_all(database_url: str, *, catch_up: bool = False):
    """The scheduler's run at the turn of the month as the scheduler runs it (scheduling.runner.run_all: on
    PostgreSQL SCHEDULER_WORKERS sweeps side by side, each committing its own transaction), every sweep but email
    delivery and the evidence store's; first the run of the day before, unless `catch_up`. The sweeps commit, so
    this runs on a copy of the database (PostgreSQL: CREATE DATABASE ... TEMPLATE, a few seconds; SQLite: a
    copy of the file), dropped afterwards. Yields its lines as it goes."""
    from accredit import create_app
    from accredit.extensions import db
    from accredit.notifications.models import Notification
    from accredit.scheduling import registry
    from accredit.scheduling.runner import run_all
    from config import Config

    with database_copy(database_url) as copy_url:
        app = create_app(Config, SQLALCHEMY_DATABASE_URI=copy_url, SECRET_KEY="bench")
        now = month_end()
        workers = app.config["SCHEDULER_WORKERS"] if copy_url.startswith("postgresql") else 1
        yield f"month-end run as of {now.isoformat()}, {workers} sweeps at a time, on a copy of the database"
        with app.app_context():
            sweeps = [s for s in registry.sweeps() if s.name not in SKIPPED_SWEEPS]
            if not catch_up:
                eve, started = now - timedelta(days=1), time.perf_counter()
                done = sum(r.count or 0 for r in run_all(eve, sweeps))
                yield (f"  the day before ({eve.isoformat()}), catching up from today: {done} done in "
                       f"{time.perf_counter() - started:.1f} s (not against the limit)")
                _checkpoint(db.engine)
            before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
            db.session.commit()
            started, cpu, busy = time.perf_counter(), time.process_time(), machine_busy()
            results = run_all(now, sweeps)
            elapsed = time.perf_counter() - started
            yield "  " + ", ".join(r.line for r in results)
            yield "  " + cpu_line(elapsed, time.process_time() - cpu, busy)
            first = min(r.started for r in results if r.started)
            yield "  by sweep, start + duration (s): " + ", ".join(
                f"{r.name} {r.started - first:.1f} + {r.seconds:.1f}" for r in results if r.seconds >= 0.05)
            written = db.session.scalar(sa.select(sa.func.count(Notification.id))) - before
            yield f"  notifications written: {written}"
            yield verdict("month-end run", elapsed, " s")
            again = time.perf_counter()
            repeated = sum(r.count or 0 for r in run_all(now, sweeps))
            yield (f"  run again as of the same time: {time.perf_counter() - again:.2f} s, {repeated} done "
                   "(idempotent: 0 expected)")
            db.session.remove()
            db.engine.dispose()


def machine_busy() -> float | None:
    """Seconds of CPU the whole machine has spent busy since boot (Linux's /proc/stat), or None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def cpu_line(elapsed: float, own: float, busy_before: float | None) -> str:
    """How much CPU a timed stretch used: this process's, and the whole machine's (PostgreSQL's with it)."""
    line = f"CPU: {own:.1f} s this process"
    if busy_before is not None:
        busy, cores = machine_busy() - busy_before, os.cpu_count() or 1
        line += f", {busy:.1f} s the whole machine ({busy / (elapsed * cores):.0%} of its {cores} cores)"
    return line


@contextmanager
def database_copy(database_url: str):
    """A copy of the database for work that commits, dropped afterwards; yields its URL."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = Path(f"{url.database}.sweep-copy")
        shutil.copy(url.database, copy)
        try:
            yield url.set(database=str(copy)).render_as_string(hide_password=False)
        finally:
            copy.unlink(missing_ok=True)
        return
    name = f"{url.database}_sweep_copy"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}" STRATEGY FILE_COPY'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_sweep(database_url: str, *, catch_up: bool = False):
    """The scheduler's run at the turn of the month, sweep by sweep one after another in one transaction rolled
    back afterwards (where each sweep's time goes; bench_run_all gives the run's own time, against the limit);
    first the run of the day before, unless `catch_up` (the first run after the scheduler was down since today).

    Yields its lines as it goes, so that a run stopped by a time limit (timeout(1)) still shows the sweeps it
    finished."""
    from accredit import create_app
    from accredit.extensions import db
    from accredit.notifications.audiences import shared_for_run
    from accredit.notifications.models import Notification
    from accredit.scheduling import registry
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench")
    now = month_end()
    yield f"month-end run as of {now.isoformat()} (rolled back afterwards)"
    with app.app_context():
        if not catch_up:
            eve, started = now - timedelta(days=1), time.perf_counter()
            with shared_for_run():
                done = sum(s.run(eve) for s in registry.sweeps() if s.name not in SKIPPED_SWEEPS)
            db.session.flush()
            yield (f"  the day before ({eve.isoformat()}), catching up from today: {done} done in "
                   f"{time.perf_counter() - started:.1f} s (not against the limit)")
            _checkpoint(db.engine)
        before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
        total = 0.0
        with shared_for_run():  # as scheduling.runner.run_all runs them
            for sweep in registry.sweeps():
                if sweep.name in SKIPPED_SWEEPS:
                    continue
                started, cpu = time.perf_counter(), time.process_time()
                count = sweep.run(now)
                db.session.flush()
                elapsed = time.perf_counter() - started
                total += elapsed
                yield (f"  {sweep.name:<26} {elapsed:7.2f} s  {count:>7} done  "
                       f"({time.process_time() - cpu:.2f} s of it this process's CPU)")
        written = db.session.scalar(sa.select(sa.func.count(Notification.id))) - before
        yield f"  notifications written: {written}"
        yield f"  one after another: {total:.2f} s (not against the limit: the scheduler runs them side by side)"
        again = time.perf_counter()
        with shared_for_run():
            repeated = sum(s.run(now) for s in registry.sweeps() if s.name not in SKIPPED_SWEEPS)
        yield (f"  run again as of the same time: {time.perf_counter() - again:.2f} s, {repeated} done "
               "(idempotent: 0 expected)")
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()  # no connection left to the database: the next copy takes it as its template


#: Not timed: delivery sends email, and the evidence sweeps work on files, not on the month's turn.
SKIPPED_SWEEPS = frozenset({"deliver_notifications", "sweep_evidence_store", "purge_deleted_evidence"})


def month_end() -> datetime:
    """07:00 London on the first day of next month, as a UTC time: when the month-end run is timed."""
    today = datetime.now(LONDON).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return datetime(first.year, first.month, first.day, 7, tzinfo=LONDON).astimezone(UTC)


def _checkpoint(engine: sa.Engine) -> None:
    """Write the day before's pages to disk (PostgreSQL), as a day's checkpoints would have: its rows stay in
    the open transaction, but the month-end run no longer starts among 150 MB of dirty buffers to write first."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("CHECKPOINT"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--only", default="coverage,pages,sweep",
                        help="comma-separated: coverage, pages, sweep (the month-end run), sweeps (its sweeps one "
                             "by one; in a process of its own, as each run's leftovers slow the next in one process)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=50, help="per thread per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sweep-catch-up", action="store_true",
                        help="time the month-end run without the day before's run (weeks of reminders at once)")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    engine = sa.create_engine(args.database_url)
    print(f"bench.run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {engine.url.render_as_string(hide_password=True)}")
    if only & {"coverage", "pages"}:
        with gunicorn(args.database_url) as base:
            if "coverage" in only:
                print("\n".join(["", "== coverage dashboard vs bare SQL", *bench_coverage(base, engine, args.repeat)]))
            if "pages" in only:
                print("\n".join(["", "== pages vs a constant route (gunicorn)",
                                 *bench_pages(base, engine, args.threads, args.requests, args.rounds)]))
    engine.dispose()
    if "sweep" in only:
        print("\n== month-end scheduler run", flush=True)
        for line in bench_run_all(args.database_url, catch_up=args.sweep_catch_up):
            print(line, flush=True)
    if "sweeps" in only:
        print("\n== month-end sweeps one by one (rolled back)", flush=True)
        for line in bench_sweep(args.database_url, catch_up=args.sweep_catch_up):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
