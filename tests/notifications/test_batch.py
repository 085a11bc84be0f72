"""notify_many(): each note written once, claimed keys neither rewritten nor rendered; the month-end sweep's
statements do not grow with the teams."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from accredit.assessments import services as assessments
from accredit.assessments.reminders import send_assessment_reminders
from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.notifications import services
from accredit.notifications.models import EmailState, Notification
from accredit.notifications.modes import NotificationMode
from accredit.org.models import Service
from accredit.roles import Role
from accredit.scheduling.runner import parse_now
from tests.notifications.fixtures import OPENED, notifications, open_assessment, ward, write_notification  # noqa: F401
from tests.statements import statements_sent
from workflows.ratings import Rating

AT = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DIGEST = "notifications/emails/digest"  #: any two templates would do; these need only `items` and `day`


def note(user, key: str, **overrides) -> services.Note:
    values = {"kind": "test.reminder", "subject": f"Ward 7: reminder {key}", "template": DIGEST,
              "context": {"items": [], "day": AT.date(), "absolute_url": lambda p: p}, "link": "/notifications"}
    return services.Note(user=user, key=key, **{**values, **overrides})


def rows() -> list[tuple[str, str, EmailState, datetime]]:
    return [(n.dedupe_key, n.recipient.email, n.email_state, n.created_at) for n in notifications()]


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The templates rendered from now on, in order."""
    seen: list[str] = []
    real = services._Bodies.render

    def spy(self, name, values):
        seen.append(name)
        return real(self, name, values)

    monkeypatch.setattr(services._Bodies, "render", spy)
    return seen


def test_notify_many_writes_each_note_once(ward):
    written = services.notify_many([note(ward.lead, "test:1"), note(ward.nurse, "test:2"), note(ward.lead, "test:1")],
                                   at=AT)
    db.session.commit()
    assert (written, rows()) == (2, [("test:1", "lead@test.nhs.uk", EmailState.PENDING, AT),
                                     ("test:2", "nurse@test.nhs.uk", EmailState.PENDING, AT)])


def test_notify_many_writes_the_rows_notify_would(ward):
    write_notification(ward.lead, "test:one", at=AT, subject="S" * 300)
    services.notify_many([note(ward.lead, "test:many", subject="S" * 300)], at=AT)
    db.session.commit()
    one, many = notifications()
    columns = ("recipient_id", "kind", "subject", "body_text", "body_html", "link", "in_app", "created_at",
               "read_at", "email_state", "attempts", "next_attempt_at", "last_error", "sent_at", "digest_id")
    assert [getattr(many, c) for c in columns] == [getattr(one, c) for c in columns]
    assert (len(many.subject), many.body_text.endswith("\n"), "Hello Lee Lead" in many.body_text) == (255, True, True)


def test_notify_many_neither_rewrites_nor_renders_a_claimed_key(ward, renders):
    write_notification(ward.lead, "test:1", at=AT, subject="The first")
    renders.clear()
    written = services.notify_many([note(ward.lead, "test:1", subject="The second"), note(ward.lead, "test:2")], at=AT)
    db.session.commit()
    assert (written, [(n.dedupe_key, n.subject) for n in notifications()]) == (
        1, [("test:1", "The first"), ("test:2", "Ward 7: reminder test:2")])
    assert renders == [f"{DIGEST}.txt", f"{DIGEST}.html"]


def test_owed_notes_are_built_only_when_their_key_is_free(ward, renders):
    """An Owed note's subject, context and link are made after the key check: a sweep whose 23,000 owed
    reminders are all sent but 98 builds 98."""
    write_notification(ward.lead, "test:1", at=AT, subject="The first")
    built: list[str] = []

    def owed(user, key):
        return services.Owed(user, key, lambda: built.append(key) or note(user, key))

    written = services.notify_many([owed(ward.lead, "test:1"), owed(ward.nurse, "test:2"), owed(ward.lead, "test:2"),
                                    note(ward.lead, "test:3")], at=AT)
    db.session.commit()
    assert (written, built) == (2, ["test:2"])
    assert [(k, email) for k, email, *_ in rows()] == [
        ("test:1", "lead@test.nhs.uk"), ("test:2", "nurse@test.nhs.uk"), ("test:3", "lead@test.nhs.uk")]


def test_notify_many_skips_an_inactive_person_without_rendering(ward, renders):
    accounts.set_active(ward.nurse, False)
    written = services.notify_many([note(ward.nurse, "test:1"), note(ward.lead, "test:2")], at=AT)
    assert (written, [k for k, *_ in rows()], len(renders)) == (1, ["test:2"], 2)


