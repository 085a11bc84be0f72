"""Counting the SQL statements a piece of work sends: guards that a sweep or page costs as many statements for
more rows (no timings)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from accredit.extensions import db


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The statements sent to the database inside the block, in order, as sent."""
    sent: list[str] = []

    def watch(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)
