"""The outbox: one row per notification, claimed by a unique key, carrying its email's delivery state."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow


class EmailState(enum.Enum):
    """Where a notification's email stands."""

    PENDING = "pending"  #: to be sent at next_attempt_at (or at once when that is empty)
    SENT = "sent"
    FAILED = "failed"  #: gave up after the last attempt, or refused for good; an administrator may retry
    SKIPPED = "skipped"  #: the person takes a daily digest: it goes out in that email instead

    @property
    def label(self) -> str:
        return {"pending": "Waiting to send", "sent": "Sent", "failed": "Failed",
                "skipped": "In daily digest"}[self.value]


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint("email_state != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_notifications_recipient_unread", "recipient_id", "read_at"),
        sa.Index("ix_notifications_delivery", "email_state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(64))  #: `assessment.due`, `digest`, ...
    #: claims the notification: a second attempt to create the same one finds the key taken and does nothing
    dedupe_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)  #: rendered when the row is created, so it never changes
    body_html: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(500))  #: path of the thing concerned, e.g. /self-assessments/3
    in_app: Mapped[bool] = mapped_column(default=True)  #: False for digest emails, which only summarise others
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_state: Mapped[EmailState] = mapped_column(enum_column(EmailState, "email_state"), default=EmailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    #: the earliest time to (re)try; while an attempt is under way it is the attempt's lease
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the digest email that carried this one (digest readers only)
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notifications.id"), index=True)

    recipient = relationship("User")

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.dedupe_key}>"
