"""accredit.bulk on both backends: insert_new writes what a row-by-row insert would, in order, and skips taken
keys; one_of finds what IN finds. On PostgreSQL both bind one array per column (see bulk.py for why)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.bulk import insert_all, insert_new, one_of, update_each
from accredit.extensions import db
from accredit.notifications.models import EmailState, Notification
from tests.notifications.fixtures import notifications
from tests.statements import statements_sent

AT = datetime(2026, 3, 1, 7, 0, 12, 345678, tzinfo=UTC)
TABLE = Notification.__table__


def row(user_id: int, key: str, **overrides) -> dict:
    return {"recipient_id": user_id, "kind": "test.bulk", "dedupe_key": key, "subject": f"About {key}",
            "link": None, "body_text": "It's \"quoted\", {braced}, C:\\shared\\NULL and 100% plain\n",
            "body_html": "<p>Ünïcode ✓</p>",
            "in_app": True, "created_at": AT, "email_state": EmailState.PENDING, "attempts": 0, **overrides}


def stored() -> list[tuple]:
    return [(n.dedupe_key, n.link, n.body_text, n.body_html, n.email_state, n.created_at, n.in_app)
            for n in notifications()]


def test_insert_new_returns_the_rows_written_in_the_order_given(app, factory):
    user = factory.user()
    rows = [row(user.id, key) for key in ("c", "a", "b")]
    rows[1].update(link="/self-assessments/3", email_state=EmailState.SKIPPED, in_app=False)
    ids = insert_new(TABLE, rows, unique=["dedupe_key"], returning=TABLE.c.id)
    assert ids == sorted(ids) and len(ids) == 3
    assert stored() == [
        ("c", None, rows[0]["body_text"], "<p>Ünïcode ✓</p>", EmailState.PENDING, AT, True),
        ("a", "/self-assessments/3", rows[0]["body_text"], "<p>Ünïcode ✓</p>", EmailState.SKIPPED, AT, False),
        ("b", None, rows[0]["body_text"], "<p>Ünïcode ✓</p>", EmailState.PENDING, AT, True),
    ]


def test_insert_new_skips_taken_keys_and_keeps_what_was_there(app, factory):
    user = factory.user()
    [first] = insert_new(TABLE, [row(user.id, "a", subject="The first")], unique=["dedupe_key"], returning=TABLE.c.id)
    ids = insert_new(TABLE, [row(user.id, "a", subject="The second"), row(user.id, "b")],
                     unique=["dedupe_key"], returning=TABLE.c.id)
    assert len(ids) == 1 and ids[0] != first
    assert [(n.dedupe_key, n.subject) for n in notifications()] == [("a", "The first"), ("b", "About b")]
    assert insert_new(TABLE, [], unique=["dedupe_key"], returning=TABLE.c.id) == []


def test_insert_new_is_one_statement_whose_text_does_not_grow_with_the_rows_on_postgresql(app, factory):
    user = factory.user()
    db.session.flush()
    with statements_sent() as few:
        insert_new(TABLE, [row(user.id, f"few{i}") for i in range(3)], unique=["dedupe_key"], returning=TABLE.c.id)
    with statements_sent() as many:
        ids = insert_new(TABLE, [row(user.id, f"many{i}") for i in range(300)], unique=["dedupe_key"],
                         returning=TABLE.c.id)
    assert (len(ids), len(few), len(many)) == (300, 1, 1)
    if app.config["BACKEND"] == "postgresql":  # one array per column; SQLite's VALUES list grows with the rows
        assert many == few and "unnest" in many[0]


def test_one_of_finds_what_in_finds(app, factory):
    user = factory.user()
    ids = insert_new(TABLE, [row(user.id, key) for key in ("a", "b", "it's", "d")], unique=["dedupe_key"],
                     returning=TABLE.c.id)

    def keys(condition) -> list[str]:
        return list(db.session.scalars(sa.select(Notification.dedupe_key).where(condition).order_by(Notification.id)))

    assert keys(one_of(Notification.id, [ids[3], ids[0], 10**9])) == keys(Notification.id.in_([ids[3], ids[0]])) \
        == ["a", "d"]
    assert keys(one_of(Notification.dedupe_key, ["it's", "b", "zzz"])) == ["b", "it's"]
    assert keys(one_of(Notification.id, [])) == []


def test_insert_all_keeps_json_values_whole(app):
    table = AuditEvent.__table__
    data = [[{"kind": "missed", "on": "2026-02-01"}, {"kind": "late", "on": "2026-03-01"}], {"team_id": 7}, None, []]
    rows = [{"at": AT, "actor_id": None, "action": "test.bulk", "subject_type": "system", "subject_id": i,
             "from_state": None, "to_state": None, "reason": None, "workflow_version": None, "data": value}
            for i, value in enumerate(data)]
    ids = insert_all(table, rows, returning=table.c.id)
    found = dict(db.session.execute(sa.select(AuditEvent.id, AuditEvent.data).where(AuditEvent.id.in_(ids))).all())
    assert [found[i] for i in ids] == data


def test_insert_new_refuses_text_too_long_for_its_column_on_postgresql(app, factory):
    """An array cast to VARCHAR(255)[] would cut a 300-character key short without a word; it must be refused
    as a single row's insert refuses it. (SQLite keeps any length.)"""
    user = factory.user()
    long_key = "k" * 300
    if app.config["BACKEND"] != "postgresql":
        insert_new(TABLE, [row(user.id, long_key, subject="Short")], unique=["dedupe_key"], returning=TABLE.c.id)
        assert db.session.scalar(sa.select(Notification.dedupe_key)) == long_key
        return
    with pytest.raises(sa.exc.DataError, match="too long"):
        with db.session.begin_nested():
            insert_new(TABLE, [row(user.id, long_key, subject="Short")], unique=["dedupe_key"], returning=TABLE.c.id)
    insert_new(TABLE, [row(user.id, "k" * 255, subject="Short")], unique=["dedupe_key"], returning=TABLE.c.id)
    assert [n.dedupe_key for n in notifications()] == ["k" * 255]
    assert db.session.scalars(sa.select(Notification.id).where(one_of(Notification.dedupe_key, [long_key]))).all() == []


