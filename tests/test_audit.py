"""The audit trail: rows are written, never changed or removed (by the ORM or the database), and can be filtered."""
from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit import audit
from accredit.audit import AuditAppendOnlyError, AuditEvent
from accredit.extensions import db
from accredit.roles import Role
from tests.helpers import field_error, summary_errors
from workflows.team import TeamStatus

REFUSAL = "audit rows are append-only"
ROW = re.compile(
    r'<td class="nhsuk-table__cell"><code>([^<]*)</code></td>\s*<td class="nhsuk-table__cell">([^<]*)</td>'
)


def committed_rows(*columns) -> list[tuple]:
    """Audit rows as another connection sees them (only what was committed), oldest first."""
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*columns).order_by(AuditEvent.id))]


@pytest.fixture
def event(factory):
    team = factory.team()
    user = factory.user(password=None)
    row = audit.record("close", team, by=user, from_state=TeamStatus.ACTIVE, to_state=TeamStatus.CLOSED,
                       reason="Ward refurbished", workflow_version="1", data={"into": None})
    factory.commit()
    return row


def test_record_writes_one_row(factory):
    team = factory.team()
    user = factory.user(password=None)
    factory.commit()
    before = len(committed_rows(AuditEvent.id))
    audit.record("close", team, by=user, from_state=TeamStatus.ACTIVE, to_state=TeamStatus.CLOSED,
                 reason="Ward refurbished", workflow_version="1", data={"note": "temporary"})
    db.session.commit()
    rows = committed_rows(AuditEvent.actor_id, AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id,
                          AuditEvent.from_state, AuditEvent.to_state, AuditEvent.reason,
                          AuditEvent.workflow_version, AuditEvent.data)
    assert len(rows) == before + 1
    assert rows[-1] == (user.id, "close", "teams", team.id, "active", "closed", "Ward refurbished", "1",
                        {"note": "temporary"})


def test_record_without_subject_or_actor_is_the_system(app):
    row = audit.record("jobs.run", data={"jobs": 3})
    db.session.commit()
    assert (row.actor_id, row.subject_type, row.subject_id, row.at.tzinfo) == (None, "system", None, UTC)


def test_changing_audit_row_through_orm_is_refused(event):
    event.reason = "Something else"
    with pytest.raises(AuditAppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert committed_rows(AuditEvent.reason)[-1] == ("Ward refurbished",)


def test_deleting_audit_row_through_orm_is_refused(event):
    count = len(committed_rows(AuditEvent.id))
    db.session.delete(event)
    with pytest.raises(AuditAppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert len(committed_rows(AuditEvent.id)) == count


def test_bulk_orm_update_is_refused_by_database(event):
    with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):
        db.session.execute(sa.update(AuditEvent).values(reason="Rewritten"))
    db.session.rollback()
    assert committed_rows(AuditEvent.reason)[-1] == ("Ward refurbished",)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET reason = 'Rewritten'", "DELETE FROM audit_events"],
    ids=["update", "delete"],
)
def test_raw_sql_change_is_refused_by_database(event, statement):
    before = committed_rows(AuditEvent.id, AuditEvent.reason)
    with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):
        with db.engine.begin() as conn:  # a connection of its own: nothing of the application's in the way
            conn.execute(sa.text(statement))
    assert committed_rows(AuditEvent.id, AuditEvent.reason) == before


def test_truncate_is_refused_by_postgresql(app, event):
    if app.config["BACKEND"] != "postgresql":
        return  # SQLite has no TRUNCATE; DELETE is refused above
    before = committed_rows(AuditEvent.id, AuditEvent.reason)
    with pytest.raises(sa.exc.DBAPIError, match=REFUSAL):
        with db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_events"))
    assert committed_rows(AuditEvent.id, AuditEvent.reason) == before


