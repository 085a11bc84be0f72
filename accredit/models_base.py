"""Column helpers every domain's models share: enum columns stored by value, UTC timestamps."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def utcnow() -> datetime:
    """Aware UTC now; every timestamp in Accredit is stored in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the offset; this puts it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """None on PostgreSQL: psycopg already gives aware datetimes in the session's time zone, which
        create_app sets to UTC on every connection (`datetime.UTC` itself), so there is nothing to do for each of
        the hundreds of thousands of timestamps a sweep reads (about a microsecond each through
        process_result_value)."""
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """An enum stored as its value in a VARCHAR with a CHECK constraint (portable, migration-friendly)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
