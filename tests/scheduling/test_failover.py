"""`flask --app wsgi scheduler run` in real processes: a leader runs, a standby waits, and takes over when the
leader is killed (PostgreSQL advisory lock; on SQLite, the file lock). Every wait is bounded polling."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from config import BASE_DIR
from tests.notifications.fixtures import free_port

DEADLINE_SECONDS = 30  #: generous for a loaded machine; a healthy run takes a second or two


def wait_until(condition: Callable[[], object], what: str) -> object:
    """Poll `condition` until it is truthy; fail after DEADLINE_SECONDS, saying what never happened."""
    give_up = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < give_up:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


class Schedulers:
    """Scheduler processes on the test's database, each logging to its own file; all killed at the end."""

    def __init__(self, database_url: str, var_dir: Path) -> None:
        self.var_dir, self.processes = var_dir, []
        self.env = {**os.environ, "DATABASE_URL": database_url, "ACCREDIT_VAR_DIR": str(var_dir),
                    "ACCREDIT_ENV": "development", "SMTP_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"}

    def start(self, name: str) -> subprocess.Popen:
        log = open(self.var_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process, in stop_all)
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--interval", "0.5",
             "--standby-poll", "0.1"], cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        process.log_file = log
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen) -> str:
        return Path(process.log_file.name).read_text(errors="replace")

    def heartbeat(self) -> dict:
        try:
            return json.loads((self.var_dir / "scheduler-heartbeat.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def leading_and_running(self, process: subprocess.Popen) -> bool:
        beat = self.heartbeat()
        return beat.get("pid") == process.pid and beat.get("runs", 0) >= 1

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=DEADLINE_SECONDS)
            process.log_file.close()


@pytest.fixture
def schedulers(app, tmp_path):
    running = Schedulers(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "scheduler-var")
    running.var_dir.mkdir()
    yield running
    running.stop_all()


def test_standby_takes_over_when_the_leader_is_killed_and_stops_on_sigterm(schedulers):
    leader = schedulers.start("leader")
    wait_until(lambda: schedulers.leading_and_running(leader), "the first scheduler to lead and run the sweeps")
    standby = schedulers.start("standby")
    wait_until(lambda: f"standby (pid {standby.pid})" in schedulers.log(standby), "the second to stand by")
    assert schedulers.heartbeat()["pid"] == leader.pid  # the standby waits while the leader lives

    leader.send_signal(signal.SIGKILL)  # no goodbye: the lock must die with the process
    assert leader.wait(timeout=DEADLINE_SECONDS) == -signal.SIGKILL
    wait_until(lambda: schedulers.leading_and_running(standby), "the standby to take over and run the sweeps")
    assert f"leader (pid {standby.pid})" in schedulers.log(standby)
    results = schedulers.heartbeat()["results"]
    assert sorted(results) == ["action_reminders", "assessment_reminders", "award_expiry_reminders",
                               "close_ended_periods", "daily_digests", "deliver_notifications", "expire_awards",
                               "invitation_reminders", "lapse_invitations", "open_periods", "panel_reminders",
                               "purge_deleted_evidence", "stepup_review", "sweep_evidence_store", "visit_reminders"]

    standby.send_signal(signal.SIGTERM)  # how `make run` and service managers stop it
    assert standby.wait(timeout=DEADLINE_SECONDS) == 0
