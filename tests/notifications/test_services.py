"""notify(): one row per key, bodies rendered at creation, digest readers skipped; read, retry, email choice."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.notifications import services
from accredit.notifications.models import EmailState
from accredit.notifications.modes import NotificationMode
from tests.notifications.fixtures import notifications, ward, write_notification  # noqa: F401

AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def remind(user, key: str = "test:1", **overrides):
    return write_notification(user, key, at=AT, **{"subject": "Ward 7: something is due", **overrides})


def test_notify_writes_one_row_per_key(ward):
    first = remind(ward.lead)
    second = remind(ward.lead)
    db.session.commit()
    assert (first.dedupe_key, second) == ("test:1", None)
    assert [(n.recipient.email, n.kind, n.email_state, n.attempts, n.created_at) for n in notifications()] == [
        ("lead@test.nhs.uk", "test.reminder", EmailState.PENDING, 0, AT)]


def test_notify_renders_text_and_html_with_the_absolute_link(ward):
    row = remind(ward.lead)
    assert "Hello Lee Lead" in row.body_text
    assert "See all your notifications: http://127.0.0.1:5000/notifications" in row.body_text
    assert '<a href="http://127.0.0.1:5000/notifications"' in row.body_html
    assert row.body_html.startswith("<!DOCTYPE html>")


def test_notify_escapes_what_people_typed_in_html_only(ward):
    ward.lead.name = "Lee <b>Lead</b>"
    row = remind(ward.lead)
    assert ("Hello Lee <b>Lead</b>" in row.body_text, "Hello Lee &lt;b&gt;Lead&lt;/b&gt;" in row.body_html) == (
        True, True)


def test_notify_skips_the_email_of_a_digest_reader_but_not_a_digest(ward):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    in_app = remind(ward.nurse, key="test:in-app")
    digest = remind(ward.nurse, key="test:digest", in_app=False)
    assert (in_app.email_state, digest.email_state) == (EmailState.SKIPPED, EmailState.PENDING)


def test_notify_writes_nothing_for_an_inactive_person(ward):
    accounts.set_active(ward.nurse, False)
    assert (remind(ward.nurse), notifications()) == (None, [])


def test_mark_read_and_mark_all_read_touch_only_the_owner(ward):
    mine = [remind(ward.lead, key=f"test:{n}") for n in range(3)]
    theirs = remind(ward.nurse, key="test:theirs")
    services.mark_read(mine[0], at=AT)
    assert services.mark_all_read(ward.lead) == 2
    db.session.commit()
    assert [(n.recipient.email, n.read_at is not None) for n in notifications()] == [
        ("lead@test.nhs.uk", True), ("lead@test.nhs.uk", True), ("lead@test.nhs.uk", True),
        ("nurse@test.nhs.uk", False)]
    assert (mine[0].read_at, theirs.read_at) == (AT, None)


def test_retry_puts_a_failed_email_back_and_is_audited(ward):
    row = remind(ward.lead)
    row.email_state, row.attempts, row.last_error = EmailState.FAILED, 6, "Connection refused"
    services.retry(row, by=ward.admin)
    db.session.commit()
    assert (row.email_state, row.attempts, row.next_attempt_at, row.last_error) == (
        EmailState.PENDING, 0, None, "Connection refused")
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "notification.retry")).one()
    assert (audit.actor_id, audit.subject_id) == (ward.admin.id, row.id)


@pytest.mark.parametrize("state", [EmailState.PENDING, EmailState.SENT, EmailState.SKIPPED])
def test_retry_refuses_what_has_not_failed(ward, state):
    row = remind(ward.lead)
    row.email_state = state
    row.sent_at = AT if state is EmailState.SENT else None
    with pytest.raises(services.NotificationError) as refused:
        services.retry(row, by=ward.admin)
    assert refused.value.reason == f"Only a failed email can be retried; this one is {state.label.lower()}"


def test_set_notification_mode_is_audited_once(ward):
    services.set_notification_mode(ward.lead, NotificationMode.DIGEST)
    services.set_notification_mode(ward.lead, NotificationMode.DIGEST)
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditEvent.data).where(AuditEvent.action == "user.notification_mode")).all()
    assert (ward.lead.notification_mode, rows) == (NotificationMode.DIGEST, [{"mode": "digest"}])
