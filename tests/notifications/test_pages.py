"""The notifications page, the unread count in the header, the email choice, and the administrator's outbox."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event

from accredit.extensions import db
from accredit.notifications.models import EmailState
from accredit.notifications.modes import NotificationMode
from tests.helpers import csrf_token_from, field_error, flashed, table_rows
from tests.notifications.fixtures import notifications, ward, write_notification  # noqa: F401

AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def header_link(response) -> str:
    """The text of the header's notifications link."""
    html = response.get_data(as_text=True)
    match = re.search(r'<a class="nhsuk-header__account-link" href="/notifications">(.*?)</a>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split()) if match else ""


def listed(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'<a href="/notifications/\d+">(.*?)</a>', html, re.S)]


def test_header_shows_the_unread_count_with_one_query(client, auth, ward):
    for key in ("k1", "k2", "k3"):
        write_notification(ward.lead, key, at=AT)
    write_notification(ward.nurse, "theirs", at=AT)
    notifications()[0].read_at = AT
    db.session.commit()
    auth.login(ward.lead)
    counts: list[str] = []

    def watch(conn, cursor, statement, *args):
        if "count(" in statement.lower() and "notifications" in statement:
            counts.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        home = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert (header_link(home), len(counts)) == ("Notifications (2 new)", 1)


def test_header_shows_no_count_when_all_are_read(client, auth, ward):
    auth.login(ward.lead)
    assert header_link(client.get("/")) == "Notifications"


def test_notifications_page_lists_only_mine_newest_first_and_never_digests(client, auth, ward):
    write_notification(ward.lead, "older", at=AT)
    write_notification(ward.lead, "newer", at=AT.replace(hour=10))
    write_notification(ward.lead, "digest", at=AT, in_app=False)
    write_notification(ward.nurse, "theirs", at=AT)
    db.session.commit()
    auth.login(ward.lead)
    page = client.get("/notifications")
    assert (page.status_code, listed(page)) == (200, ["Ward 7: reminder newer", "Ward 7: reminder older"])
    assert "<h1>Notifications</h1>" in page.get_data(as_text=True)


def test_opening_a_notification_marks_it_read_and_goes_to_the_thing(client, auth, ward):
    row = write_notification(ward.lead, "k1", at=AT, link="/teams/1")
    db.session.commit()
    auth.login(ward.lead)
    response = client.get(f"/notifications/{row.id}")
    assert (response.status_code, response.location) == (302, "/teams/1")
    assert notifications()[0].read_at is not None
    assert listed(client.get("/notifications?show=unread")) == []


def test_someone_elses_notification_answers_404(client, auth, ward):
    row = write_notification(ward.nurse, "theirs", at=AT)
    db.session.commit()
    auth.login(ward.lead)
    token = csrf_token_from(client.get("/account"))
    answers = [client.get(f"/notifications/{row.id}").status_code,
               client.post(f"/notifications/{row.id}/read", data={"csrf_token": token}).status_code,
               client.get("/notifications/999999").status_code]
    assert (answers, notifications()[0].read_at) == ([404, 404, 404], None)


def test_mark_read_and_mark_all_read_buttons(client, auth, ward):
    rows = [write_notification(ward.lead, key, at=AT) for key in ("k1", "k2", "k3")]
    db.session.commit()
    auth.login(ward.lead)
    token = csrf_token_from(client.get("/notifications"))
    one = client.post(f"/notifications/{rows[0].id}/read", data={"csrf_token": token}, follow_redirects=True)
    assert (flashed(one), header_link(one)) == (["Marked as read: Ward 7: reminder k1"], "Notifications (2 new)")
    rest = client.post("/notifications/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert (flashed(rest), header_link(rest)) == (["Marked 2 notifications as read"], "Notifications")


def test_account_page_saves_the_email_choice(client, auth, ward):
    auth.login(ward.lead)
    token = csrf_token_from(client.get("/account"))
    saved = client.post("/account/notifications", data={"csrf_token": token, "mode": "digest"}, follow_redirects=True)
    assert flashed(saved) == ["Your email choice has been saved"]
    assert 'value="digest" checked' in saved.get_data(as_text=True).replace('checked=""', "checked")
    db.session.expire_all()
    assert ward.lead.notification_mode is NotificationMode.DIGEST


def test_account_page_refuses_an_unknown_email_choice_next_to_the_field(client, auth, ward):
    auth.login(ward.lead)
    token = csrf_token_from(client.get("/account"))
    refused = client.post("/account/notifications", data={"csrf_token": token, "mode": "weekly"})
    assert (refused.status_code, field_error(refused, "mode")) == (400, "Not a valid choice.")
    db.session.expire_all()
    assert ward.lead.notification_mode is NotificationMode.IMMEDIATE


# --- The outbox ------------------------------------------------------------------------------------------------


def outbox_rows(response) -> list[list[str]]:
    return [[row[1], row[3], row[4]] if len(row) > 1 else row for row in table_rows(response)]


def test_outbox_shows_what_was_sent_and_what_failed_and_filters(client, auth, ward):
    sent = write_notification(ward.lead, "sent", at=AT)
    sent.email_state, sent.sent_at, sent.attempts = EmailState.SENT, AT, 1
    failed = write_notification(ward.nurse, "failed", at=AT.replace(hour=10))
    failed.email_state, failed.attempts, failed.last_error = EmailState.FAILED, 6, "Connection refused"
    db.session.commit()
    auth.login(ward.admin)
    everything = client.get("/admin/outbox/")
    assert outbox_rows(everything) == [
        ["Nia Nurse nurse@test.nhs.uk", "Failed", "6"], ["Lee Lead lead@test.nhs.uk", "Sent", "1"]]
    assert table_rows(everything)[0][5].startswith("Connection refused")
    assert outbox_rows(client.get("/admin/outbox/?state=failed")) == [["Nia Nurse nurse@test.nhs.uk", "Failed", "6"]]
    assert outbox_rows(client.get("/admin/outbox/?recipient=LEAD@")) == [["Lee Lead lead@test.nhs.uk", "Sent", "1"]]
    assert outbox_rows(client.get("/admin/outbox/?kind=digest")) == [["No notifications match these filters."]]


def test_outbox_retry_button_puts_a_failure_back(client, auth, ward):
    failed = write_notification(ward.nurse, "failed", at=AT)
    failed.email_state, failed.attempts, failed.last_error = EmailState.FAILED, 6, "Connection refused"
    db.session.commit()
    auth.login(ward.admin)
    item = client.get(f"/admin/outbox/{failed.id}")
    assert ("Connection refused" in item.get_data(as_text=True), item.status_code) == (True, 200)
    token = csrf_token_from(item)
    retried = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert flashed(retried) == ["The email to nurse@test.nhs.uk will be sent again within a minute"]
    assert [(n.email_state, n.attempts) for n in notifications()] == [(EmailState.PENDING, 0)]
    again = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert flashed(again) == ["Only a failed email can be retried; this one is waiting to send"]


def test_outbox_is_for_administrators_only(client, auth, ward):
    failed = write_notification(ward.nurse, "failed", at=AT)
    failed.email_state = EmailState.FAILED
    db.session.commit()
    auth.login(ward.trust_quality_lead)
    token = csrf_token_from(client.get("/account"))
    answers = [client.get("/admin/outbox/").status_code, client.get(f"/admin/outbox/{failed.id}").status_code,
               client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": token}).status_code]
    assert answers == [403, 403, 403]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(failed))) == 1
