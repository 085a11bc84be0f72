"""The append-only audit record: who did what to which record, from which state to which, and why."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, utcnow


class AuditAppendOnlyError(RuntimeError):
    """Raised when anything tries to change or delete an audit row."""


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),
        sa.Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  #: None for the system
    action: Mapped[str] = mapped_column(sa.String(64))  #: a workflow trigger or a verb like `user.create`
    subject_type: Mapped[str] = mapped_column(sa.String(64))
    subject_id: Mapped[int | None] = mapped_column()
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    workflow_version: Mapped[str | None] = mapped_column(sa.String(32))
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor = relationship("User")


def record(
    action: str,
    subject: Any = None,
    *,
    by: Any = None,
    subject_type: str | None = None,
    from_state: Any = None,
    to_state: Any = None,
    reason: str | None = None,
    workflow_version: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the session (the caller's transaction commits it) and return it.

    `subject` is any mapped object with an `id`; enums in from/to are stored by value.
    """
    row = AuditEvent(**values(action, subject, by=by, subject_type=subject_type, from_state=from_state,
                              to_state=to_state, reason=reason, workflow_version=workflow_version, data=data))
    db.session.add(row)
    return row


def values(action: str, subject: Any = None, *, by: Any = None, subject_type: str | None = None, from_state: Any = None,
           to_state: Any = None, reason: str | None = None, workflow_version: str | None = None,
           data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of the row `record` would add, for `write_all` to insert with others (the time is now)."""
    return {
        "at": utcnow(), "actor_id": getattr(by, "id", None), "action": action,
        "subject_type": subject_type or (subject.__tablename__ if subject is not None else "system"),
        "subject_id": getattr(subject, "id", None), "from_state": getattr(from_state, "value", from_state),
        "to_state": getattr(to_state, "value", to_state), "reason": reason, "workflow_version": workflow_version,
        "data": data,
    }


def write_all(rows: list[dict[str, Any]]) -> None:
    """Insert audit rows made by `values`, in order, in one statement sent with every row (no objects: a sweep's
    thousands of rows are never read back in its transaction)."""
    if rows:
        db.session.execute(sa.insert(AuditEvent.__table__), rows)


def record_many(action: str, subject_type: str, subject_ids: list[int], *, from_state: Any = None, to_state: Any = None,
                reason: str | None = None, workflow_version: str | None = None, data: dict[str, Any] | None = None) -> None:
    """`record` by the system (no actor) for each of many subjects of one table, the same row apart from the
    subject: one INSERT sent with every row, for sweeps that change thousands of records at once."""
    same = values(action, subject_type=subject_type, from_state=from_state, to_state=to_state, reason=reason,
                  workflow_version=workflow_version, data=data)
    write_all([{**same, "subject_id": id_} for id_ in subject_ids])


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    # The application layer refuses first; the database triggers (see the migration) refuse as well.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditAppendOnlyError("audit rows are append-only")
