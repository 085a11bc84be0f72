"""Bulk loading for the generator: COPY on PostgreSQL, executemany Core inserts on SQLite.

Rows are tuples in the order of the columns named for each table; ids are assigned by the generator, so
sequences are moved past them once loading is done (`finish`).
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

CHUNK = 20_000


def _with_defaults(table: sa.Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]):
    """Add the model's Python-side defaults for the columns the generator does not name.

    Other areas add columns as they grow; a new NOT NULL column with a default is filled rather than refused.
    """
    extra: list[tuple[str, Any]] = []
    for column in table.c:
        if column.name in columns or column.default is None or column.primary_key:
            continue
        default = column.default
        if default.is_scalar:
            extra.append((column.name, default.arg))
        elif default.is_callable:
            extra.append((column.name, default.arg(None)))
    if not extra:
        return columns, rows
    tail = tuple(getattr(value, "value", value) for _, value in extra)  # enums by value, as stored
    return (*columns, *(name for name, _ in extra)), (row + tail for row in rows)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return str(value)  # ints, dates (ISO), enums never reach here (the generator writes their values)


class BulkLoader:
    """Loads rows into one database connection, counting rows and seconds per table."""

    def __init__(self, engine: sa.Engine, metadata: sa.MetaData):
        self.engine = engine
        self.metadata = metadata
        self.is_postgres = engine.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def load(self, table_name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], *,
             defer_indexes: bool = False) -> int:
        """Insert every row into `table_name`; returns how many.

        With `defer_indexes` (PostgreSQL), the table's secondary indexes and unique constraints are dropped for
        the load and built again afterwards: one sorted build is several times faster than 16 million inserts
        into three b-trees. The primary key stays (other tables' foreign keys hang on it)."""
        started = time.perf_counter()
        table = self.metadata.tables[table_name]
        missing = [c for c in columns if c not in table.c]
        if missing:
            raise KeyError(f"{table_name} has no column(s) {', '.join(missing)}")
        columns, rows = _with_defaults(table, columns, rows)
        deferred = self._drop_indexes(table.name) if defer_indexes and self.is_postgres else []
        count = self._copy(table, columns, rows) if self.is_postgres else self._insert(table, columns, rows)
        if deferred:
            with self.engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
                for statement in deferred:
                    conn.execute(sa.text(statement))
        self.counts[table_name] = self.counts.get(table_name, 0) + count
        self.seconds[table_name] = self.seconds.get(table_name, 0.0) + time.perf_counter() - started
        return count

    def _drop_indexes(self, name: str) -> list[str]:
        """Drop the table's unique constraints and non-key indexes; return the statements that rebuild them."""
        rebuild = []
        with self.engine.begin() as conn:
            for constraint, definition in conn.execute(sa.text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u'"), {"t": name}).all():
                conn.execute(sa.text(f'ALTER TABLE "{name}" DROP CONSTRAINT "{constraint}"'))
                rebuild.append(f'ALTER TABLE "{name}" ADD CONSTRAINT "{constraint}" {definition}')
            for index, definition in conn.execute(sa.text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"), {"t": name}).all():
                conn.execute(sa.text(f'DROP INDEX "{index}"'))
                rebuild.append(definition)
        return rebuild

    def _copy(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        # Rows are encoded as COPY text here, in large writes: psycopg's write_row costs ~25 us a row.
        json_at = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)}
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        raw = self.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                # As a replica, PostgreSQL skips the per-row foreign-key triggers (the generator's ids are
                # consistent by construction; `check_foreign_keys` proves it afterwards). Needs a superuser.
                cursor.execute("SET session_replication_role = replica")
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    lines: list[str] = []
                    for row in rows:
                        lines.append("\t".join([_text(json.dumps(v) if i in json_at and v is not None else v)
                                                for i, v in enumerate(row)]))
                        if len(lines) >= CHUNK:
                            copy.write("\n".join(lines) + "\n")
                            count += len(lines)
                            lines = []
                    if lines:
                        copy.write("\n".join(lines) + "\n")
                        count += len(lines)
            raw.commit()
        finally:
            raw.close()
        return count

    def _insert(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        chunk: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            for row in rows:
                chunk.append(dict(zip(columns, row)))
                if len(chunk) >= CHUNK:
                    conn.execute(table.insert(), chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                conn.execute(table.insert(), chunk)
                count += len(chunk)
        return count

    def finish(self) -> None:
        """Move every id sequence past the ids loaded, and refresh the planner's statistics."""
        with self.engine.begin() as conn:
            if self.is_postgres:
                for name in self.counts:
                    table = self.metadata.tables[name]
                    if "id" in table.c and table.c.id.primary_key:
                        conn.execute(sa.text(
                            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM \"{name}\"))"))
        if self.is_postgres:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        else:
            with self.engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))

    def check_foreign_keys(self) -> list[str]:
        """Every foreign key of every loaded table, checked in one anti-join each; returns the broken ones.

        COPY ran as a replica, without the per-row checks: this proves the generator's ids after the fact.
        """
        broken = []
        with self.engine.connect() as conn:
            for name in self.counts:
                for fk in self.metadata.tables[name].foreign_keys:
                    child, parent = fk.parent, fk.column
                    orphans = conn.execute(sa.text(
                        f'SELECT count(*) FROM "{name}" c WHERE c."{child.name}" IS NOT NULL AND NOT EXISTS '
                        f'(SELECT 1 FROM "{parent.table.name}" p WHERE p."{parent.name}" = c."{child.name}")')).scalar()
                    if orphans:
                        broken.append(f"{name}.{child.name}: {orphans} rows point at no {parent.table.name}")
        return broken
