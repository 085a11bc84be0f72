"""GET /api/v1/notifications: the caller's own notifications, paginated, newest first."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accredit.extensions import db
from tests.api.conftest import ApiClient
from tests.notifications.fixtures import ward, write_notification  # noqa: F401

AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_api_lists_only_the_callers_notifications_newest_first(client, ward):
    for n in range(3):
        write_notification(ward.lead, f"k{n}", at=AT + timedelta(hours=n), link=f"/teams/{ward.team.id}")
    write_notification(ward.lead, "digest", at=AT, in_app=False)
    write_notification(ward.nurse, "theirs", at=AT)
    db.session.commit()
    api = ApiClient(client)
    api.sign_in(ward.lead)
    body = api.get("/api/v1/notifications?per_page=2").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 2)
    assert [(n["subject"], n["read_at"]) for n in body["items"]] == [
        ("Ward 7: reminder k2", None), ("Ward 7: reminder k1", None)]
    first = body["items"][0]
    assert (first["kind"], first["link"], first["created_at"]) == (
        "test.reminder", f"http://127.0.0.1:5000/teams/{ward.team.id}", "2026-01-15T11:00:00+00:00")
    assert "Hello Lee Lead" in first["body"]


def test_api_filters_unread(client, ward):
    rows = [write_notification(ward.lead, f"k{n}", at=AT + timedelta(hours=n)) for n in range(2)]
    rows[0].read_at = AT
    db.session.commit()
    api = ApiClient(client)
    api.sign_in(ward.lead)
    unread = api.get("/api/v1/notifications?unread=true").get_json()
    assert [n["subject"] for n in unread["items"]] == ["Ward 7: reminder k1"]
    assert api.get("/api/v1/notifications?unread=maybe").status_code == 400
