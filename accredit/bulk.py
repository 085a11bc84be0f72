"""Writing many rows in one go, the same way on SQLite and PostgreSQL: INSERT ... ON CONFLICT DO NOTHING."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from accredit.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_new(table: sa.Table, rows: Sequence[dict[str, Any]], *, unique: Sequence[str], returning: sa.Column) -> list:
    """Insert `rows` into `table`, skipping each one whose `unique` columns are already taken; returns the
    `returning` column of the rows written (of those skipped, nothing).

    One statement compiled once and sent with every row (SQLAlchemy's "insertmanyvalues" makes multi-row
    INSERTs of it): rendering a VALUES clause per batch costs more than the rows. A row that a concurrent
    transaction has just written is skipped too (on PostgreSQL after waiting for it to commit), and neither
    transaction is aborted: this is how sweeps claim work that two schedulers could race for.
    """
    if not rows:
        return []
    insert = _INSERTS[db.session.get_bind().dialect.name]
    statement = insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(returning)
    return list(db.session.execute(statement, list(rows)).scalars())
