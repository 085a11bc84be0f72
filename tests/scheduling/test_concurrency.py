"""Two schedulers running every sweep at the same moment, each on its own connection: every reminder once."""
from __future__ import annotations

import threading

from accredit.extensions import db
from accredit.notifications.models import EmailState
from accredit.roles import Role
from accredit.scheduling.runner import parse_now, run_all
from tests.notifications.fixtures import OPENED, notifications, smtp, ward  # noqa: F401

DAYS = ["2026-01-01T00:05", "2026-01-07T09:00", "2026-01-15T09:00", "2026-01-21T09:00"]


def run_together(app, when: str, schedulers: int = 2) -> list:
    """Run every sweep as of `when` in `schedulers` threads at once, each with its own app context and session."""
    start = threading.Barrier(schedulers)
    results: list = [None] * schedulers

    def scheduler(index: int) -> None:
        with app.app_context():
            start.wait(timeout=10)
            results[index] = run_all(parse_now(when))
            db.session.remove()

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(schedulers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [t.is_alive() for t in threads] == [False] * schedulers
    return results


def test_two_schedulers_at_once_write_and_send_each_reminder_once(app, ward, factory, smtp):
    medicine = ward.team.service
    for n in range(4):
        team = factory.team(medicine, name=f"Ward 1{n}", opened_on=OPENED)
        factory.user(email=f"lead1{n}@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
    factory.commit()
    for when in DAYS:
        run_together(app, when)
    rows = notifications()
    keys = [n.dedupe_key for n in rows]
    # Opened: Ward 7's lead and nurse, Ward 9's lead, 4 more leads; then due-7, overdue-1 and overdue-7 for 6 teams.
    assert (len(keys), len(set(keys))) == (25, 25)
    assert [n.email_state for n in rows] == [EmailState.SENT] * 25
    message_ids = [m["Message-ID"] for m in smtp.messages]
    assert (len(message_ids), len(set(message_ids))) == (25, 25)
    assert sorted(smtp.recipients()) == sorted(n.recipient.email for n in rows)
    assert sorted(smtp.recipients()).count("medql@test.nhs.uk") == 5  # one escalation per Medicine team


def test_two_schedulers_at_once_each_run_twice_change_nothing_more(app, ward, smtp):
    run_together(app, "2026-01-15T09:00")
    first = [(n.dedupe_key, n.attempts) for n in notifications()]
    run_together(app, "2026-01-15T09:00")
    assert [(n.dedupe_key, n.attempts) for n in notifications()] == first
    assert len(smtp.messages) == len(first)
