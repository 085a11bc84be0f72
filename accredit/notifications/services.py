"""Notification state changes: claim and write one or a batch, deliver the outbox, daily digests, mark read, retry."""
from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from accredit import audit
from accredit.bulk import insert_new, one_of
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.notifications.links import absolute_url, path_for
from accredit.notifications.mailer import DeliveryError, Mailer, build_message
from accredit.notifications.models import EmailState, Notification
from accredit.notifications.modes import NotificationMode

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
BACKOFF_MINUTES = (1, 5, 15, 60, 240)  #: wait after the 1st, 2nd, ... failed attempt; the last repeats
LEASE = timedelta(minutes=10)  #: an attempt that died with its process is retried after this
BATCH = 200  #: emails per delivery sweep; the next sweep (a minute later) takes the rest
#: Notifications per multi-row INSERT: 500 rows of 11 columns bind 5,500 parameters, well under SQLite's 32,766
#: (since 3.32; RETURNING needs 3.35 anyway) and PostgreSQL's 65,535.
CHUNK = 500


class NotificationError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Note:
    """One notification to write (see notify for what each field means)."""

    user: Any
    kind: str
    key: str  #: claims it: `assessment:3:due-7:2026-01-14:12`
    subject: str
    template: str  #: `<template>.txt` and `<template>.html` are rendered
    context: Mapping[str, Any] | None = None
    link: str | None = None
    in_app: bool = True


@dataclass(frozen=True)
class Owed:
    """A note for notify_many to make only if `key` is still free: `build()` gives the Note (its subject, context
    and link), so that a sweep whose owed reminders are nearly all sent already builds only the few that are not."""

    user: Any
    key: str
    build: Callable[[], Note]


def notify(user: Any, *, kind: str, key: str, subject: str, template: str, context: Mapping[str, Any] | None = None,
           link: str | None = None, in_app: bool = True, at: datetime | None = None) -> Notification | None:
    """Write the notification that `key` names for `user`, unless that key is already claimed.

    Renders `<template>.txt` and `<template>.html` now (with `context`, `recipient` and `link_url`), so the row
    keeps exactly what was said. Its email is pending, or skipped for a person who takes the daily digest
    (in-app notifications only; a digest itself is always sent). `at` is when it happened (default now).
    The insert is `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`: of two schedulers racing for one key,
    exactly one writes the row and neither transaction is aborted.
    Returns the new row; None if the key was already claimed or the user is inactive. Flushes.
    """
    note = Note(user, kind, key, subject, template, context, link, in_app)
    new_ids = _write_chunk([note], at or utcnow())
    return db.session.get(Notification, new_ids[0]) if new_ids else None


def notify_many(notes: Iterable[Note | Owed], *, at: datetime) -> int:
    """Write each of `notes` as notify() would, CHUNK rows to an INSERT; returns how many rows were written.

    A note for an inactive person, or whose key is already claimed (by an earlier note of this batch too), is
    skipped without being rendered (an Owed one without being built): one `taken_keys` query per chunk. Rows go
    in the order given. As in notify(), the insert is `ON CONFLICT (dedupe_key) DO NOTHING`, so of two schedulers
    racing through the same batch each key is written exactly once and neither transaction is aborted. Flushes.
    """
    written, chunk, seen = 0, [], set()
    for note in notes:
        if not note.user.active or note.key in seen:
            continue
        seen.add(note.key)
        chunk.append(note)
        if len(chunk) == CHUNK:
            written += len(_write_chunk(chunk, at))
            chunk = []
    if chunk:
        written += len(_write_chunk(chunk, at))
    return written


def _write_chunk(notes: list[Note | Owed], at: datetime) -> list[int]:
    """Render and insert the notes whose person is active and whose key is free; the ids of the rows written."""
    taken = taken_keys([n.key for n in notes if n.user.active])
    bodies = _Bodies()
    rows = [_row(n.build() if isinstance(n, Owed) else n, at, bodies)
            for n in notes if n.user.active and n.key not in taken]
    if not rows:
        return []
    # taken_keys' query has just flushed the session, so every recipient is in the database.
    table = Notification.__table__
    return insert_new(table, rows, unique=["dedupe_key"], returning=table.c.id)


