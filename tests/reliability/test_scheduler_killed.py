"""`flask jobs run` SIGKILLed partway through a sweep over many teams: the next run finishes the sweep and
nothing is doubled (one self-assessment per team and period, one "period open" notification per team lead). On
PostgreSQL the sweep runs in a worker process forked by the killed one: it must die with it, not commit later."""
from __future__ import annotations

import signal
import subprocess

import sqlalchemy as sa

from accredit.assessments.models import SelfAssessment
from accredit.extensions import db
from accredit.frameworks.schema import load_framework_file
from accredit.frameworks.services import import_framework
from accredit.notifications.models import Notification
from accredit.roles import Role
from config import BASE_DIR
from tests.notifications.fixtures import OPENED, free_port
from tests.reliability.conftest import FLASK, app_env, lock_waiters, poll

TEAMS = 12
NOW = "2026-01-01T00:05"  #: the first day of January's period: open it, and tell every team lead


def _counts() -> tuple[int, int, int]:
    """(self-assessments, self-assessment notifications, distinct keys among them) as committed."""
    db.session.rollback()
    keys = db.session.scalars(sa.select(Notification.dedupe_key).where(
        Notification.dedupe_key.like("assessment:%"))).all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(SelfAssessment)), len(keys), len(set(keys))


def _teams_with_leads(data) -> list:
    """TEAMS teams of the KLOE framework, each with a team lead (committed); returns the leads."""
    import_framework(load_framework_file(BASE_DIR / "frameworks" / "cqc-kloe-2017.yaml"))
    service = data.service(name="Acute medicine")
    leads = []
    for n in range(TEAMS):
        team = data.team(service, name=f"Ward {n + 1}", opened_on=OPENED)
        leads.append(data.user(email=f"lead{n + 1}@test.nhs.uk", role=Role.TEAM_LEAD, scope=team))
    data.commit()
    return leads


def test_scheduler_killed_mid_sweep_finishes_on_the_next_run_with_nothing_doubled(pg_site, data, row_lock):
    leads = _teams_with_leads(data)
    # A notification refers to its recipient: holding the last lead's row stops the reminder sweep at that lead,
    # after it has written the others (the periods sweep before it never touches a person's row).
    lock = row_lock("users", leads[-1].id)
    env = app_env(pg_site, SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()), SMTP_TIMEOUT="2")
    jobs = subprocess.Popen([FLASK, "--app", "wsgi", "jobs", "run", "--now", NOW], cwd=BASE_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    waiting = poll(lambda: _still_running(jobs) and lock_waiters(pg_site.pg_database),
                   timeout=120, what="the reminder sweep to reach the last lead")
    jobs.send_signal(signal.SIGKILL)
    jobs.wait(timeout=15)
    lock.rollback()
    poll(lambda: not set(waiting) & set(_backends(pg_site.pg_database)), what="the killed run's session to end")
    assert jobs.returncode == -signal.SIGKILL
    assert _counts() == (TEAMS, 0, 0)  # the periods sweep had committed; the reminders sweep left nothing behind

    again = pg_site.app.test_cli_runner().invoke(args=["jobs", "run", "--now", NOW])
    assert "open_periods: 0\n" in again.output
    assert f"assessment_reminders: {TEAMS}\n" in again.output
    assert _counts() == (TEAMS, TEAMS, TEAMS)
    recipients = db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.dedupe_key.like("assessment:%")).order_by(Notification.recipient_id)).all()
    assert recipients == sorted(lead.id for lead in leads)

    once_more = pg_site.app.test_cli_runner().invoke(args=["jobs", "run", "--now", NOW])
    assert "assessment_reminders: 0\n" in once_more.output
    assert _counts() == (TEAMS, TEAMS, TEAMS)


def test_scheduler_stopped_mid_sweep_kills_its_worker_before_letting_go(pg_site, data, row_lock):
    """SIGTERM, as a service manager stops the leader, while a sweep's worker waits on a lock: the leader kills
    the worker (its transaction rolls back) before it gives up leadership, and exits at once; nothing that run
    began is committed after a standby could have taken over."""
    leads = _teams_with_leads(data)
    lock = row_lock("users", leads[-1].id)
    env = app_env(pg_site, SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()), SMTP_TIMEOUT="2")
    leader = subprocess.Popen([FLASK, "--app", "wsgi", "scheduler", "run", "--standby-poll", "0.1"], cwd=BASE_DIR,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        waiting = poll(lambda: _still_running(leader) and lock_waiters(pg_site.pg_database),
                       timeout=120, what="the reminder sweep to reach the last lead")
        leader.send_signal(signal.SIGTERM)
        assert leader.wait(timeout=30) == 0  # it did not wait for the stuck sweep
    finally:
        if leader.poll() is None:
            leader.kill()
    lock.rollback()  # a backend waiting on a lock notices its client has gone only once it gets the lock
    poll(lambda: not set(waiting) & set(_backends(pg_site.pg_database)), what="the killed worker's session to end")
    assert _counts() == (TEAMS, 0, 0)  # the periods were opened and committed; the reminders left nothing
    output = leader.stdout.read().decode()
    assert "stopped: the scheduler is stopping" in output


def _still_running(jobs: subprocess.Popen) -> bool:
    assert jobs.poll() is None, jobs.stdout.read().decode()
    return True


def _backends(database: str) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": database}))
