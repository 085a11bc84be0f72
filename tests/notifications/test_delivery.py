"""Delivery through a real SMTP server on 127.0.0.1: sent once, refusals retried with backoff, nothing lost."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.notifications import services
from accredit.notifications.models import EmailState
from tests.notifications.fixtures import (  # noqa: F401
    Inbox, closed_port, free_port, notifications, smtp, ward, write_notification,
)

AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
BUSY = "The mail server refused the message: 451 4.3.0 Mailbox busy, try again later"


def state() -> list[tuple[str, EmailState, int, datetime | None, str | None]]:
    """(recipient, email state, attempts, next attempt, last error) of every row."""
    return [(n.recipient.email, n.email_state, n.attempts, n.next_attempt_at, n.last_error) for n in notifications()]


def test_delivery_sends_each_email_once_with_text_html_and_link(ward, smtp):
    write_notification(ward.lead, "k1", at=AT)
    write_notification(ward.nurse, "k2", at=AT)
    db.session.commit()
    assert (services.deliver_pending(AT), services.deliver_pending(AT + MINUTE)) == (2, 0)
    assert smtp.recipients() == ["lead@test.nhs.uk", "nurse@test.nhs.uk"]
    message = smtp.messages[0]
    assert (message["Subject"], message["From"], str(message["To"]), message["Auto-Submitted"]) == (
        "Ward 7: reminder k1", "accredit@localhost", "Lee Lead <lead@test.nhs.uk>", "auto-generated")
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    assert "See all your notifications: http://127.0.0.1:5000/notifications" in text
    assert '<a href="http://127.0.0.1:5000/notifications"' in html
    assert [(n.email_state, n.attempts, n.sent_at, n.next_attempt_at) for n in notifications()] == [
        (EmailState.SENT, 1, AT, None)] * 2


def test_delivery_message_id_is_stable_for_a_notification(ward, smtp):
    row = write_notification(ward.lead, "k1", at=AT)
    db.session.commit()
    services.deliver_pending(AT)
    assert smtp.messages[0]["Message-ID"].startswith(f"<accredit.{row.id}.")


def test_delivery_retries_a_refusing_server_with_backoff_then_sends_once(ward, smtp):
    smtp.refuse = 2
    write_notification(ward.lead, "k1", at=AT)
    db.session.commit()
    sent = [services.deliver_pending(AT)]
    after_first = state()
    sent.append(services.deliver_pending(AT + timedelta(seconds=30)))  # not due yet: untouched
    sent.append(services.deliver_pending(AT + MINUTE))
    after_second = state()
    sent.append(services.deliver_pending(AT + 6 * MINUTE))
    assert sent == [0, 0, 0, 1]
    assert after_first == [("lead@test.nhs.uk", EmailState.PENDING, 1, AT + MINUTE, BUSY)]
    assert after_second == [("lead@test.nhs.uk", EmailState.PENDING, 2, AT + 6 * MINUTE, BUSY)]
    assert (smtp.refused, smtp.recipients()) == (2, ["lead@test.nhs.uk"])
    assert [(n.email_state, n.attempts, n.sent_at) for n in notifications()] == [(EmailState.SENT, 3, AT + 6 * MINUTE)]


def test_delivery_to_a_closed_port_counts_one_attempt_and_waits_with_the_rest(ward, closed_port):
    for key in ("k1", "k2", "k3"):
        write_notification(ward.lead, key, at=AT)
    db.session.commit()
    assert services.deliver_pending(AT) == 0
    rows = state()
    assert [r[1:3] for r in rows] == [(EmailState.PENDING, 1), (EmailState.PENDING, 0), (EmailState.PENDING, 0)]
    assert rows[0][4].startswith(f"Could not deliver through the mail server 127.0.0.1:{closed_port}: ")
    assert "Connection refused" in rows[0][4]


def test_delivery_after_the_server_comes_back_sends_everything_once(app, ward, smtp):
    for key in ("k1", "k2"):
        write_notification(ward.lead, key, at=AT)
    db.session.commit()
    running_on = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # the server is down
    services.deliver_pending(AT)
    app.config["SMTP_PORT"] = running_on  # and up again
    assert (services.deliver_pending(AT + MINUTE), services.deliver_pending(AT + 2 * MINUTE)) == (2, 0)
    assert smtp.recipients() == ["lead@test.nhs.uk", "lead@test.nhs.uk"]
    assert [(n.email_state, n.attempts) for n in notifications()] == [(EmailState.SENT, 2), (EmailState.SENT, 1)]


def test_delivery_gives_up_after_the_last_attempt_and_an_admin_retry_sends_it(app, ward, smtp):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    smtp.refuse = 5
    row = write_notification(ward.lead, "k1", at=AT)
    db.session.commit()
    services.deliver_pending(AT)
    services.deliver_pending(AT + MINUTE)
    assert state() == [("lead@test.nhs.uk", EmailState.FAILED, 2, None, BUSY)]
    assert services.deliver_pending(AT + timedelta(days=1)) == 0  # failed stays failed
    smtp.refuse = 0
    services.retry(db.session.get(type(row), row.id), by=ward.admin)
    db.session.commit()
    assert (services.deliver_pending(AT + timedelta(days=1)), smtp.recipients()) == (1, ["lead@test.nhs.uk"])


def test_delivery_fails_at_once_on_a_permanent_refusal(ward, smtp):
    smtp.reject = 1
    write_notification(ward.lead, "k1", at=AT)
    write_notification(ward.nurse, "k2", at=AT)
    db.session.commit()
    assert services.deliver_pending(AT) == 1  # the connection stays usable for the next message
    assert state() == [
        ("lead@test.nhs.uk", EmailState.FAILED, 1, None, "The mail server refused the message: 550 5.1.1 No such mailbox"),
        ("nurse@test.nhs.uk", EmailState.SENT, 1, None, None)]


def test_delivery_after_a_crash_mid_attempt_retries_when_the_lease_ends(ward, smtp):
    row = write_notification(ward.lead, "k1", at=AT)
    db.session.commit()
    services._claim_delivery(row.id, AT)  # the process died right after claiming, before sending
    assert services.deliver_pending(AT + 5 * MINUTE) == 0  # still leased: nobody else sends it meanwhile
    assert services.deliver_pending(AT + services.LEASE) == 1
    assert ([(n.email_state, n.attempts) for n in notifications()], len(smtp.messages)) == ([(EmailState.SENT, 2)], 1)


def test_delivery_to_a_deactivated_person_fails_with_the_reason(ward, smtp):
    write_notification(ward.nurse, "k1", at=AT)
    db.session.commit()
    accounts.set_active(ward.nurse, False)
    db.session.commit()
    assert (services.deliver_pending(AT), smtp.messages) == (0, [])
    assert state() == [("nurse@test.nhs.uk", EmailState.FAILED, 1, None,
                        "Not sent: the person's account has been deactivated")]


@pytest.fixture
def smtp_with_login(app):
    """An SMTP server that wants a username and password (plain AUTH allowed without TLS, on loopback only)."""
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"accredit", b"s3cret-from-env")
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_USERNAME="accredit", SMTP_TIMEOUT=5)
    yield inbox
    controller.stop()


@pytest.mark.parametrize("password, sent", [("s3cret-from-env", 1), ("wrong", 0)])
def test_delivery_signs_in_with_the_configured_credentials(app, ward, smtp_with_login, password, sent):
    app.config["SMTP_PASSWORD"] = password
    write_notification(ward.lead, "k1", at=AT)
    db.session.commit()
    assert (services.deliver_pending(AT), len(smtp_with_login.messages)) == (sent, sent)
    error = notifications()[0].last_error or ""
    assert error.startswith("The mail server 127.0.0.1:") == (sent == 0)