# --- The audit page ---------------------------------------------------------------------------------------


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def trail(client, auth, factory):
    """An administrator signed in, and four dated events besides those that building them records."""
    admin = factory.user(email="admin@test.nhs.uk", role=Role.ADMIN)
    lead = factory.user(email="lead@test.nhs.uk", password=None)
    ward, clinic = factory.team(), factory.team()
    dated = [
        (audit.record("close", ward, by=lead, reason="Refurbishment"), utc(2026, 3, 1, 10, 0)),
        (audit.record("reopen", ward, by=admin, reason="Refurbished"), utc(2026, 3, 5, 23, 30)),
        # 23:30 UTC on 30 June is 00:30 on 1 July in London: the trust's day decides
        (audit.record("user.deactivate", lead, by=admin), utc(2026, 6, 30, 23, 30)),
        (audit.record("close", clinic, by=lead, reason="Merged service"), utc(2026, 7, 2, 9, 0)),
    ]
    for row, at in dated:
        row.at = at
    factory.commit()
    auth.login(admin)
    return {"admin": admin, "lead": lead, "ward": ward, "clinic": clinic}


def shown(client, query: str) -> list[tuple[str, str]]:
    response = client.get(f"/audit?{query}")
    assert response.status_code == 200
    rows = ROW.findall(response.get_data(as_text=True))
    return [(action, htmllib.unescape(record).strip()) for action, record in rows]


def test_audit_page_filters_by_action(client, trail):
    ward, clinic = trail["ward"], trail["clinic"]
    assert shown(client, "action=close") == [("close", f"teams #{clinic.id}"), ("close", f"teams #{ward.id}")]


def test_audit_page_filters_by_record_type(client, trail):
    admin, lead = trail["admin"], trail["lead"]
    assert shown(client, "subject_type=users") == [
        ("user.sign_in", f"users #{admin.id}"),
        ("user.deactivate", f"users #{lead.id}"),
        ("user.create", f"users #{lead.id}"),
        ("role.grant", f"users #{admin.id}"),
        ("user.create", f"users #{admin.id}"),
    ]


def test_audit_page_filters_by_actor_email_in_any_case(client, trail):
    admin, lead, ward = trail["admin"], trail["lead"], trail["ward"]
    assert shown(client, "actor=Admin@Test.NHS.uk") == [
        ("user.sign_in", f"users #{admin.id}"),
        ("user.deactivate", f"users #{lead.id}"),
        ("reopen", f"teams #{ward.id}"),
    ]


def test_audit_page_filters_by_date_range_in_london_days(client, trail):
    ward = trail["ward"]
    assert shown(client, "date_from=2026-03-01&date_to=2026-06-30") == [
        ("reopen", f"teams #{ward.id}"),
        ("close", f"teams #{ward.id}"),
    ]
    assert shown(client, "date_from=2026-07-01&date_to=2026-07-01") == [
        ("user.deactivate", f"users #{trail['lead'].id}")
    ]


def test_audit_page_combines_filters(client, trail):
    assert shown(client, "action=close&actor=lead@test.nhs.uk&date_from=2026-07-01") == [
        ("close", f"teams #{trail['clinic'].id}")
    ]


def test_audit_page_with_no_match_says_so(client, trail):
    response = client.get("/audit?action=no.such.action")
    assert ROW.findall(response.get_data(as_text=True)) == []
    assert "No audit records match these filters." in response.get_data(as_text=True)


def _squashed(html: str) -> str:
    """The HTML with runs of whitespace (the NHS.UK macros leave many) made one space, and none before `>`."""
    return re.sub(r"\s+>", ">", re.sub(r"\s+", " ", html))


def test_audit_page_refuses_backwards_date_range_next_to_field(client, trail):
    response = client.get("/audit?date_from=2026-05-01&date_to=2026-04-01")
    html = response.get_data(as_text=True)
    message = "The 'to' date must be the same as or after the 'from' date"
    assert response.status_code == 200
    assert (field_error(response, "date_from"), field_error(response, "date_to")) == (None, message)
    assert summary_errors(response) == [message]
    assert '<a href="#date_to">' in _squashed(html)
    assert 'id="date_from" name="date_from" type="date" value="2026-05-01"' in _squashed(html)
    assert 'id="date_to" name="date_to" type="date" value="2026-04-01"' in _squashed(html)


def test_audit_page_refuses_impossible_date_next_to_field(client, trail):
    response = client.get("/audit?date_from=2026-13-45")
    html = response.get_data(as_text=True)
    assert field_error(response, "date_from") == "Not a valid date value."
    assert 'id="date_from" name="date_from" type="date" value="2026-13-45"' in _squashed(html)