def test_notify_many_skips_the_email_of_a_digest_reader_but_not_a_digest(ward):
    services.set_notification_mode(ward.nurse, NotificationMode.DIGEST)
    services.notify_many([note(ward.nurse, "test:in-app"), note(ward.nurse, "test:digest", in_app=False),
                          note(ward.lead, "test:lead")], at=AT)
    assert [(k, state) for k, _, state, _ in rows()] == [
        ("test:in-app", EmailState.SKIPPED), ("test:digest", EmailState.PENDING), ("test:lead", EmailState.PENDING)]


def test_notify_many_run_twice_writes_nothing_the_second_time(ward, renders):
    batch = [note(user, f"test:{n}:{user.id}") for n in range(3) for user in (ward.lead, ward.nurse)]
    first = services.notify_many(batch, at=AT)
    db.session.commit()
    renders.clear()
    again = services.notify_many(batch, at=AT)
    db.session.commit()
    assert (first, again, len(notifications()), renders) == (6, 0, 6, [])


def test_notify_many_writes_a_batch_larger_than_a_chunk_in_order(ward, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 4)
    keys = [f"test:{n:02}" for n in range(10)]
    write_notification(ward.lead, keys[5], at=AT)  # claimed in the middle of the second chunk
    written = services.notify_many([note(ward.lead, k) for k in keys], at=AT)
    db.session.commit()
    assert (written, [k for k, *_ in rows()]) == (9, [keys[5], *keys[:5], *keys[6:]])


def test_notify_many_of_nothing_asks_nothing(app):
    assert services.notify_many([], at=AT) == 0


def test_notify_many_loses_no_key_to_a_rival_that_claimed_it_meanwhile(ward, monkeypatch):
    # The rival's row arrives between this writer's check and its insert: ON CONFLICT skips that key only.
    real, rivals = services.taken_keys, [ward.lead]

    def then_a_rival_writes(keys):
        taken = real(keys)
        while rivals:  # once: the rival's own notify() checks its key too
            write_notification(rivals.pop(), "test:2", at=AT, subject="The rival's")
        return taken

    monkeypatch.setattr(services, "taken_keys", then_a_rival_writes)
    written = services.notify_many([note(ward.lead, "test:1"), note(ward.lead, "test:2"), note(ward.lead, "test:3")],
                                   at=AT)
    db.session.commit()
    assert (written, [(n.dedupe_key, n.subject) for n in notifications()]) == (
        2, [("test:2", "The rival's"), ("test:1", "Ward 7: reminder test:1"), ("test:3", "Ward 7: reminder test:3")])


# --- The month-end sweep ------------------------------------------------------------------------------------


def more_teams(factory, service_id: int, count: int) -> None:
    """`count` more teams of a service, each with a lead, a member and its January self-assessment (committed)."""
    service = db.session.get(Service, service_id)
    for _ in range(count):
        team = factory.team(service, opened_on=OPENED)
        factory.user(role=Role.TEAM_LEAD, scope=team)
        factory.user(role=Role.TEAM_MEMBER, scope=team)
        open_assessment(team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))


def statements_of_a_sweep(when: str) -> tuple[int, int]:
    """(notifications written, statements sent) for one reminder sweep from an empty session, as a job runs."""
    db.session.execute(sa.delete(Notification))
    db.session.commit()
    db.session.remove()
    with statements_sent() as sent:
        written = send_assessment_reminders(parse_now(when))
    db.session.commit()
    return written, len(sent)


def test_reminder_sweep_statements_do_not_grow_with_the_teams(ward, factory):
    service_id = ward.team.service_id
    more_teams(factory, service_id, 5)
    small = statements_of_a_sweep("2026-01-13T10:00")  # opened to lead and member, due tomorrow to the lead
    more_teams(factory, service_id, 10)
    large = statements_of_a_sweep("2026-01-13T10:00")
    assert (small[0], large[0]) == (15, 45)
    assert large[1] == small[1]


def test_reminders_say_how_many_standards_are_answered(ward):
    assessment = open_assessment(ward.team, date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 14))
    first, second, third, *_ = [r.standard.code for r in assessment.responses]
    assessments.save_answers(assessment, [assessments.Answer(first, Rating.GOOD, "Audited weekly"),
                                          assessments.Answer(second, Rating.GOOD, "\n\t\u00a0 \u3000"),
                                          assessments.Answer(third, None, "No rating yet")], by=ward.lead)
    db.session.commit()
    assert [r.is_answered for r in assessment.responses[:3]] == [True, False, False]
    send_assessment_reminders(parse_now("2026-01-13T10:00"))
    db.session.commit()
    due = notifications("assessment.due")[0]
    total = len(assessment.responses)
    assert f"1 of {total} standards are answered." in due.body_text