class _Bodies:
    """Renders a batch's email bodies as Flask's render_template would, for a sweep that renders 60,000.

    The context processors' values are asked once for the batch, not once a body; and each template's own
    globals are merged with them once, then every body's context is that plus the note's values, handed to
    Jinja as the template's whole context (`new_context(shared=True)`) instead of copied again with the globals
    for each render (about 25 -> 14 us a body; the text is the same)."""

    def __init__(self) -> None:
        shared: dict[str, Any] = {}
        current_app.update_template_context(shared)
        self._shared, self._env = shared, current_app.jinja_env
        self._templates: dict[str, tuple[Any, dict[str, Any]]] = {}

    def render(self, name: str, values: Mapping[str, Any]) -> str:
        """`name` rendered with the shared values and the note's `values` (which win)."""
        found = self._templates.get(name)
        if found is None:
            template = self._env.get_template(name)
            found = self._templates[name] = (template, {**template.globals, **self._shared})
        template, base = found
        try:
            return self._env.concat(template.root_render_func(template.new_context({**base, **values}, shared=True)))
        except Exception:
            self._env.handle_exception()  # raises it again with the template's lines, as render() does


def _row(note: Note, at: datetime, bodies: _Bodies) -> dict[str, Any]:
    """What a notification row is: the columns written for `note`, its bodies rendered now."""
    user = note.user
    values = {**(note.context or {}), "recipient": user, "link_url": absolute_url(note.link)}
    digest_reader = note.in_app and user.notification_mode is NotificationMode.DIGEST
    return {
        "recipient_id": user.id, "kind": note.kind, "dedupe_key": note.key, "subject": note.subject[:255],
        "link": note.link, "body_text": bodies.render(f"{note.template}.txt", values).strip() + "\n",
        "body_html": bodies.render(f"{note.template}.html", values), "in_app": note.in_app,
        "created_at": at, "email_state": EmailState.SKIPPED if digest_reader else EmailState.PENDING,
        "attempts": 0,
    }


def taken_keys(keys: list[str]) -> set[str]:
    """Which of `keys` are already claimed (a sweep's cheap check before rendering anything)."""
    taken: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        taken |= set(db.session.scalars(sa.select(Notification.dedupe_key).where(one_of(Notification.dedupe_key, chunk))))
    return taken


def deliver_pending(now: datetime) -> int:
    """Email every pending notification whose time has come, oldest first; returns how many were sent.

    Unlike other services this commits, row by row, because an email cannot be rolled back: each row is claimed
    (attempts + 1, next_attempt_at = a lease) and committed before its email goes, and the outcome is committed
    straight after. So a crash mid-batch never re-sends what was recorded as sent, and an attempt that died
    with its process is retried when its lease runs out. A failure is recorded with its reason and retried
    with backoff (BACKOFF_MINUTES) until NOTIFY_MAX_ATTEMPTS, then `failed`; a 5xx refusal fails at once.
    When the server cannot be reached the batch stops: the rest wait, their attempts uncounted.
    """
    config = current_app.config
    ids = db.session.scalars(
        sa.select(Notification.id).where(Notification.email_state == EmailState.PENDING, _due(now))
        .order_by(Notification.id).limit(BATCH)
    ).all()
    db.session.commit()
    sent = 0
    with Mailer(config) as mailer:
        for notification_id in ids:
            row = _claim_delivery(notification_id, now)
            if row is None:
                continue
            try:
                _send(mailer, row, config, now)
            except DeliveryError as failed:
                _record_failure(row, failed, now, config["NOTIFY_MAX_ATTEMPTS"])
                db.session.commit()
                if failed.connection:
                    break
                continue
            row.email_state, row.sent_at, row.next_attempt_at = EmailState.SENT, now, None
            db.session.commit()
            sent += 1
    return sent


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)


