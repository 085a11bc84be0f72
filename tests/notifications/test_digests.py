"""Daily digests: one email a day per person who chose them, from 07:00 London time, listing what waited."""
from __future__ import annotations

from datetime import date

from accredit.assessments.reminders import send_assessment_reminders
from accredit.extensions import db
from accredit.notifications import services
from accredit.notifications.models import EmailState
from accredit.notifications.modes import NotificationMode
from accredit.scheduling.runner import parse_now, run_all
from tests.notifications.fixtures import (  # noqa: F401
    notifications, open_assessment, smtp, ward, write_notification,
)


def digests() -> list[tuple[str, str, str]]:
    """(recipient, key, subject) of every digest row."""
    return [(n.recipient.email, n.dedupe_key, n.subject) for n in notifications("digest")]


def test_digest_goes_once_a_day_from_seven_london_time(ward):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    open_assessment(ward.team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))
    send_assessment_reminders(parse_now("2026-01-01T00:05"))
    made = [services.send_digests(parse_now(t)) for t in ("2026-01-01T06:59", "2026-01-01T07:00", "2026-01-01T18:00")]
    db.session.commit()
    assert made == [0, 1, 0]
    nurse_id = ward.nurse.id
    assert digests() == [("nurse@test.nhs.uk", f"digest:{nurse_id}:2026-01-01",
                          "Accredit: 1 notification for 1 January 2026")]
    (digest,) = notifications("digest")
    assert (digest.in_app, digest.email_state) == (False, EmailState.PENDING)
    assert "- Ward 7: the January 2026 self-assessment is open" in digest.body_text
    assert [(n.recipient.email, n.email_state, n.digest_id) for n in notifications("assessment.opened")] == [
        ("lead@test.nhs.uk", EmailState.PENDING, None), ("nurse@test.nhs.uk", EmailState.SKIPPED, digest.id)]


def test_digest_leaves_what_came_after_it_for_the_next_day(ward):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    write_notification(ward.nurse, "morning", at=parse_now("2026-01-05T06:00"))
    services.send_digests(parse_now("2026-01-05T07:30"))
    write_notification(ward.nurse, "afternoon", at=parse_now("2026-01-05T15:00"))
    same_day = services.send_digests(parse_now("2026-01-05T16:00"))
    next_day = services.send_digests(parse_now("2026-01-06T07:00"))
    db.session.commit()
    assert (same_day, next_day) == (0, 1)
    assert [d[1].rsplit(":", 1)[1] for d in digests()] == ["2026-01-05", "2026-01-06"]
    second = notifications("digest")[1]
    assert ("Ward 7: reminder afternoon" in second.body_text, "Ward 7: reminder morning" in second.body_text) == (
        True, False)


def test_digest_hour_is_london_time_in_summer(ward):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    write_notification(ward.nurse, "k1", at=parse_now("2026-06-01T05:00"))
    # 05:59 UTC is 06:59 BST: too early; 06:00 UTC is 07:00 BST.
    made = [services.send_digests(parse_now(t)) for t in ("2026-06-01T05:59:00+00:00", "2026-06-01T06:00:00+00:00")]
    assert made == [0, 1]


def test_digest_reader_gets_one_email_and_immediate_reader_each(ward, smtp):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    open_assessment(ward.team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))
    db.session.commit()
    run_all(parse_now("2026-01-07T07:00"))  # opened (team) and due in 7 days (lead), then digests, then delivery
    run_all(parse_now("2026-01-07T07:01"))
    assert [(m["To"].addresses[0].addr_spec, m["Subject"]) for m in smtp.messages] == [
        ("lead@test.nhs.uk", "Ward 7: the January 2026 self-assessment is open"),
        ("lead@test.nhs.uk", "Ward 7: the January 2026 self-assessment is due in 7 days"),
        ("ward9@test.nhs.uk", "Ward 9: the January 2026 self-assessment is open"),  # opened by the run itself
        ("ward9@test.nhs.uk", "Ward 9: the January 2026 self-assessment is due in 7 days"),
        ("nurse@test.nhs.uk", "Accredit: 1 notification for 7 January 2026"),
    ]
    digest_text = smtp.messages[4].get_body(("plain",)).get_content()
    assessment_link = f"http://127.0.0.1:5000{notifications('assessment.opened')[0].link}"
    assert assessment_link in digest_text
