"""models_base: timestamps are aware UTC datetimes on both backends, and a naive one is refused."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.auth.models import User
from accredit.extensions import db


def test_timestamps_come_back_as_utc(app, factory):
    """On PostgreSQL the connection's time zone is UTC (create_app), so psycopg's values need no conversion
    (UTCDateTime does none there); on SQLite the offset is put back."""
    user = factory.user()
    db.session.commit()
    db.session.expire_all()
    read = db.session.scalar(sa.select(User.created_at).where(User.id == user.id))
    assert read.tzinfo is UTC and read == user.created_at
    if app.config["BACKEND"] == "postgresql":
        assert db.session.scalar(sa.text("SHOW timezone")) == "UTC"
        # A timestamp the server makes itself is UTC too, with the same instant.
        now = db.session.scalar(sa.select(sa.func.now().cast(User.__table__.c.created_at.type)))
        assert now.tzinfo is UTC


def test_naive_timestamps_are_refused(app):
    with pytest.raises(sa.exc.StatementError, match="naive datetimes are refused"):
        db.session.execute(sa.select(AuditEvent.id).where(AuditEvent.at < datetime(2026, 1, 1))).all()