def _claim_delivery(notification_id: int, now: datetime) -> Notification | None:
    """Take one pending row for this attempt (committed), or None if another deliverer has it."""
    claimed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == EmailState.PENDING, _due(now))
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(Notification, notification_id) if claimed == 1 else None


def _send(mailer: Mailer, row: Notification, config: Mapping[str, Any], now: datetime) -> None:
    if not row.recipient.active:
        raise DeliveryError("Not sent: the person's account has been deactivated", permanent=True)
    mailer.send(build_message(row, config, now))


def _record_failure(row: Notification, failed: DeliveryError, now: datetime, max_attempts: int) -> None:
    log.warning("notification %s (%s): attempt %s failed: %s", row.id, row.dedupe_key, row.attempts, failed.reason)
    row.last_error = failed.reason
    if failed.permanent or row.attempts >= max_attempts:
        row.email_state, row.next_attempt_at = EmailState.FAILED, None
    else:
        wait = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
        row.next_attempt_at = now + timedelta(minutes=wait)


def send_digests(now: datetime) -> int:
    """Write today's digest email for everyone with notifications waiting for one; returns how many.

    Runs from NOTIFY_DIGEST_HOUR (London) onwards. Each digest is claimed by `digest:<user id>:<date>`, so a
    person gets at most one a day however often this runs; what arrives after today's digest waits for
    tomorrow's. The notifications it lists point to it (digest_id). Flushes.
    """
    local = now.astimezone(LONDON)
    if local.hour < current_app.config["NOTIFY_DIGEST_HOUR"]:
        return 0
    waiting = db.session.scalars(
        sa.select(Notification).where(Notification.email_state == EmailState.SKIPPED, Notification.digest_id.is_(None))
        .order_by(Notification.recipient_id, Notification.created_at, Notification.id)
    ).all()
    made = 0
    for _, group in itertools.groupby(waiting, key=lambda n: n.recipient_id):
        items = list(group)
        digest = _digest_for(items, local, now)
        if digest is None:
            continue
        for item in items:
            item.digest_id = digest.id
        made += 1
    db.session.flush()
    return made


def _digest_for(items: list[Notification], local: datetime, now: datetime) -> Notification | None:
    user, day = items[0].recipient, local.date()
    count = f"{len(items)} notification{'s' if len(items) != 1 else ''}"
    return notify(user, kind="digest", key=f"digest:{user.id}:{day.isoformat()}",
                  subject=f"Accredit: {count} for {day.strftime('%-d %B %Y')}", template="notifications/emails/digest",
                  context={"items": items, "day": day, "absolute_url": absolute_url},
                  link=path_for("notifications.index"), in_app=False, at=now)


def mark_read(notification: Notification, *, at: datetime | None = None) -> None:
    """Mark one notification read (already read: unchanged). Flushes."""
    if notification.read_at is None:
        notification.read_at = at or utcnow()
        db.session.flush()


def mark_all_read(user: Any, *, at: datetime | None = None) -> int:
    """Mark every unread notification of `user` read; returns how many. Flushes."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None), Notification.in_app.is_(True))
        .values(read_at=at or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def retry(notification: Notification, *, by: Any) -> None:
    """Put a failed email back in the outbox to be sent at the next delivery, attempts counted afresh.

    Side effects: email_state pending, attempts 0, an audit row. Raises NotificationError unless it failed.
    """
    if notification.email_state is not EmailState.FAILED:
        raise NotificationError(f"Only a failed email can be retried; this one is {notification.email_state.label.lower()}")
    notification.email_state, notification.attempts, notification.next_attempt_at = EmailState.PENDING, 0, None
    audit.record("notification.retry", notification, by=by, data={"last_error": notification.last_error})
    db.session.flush()


def set_notification_mode(user: Any, mode: NotificationMode) -> None:
    """Choose immediate emails or a daily digest for `user`; what is already waiting is unaffected. Audited."""
    if user.notification_mode is mode:
        return
    user.notification_mode = mode
    audit.record("user.notification_mode", user, by=user, data={"mode": mode.value})
    db.session.flush()
