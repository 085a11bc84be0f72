"""`flask --app wsgi jobs run [--now ISO-TIME]` and `flask --app wsgi scheduler run`."""
from __future__ import annotations

import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Run the scheduled sweeps once.")
scheduler_cli = AppGroup("scheduler", help="The long-running scheduler.")


@jobs_cli.command("run")
@click.option("--now", "now_text", metavar="ISO-TIME",
              help="Run as of this time (ISO 8601; without an offset it is London time). Default: now.")
def run_jobs_command(now_text: str | None) -> None:
    """Run every sweep once as of --now, print what each did, and exit (1 if a sweep failed)."""
    from accredit.scheduling.runner import parse_now, run_all

    try:
        now = parse_now(now_text)
    except ValueError as refused:
        raise click.BadParameter(str(refused), param_hint="--now") from None
    results = run_all(now)
    for result in results:
        click.echo(result.line, err=result.error is not None)
    if any(r.error for r in results):
        sys.exit(1)


@scheduler_cli.command("run")
@click.option("--interval", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between runs (default SCHEDULER_INTERVAL_SECONDS, 60).")
@click.option("--standby-poll", type=click.FloatRange(min=0.05), default=5.0, show_default=True,
              help="Seconds between a standby's attempts to take over.")
def run_scheduler_command(interval: float | None, standby_poll: float) -> None:
    """Run the sweeps every minute while this process leads; stand by while another does. Stop with Ctrl-C."""
    from accredit.scheduling.scheduler import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line a minute is ours; theirs is noise
    signal.signal(signal.SIGTERM, _exit)
    try:
        serve(current_app._get_current_object(), standby_poll_seconds=standby_poll,
              interval_seconds=interval or current_app.config["SCHEDULER_INTERVAL_SECONDS"])
    except KeyboardInterrupt:
        click.echo("Scheduler stopped", err=True)


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)  # unwinds serve(): the lock is released and the process ends
