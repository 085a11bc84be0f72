"""The mail server is down for an hour while reminders fall due: once it is back, every notification is
delivered, none twice. Time is driven with `flask jobs run --now` every five minutes; the SMTP server is a real
aiosmtpd, started, stopped (nothing listens on its port for the hour) and started again on the same port."""
from __future__ import annotations

from datetime import datetime, timedelta

from aiosmtpd.controller import Controller

from accredit.notifications.models import EmailState
from tests.notifications.fixtures import Inbox, free_port, notifications, ward  # noqa: F401

START = datetime.fromisoformat("2026-01-01T00:05:00+00:00")  #: January's period opens: everyone is told
OUTAGE = datetime.fromisoformat("2026-01-07T09:00:00+00:00")  #: 7 days before it is due: the leads are reminded
STEP = timedelta(minutes=5)


def run_jobs(app, at: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--now", at.isoformat()])
    return result.output


def test_smtp_down_for_an_hour_delivers_everything_after_it_returns_and_nothing_twice(app, ward):
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5, SMTP_USE_TLS=False, SMTP_USE_SSL=False)
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        run_jobs(app, START)
    finally:
        server.stop()  # the mail server worked, then goes down for an hour, while "due in 7 days" reminders fall due
    before = len(notifications())
    assert (before, len(inbox.messages)) == (3, 3)  # "the self-assessment is open", to the lead, a nurse, Ward 9

    at = OUTAGE
    while at < OUTAGE + timedelta(hours=1):
        run_jobs(app, at)
        at += STEP
    written = notifications()[before:]
    assert len(written) == 2  # Ward 7's and Ward 9's leads
    assert [(n.email_state, n.sent_at) for n in written] == [(EmailState.PENDING, None)] * 2
    # Each run tries the first email that is due and stops at the refused connection; backoff spaces the attempts
    # out, so an hour's outage uses fewer than NOTIFY_MAX_ATTEMPTS and nothing is given up as failed.
    reason = f"Could not deliver through the mail server 127.0.0.1:{port}: "
    assert [n.last_error.startswith(reason) for n in written] == [True] * 2
    assert max(n.attempts for n in written) < app.config["NOTIFY_MAX_ATTEMPTS"]

    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        back = at
        while at < back + timedelta(hours=3) and any(n.email_state is EmailState.PENDING for n in notifications()):
            run_jobs(app, at)
            at += STEP
        rows = notifications()
        assert [n.email_state for n in rows] == [EmailState.SENT] * 5
        assert sorted(inbox.recipients()) == sorted(n.recipient.email for n in rows)
        message_ids = [m["Message-ID"] for m in inbox.messages]
        assert (len(message_ids), len(set(message_ids))) == (5, 5)

        for _ in range(3):  # the scheduler keeps running: nothing more goes out
            run_jobs(app, at)
            at += STEP
        assert len(inbox.messages) == 5
        assert [n.email_state for n in notifications()] == [EmailState.SENT] * 5
    finally:
        server.stop()
