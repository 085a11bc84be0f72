"""Many rows in one statement for the sweeps: inserted (insert_new skipping taken keys, insert_all) and looked up
(one_of). SQLite gets multi-row VALUES and IN lists; PostgreSQL one array per column (see insert_new for why)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from accredit.extensions import db


def insert_new(table: sa.Table, rows: Sequence[dict[str, Any]], *, unique: Sequence[str], returning: sa.Column) -> list:
    """Insert `rows` (dicts with the same keys) into `table`, skipping each one whose `unique` columns are
    already taken; returns the `returning` column of the rows written, in the order given (of those skipped,
    nothing).

    A row that a concurrent transaction has just written is skipped too (on PostgreSQL after waiting for it to
    commit), and neither transaction is aborted: this is how sweeps claim work that two schedulers could race
    for. On PostgreSQL the rows go as one array per column, unnested by the server (`INSERT ... SELECT FROM
    unnest(...)`): a statement of a dozen parameters whatever the number of rows. A multi-row VALUES clause
    binds rows x columns parameters, and psycopg parses such a statement's text in Python each time it is sent
    (too long for its cache): that parsing cost more than the server's insert (30,000 notifications: 2.9 s by
    VALUES, 1.5 s by unnest). On SQLite, one statement compiled once and sent with every row (SQLAlchemy's
    "insertmanyvalues").
    """
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        return _unnested(table, rows, tuple(unique), returning)
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(returning)
    return list(db.session.execute(statement, list(rows)).scalars())


def insert_all(table: sa.Table, rows: Sequence[dict[str, Any]], *, returning: sa.Column) -> list:
    """Insert every one of `rows` (dicts with the same keys) and return their `returning` column in the order
    given; as insert_new, one array per column on PostgreSQL, where a column left out takes its Python-side
    default once for the whole statement (give it in the rows if it must differ by row). For rows no other run
    can be writing at the same time."""
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        return _unnested(table, rows, None, returning)
    statement = sa.insert(table).returning(returning, sort_by_parameter_order=True)
    return list(db.session.execute(statement, list(rows)).scalars())


def _unnested(table: sa.Table, rows: Sequence[dict[str, Any]], unique: tuple[str, ...] | None,
              returning: sa.Column) -> list:
    columns = tuple(rows[0])
    statement = _unnest_insert(table, columns, unique, returning)
    arrays = {f"many_{name}": [row[name] for row in rows] for name in columns}
    return list(db.session.execute(statement, arrays).scalars())


def unnest_rows(name: str, columns: Mapping[str, Any], values: Mapping[str, Sequence[Any]] | None = None, *,
                ordinality: bool = False) -> Any:
    """PostgreSQL: `unnest(:<name>_<column>, ...) AS <name>(<column>, ...)`, a table of rows made from one array
    per column, each array bound with its column's type (`columns`: column -> SQLAlchemy type), so that each
    element is converted as a single row's value would be. `values` (column -> its values, all as long) binds
    them now; without, give `<name>_<column>` arrays when executing (a statement built once). `ordinality` adds
    an `ordinal` column, each row's position from 1."""
    arrays = [sa.bindparam(f"{name}_{column}", *([list(values[column])] if values is not None else []),
                           type_=postgresql.ARRAY(_unbounded(type_), dimensions=1))
              for column, type_ in columns.items()]
    return sa.func.unnest(*arrays).table_valued(
        *[sa.column(column, type_) for column, type_ in columns.items()],
        **({"with_ordinality": "ordinal"} if ordinality else {})).render_derived(name=name)


@lru_cache(maxsize=64)
def _unnest_insert(table: sa.Table, columns: tuple[str, ...], unique: tuple[str, ...] | None,
                   returning: sa.Column) -> Any:
    """`INSERT INTO table (columns) SELECT * FROM unnest(:many_<column>, ...) [ON CONFLICT (unique) DO NOTHING]
    RETURNING returning`: each array bound with its column's type, so each element is converted as a single
    row's value would be (enums, UTC times, JSON). WITH ORDINALITY and ORDER BY insert the rows in the order
    given, so their serial ids and RETURNING come in that order (as SQLAlchemy's own sorted RETURNING assumes
    of ids assigned by a sequence)."""
    # One dimension (unnest_rows): a JSON column's value may itself be a list, which is one element, not a row.
    source = unnest_rows("many", {name: table.c[name].type for name in columns}, ordinality=True)
    rows = sa.select(*[source.c[name] for name in columns]).order_by(source.c.ordinal)
    statement = postgresql.insert(table).from_select(list(columns), rows)
    if unique is not None:
        statement = statement.on_conflict_do_nothing(index_elements=list(unique))
    return statement.returning(returning)


