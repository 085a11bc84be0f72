"""Reads over notifications: a person's own list and unread count, and the administrator's outbox."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import joinedload

from accredit.extensions import db
from accredit.notifications.models import Notification


def own_query(user: Any, *, unread_only: bool = False) -> sa.Select:
    """The user's in-app notifications, newest first."""
    query = (sa.select(Notification).where(Notification.recipient_id == user.id, Notification.in_app.is_(True))
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return query.where(Notification.read_at.is_(None)) if unread_only else query


def own_notification(user: Any, notification_id: int) -> Notification | None:
    """One of the user's own notifications; None for a missing one and for anyone else's alike."""
    return db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.recipient_id == user.id)
    )


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread: one COUNT query (the header shows it on every page)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None), Notification.in_app.is_(True))
    ) or 0


def unread_for_current_user() -> int:
    return unread_count(current_user)


def outbox_query() -> sa.Select:
    """Every notification, newest first, with its recipient loaded."""
    return (sa.select(Notification).options(joinedload(Notification.recipient))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))