def test_lists_are_sent_to_postgresql_in_binary(app, factory):
    """The sweeps' arrays go in PostgreSQL's binary format (bulk.binary_arrays): psycopg's text format quotes and
    escapes each element in Python. An array of text with quotes, backslashes, NULL-looking words and empty
    strings, and an array of nothing but NULLs, arrive as they were."""
    user = factory.user()
    db.session.flush()
    if app.config["BACKEND"] == "postgresql":
        from psycopg.adapt import PyFormat
        from psycopg.types.array import ListBinaryDumper

        raw = db.session.connection().connection.dbapi_connection
        assert raw.adapters.get_dumper(list, PyFormat.AUTO) is ListBinaryDumper
    texts = ['"', "\\", "NULL", "", "{a,b}", " spaced "]
    insert_new(TABLE, [row(user.id, f"b{i}", body_html=text) for i, text in enumerate(texts)],
               unique=["dedupe_key"], returning=TABLE.c.id)
    assert [n.body_html for n in notifications()] == texts
    assert {n.link for n in notifications()} == {None}


def test_update_each_sets_each_rows_values_where_its_match_holds(app, factory):
    """One UPDATE for many rows (one array per column on PostgreSQL): each row gets its own values and the fixed
    ones, a row whose match no longer holds (a version changed meanwhile) is left alone and not counted."""
    user = factory.user()
    db.session.flush()
    ids = insert_new(TABLE, [row(user.id, f"u{i}") for i in range(3)], unique=["dedupe_key"], returning=TABLE.c.id)
    matched = update_each(TABLE, [({"id": ids[0], "attempts": 0}, {"attempts": 5, "link": "/a"}),
                                  ({"id": ids[1], "attempts": 9}, {"attempts": 6, "link": "/b"}),  # stale
                                  ({"id": ids[2], "attempts": 0}, {"attempts": 7, "link": None})],
                          fixed={"last_error": "fixed"})
    db.session.expire_all()
    assert matched == 2
    assert [(n.attempts, n.link, n.last_error) for n in notifications()] == [
        (5, "/a", "fixed"), (0, None, None), (7, None, "fixed")]
    assert update_each(TABLE, []) == 0