def update_each(table: sa.Table, rows: Sequence[tuple[dict[str, Any], dict[str, Any]]],
                fixed: dict[str, Any] | None = None) -> int:
    """For each (match, new) of `rows`, `UPDATE table SET new's columns (and `fixed`) WHERE match's columns equal
    its values`; returns how many rows matched in all. Every match and every new has the same keys.

    On PostgreSQL one statement, `UPDATE ... FROM unnest(...)`, one array per column: an executemany ran one
    UPDATE per row (the Step-up sweep stores 10,000 scores at a time). SQLite sends the one UPDATE with every row.
    The match is on values given, so a version column checked and bumped goes both in match and in new."""
    if not rows:
        return 0
    matched, changed = tuple(rows[0][0]), tuple(rows[0][1])
    if db.session.get_bind().dialect.name != "postgresql":
        statement = (sa.update(table).where(*[table.c[c] == sa.bindparam(f"m_{c}") for c in matched])
                     .values({**{c: sa.bindparam(f"n_{c}") for c in changed}, **(fixed or {})}))
        params = [{**{f"m_{c}": v for c, v in match.items()}, **{f"n_{c}": v for c, v in new.items()}}
                  for match, new in rows]
        return db.session.execute(statement, params).rowcount
    source = unnest_rows(
        "each_row", {**{f"m_{c}": table.c[c].type for c in matched}, **{f"n_{c}": table.c[c].type for c in changed}},
        {**{f"m_{c}": [match[c] for match, _ in rows] for c in matched},
         **{f"n_{c}": [new[c] for _, new in rows] for c in changed}})
    statement = (sa.update(table).where(*[table.c[c] == source.c[f"m_{c}"] for c in matched])
                 .values({**{c: source.c[f"n_{c}"] for c in changed}, **(fixed or {})}))
    return db.session.execute(statement).rowcount


def one_of(column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """`column IN (values)` for a sweep's long lists (hundreds of ids or keys a chunk). On PostgreSQL it is
    `column IN (SELECT unnest(:array))`, one parameter: an IN list binds one parameter per value, and psycopg
    parses the statement's text in Python for each of them every time it is sent. The planner also takes the
    unnested values as rows to look up one by one in `column`'s index, where for `= ANY(...)` or an IN list of
    500 ids it chose a parallel scan of the whole table (the Step-up sweep's ratings of 10,000 teams' latest
    self-assessments: 0.60 s -> 0.25 s). The same rows either way."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        array = sa.bindparam(None, values, type_=postgresql.ARRAY(_unbounded(column.type)))
        return column.in_(sa.select(sa.func.unnest(array)))
    return column.in_(values)


def binary_arrays(dbapi_connection: Any) -> None:
    """Send Python lists to PostgreSQL in its binary array format (a new psycopg connection, from create_app).

    psycopg's default for a list is the text format, built in Python: each element is searched for characters
    that need quoting, and quoted text has its quotes and backslashes escaped by a regular expression. For a
    sweep's arrays of notification bodies (60,000 of ~1 KB at the turn of the month) that was 80% of the
    insert's time in this process. The binary format sends each element as its length and bytes, converted by
    psycopg's C dumpers. The last dumper registered for a class is the one psycopg uses."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _unbounded(type_: Any) -> Any:
    """`type_` without its length, for an array's cast: an explicit cast to VARCHAR(n)[] cuts longer text short
    without a word, where putting it into the column refuses it (and a key cut short could match another)."""
    if isinstance(type_, sa.String) and type_.length is not None:
        type_ = type_.copy()
        type_.length = None
    return type_
