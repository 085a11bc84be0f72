"""The administrator's organisation CSV import page: all rows or none, every problem with its line."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.org.admin import IMPORT_COLUMNS
from accredit.org.imports import COLUMNS, TYPES
from accredit.org.models import Division, Service, Team
from accredit.roles import Role
from forms.org import NOT_UTF8
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors, table_rows

ADMIN = "/admin/organisation"
HEADER = ",".join(COLUMNS)


def post(client, data: dict, **kwargs):
    token = csrf_token_from(client.get(f"{ADMIN}/import"))
    return client.post(f"{ADMIN}/import", data={**data, "csrf_token": token}, content_type="multipart/form-data")


def upload(client, content: bytes, filename: str = "organisation.csv"):
    return post(client, {"file": (io.BytesIO(content), filename)})


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def admin(factory):
    user = factory.user(name="Alex Admin", role=Role.ADMIN)
    factory.commit()
    return user


@pytest.fixture
def as_admin(client, auth, admin):
    auth.login(admin)
    return client


def test_import_good_file_creates_exact_counts(as_admin, admin, factory):
    existing = factory.team(name="Old name")
    factory.commit()
    content = (
        f"{HEADER}\n"
        "MED,Medicine,MED-A,Acute,T1,Ward 1,inpatient_ward\n"
        "MED,Medicine,MED-A,Acute,T2,Ward 2,inpatient_ward\n"
        "MED,Medicine,MED-C,Community,T3,District North,community_team\n"
        "MH,Mental health,MH-A,Adult,T4,Crisis North,crisis_team\n"
        f"{existing.division.code},{existing.division.name},{existing.service.code},{existing.service.name},"
        f"{existing.code},New name,inpatient_ward\n"
    ).encode()
    response = upload(as_admin, content)
    assert (response.status_code, response.location) == (302, f"{ADMIN}/")
    assert flashed(as_admin.get(response.location)) == [
        "Import complete: 2 divisions, 3 services and 4 teams added; 1 team updated; 0 rows unchanged"
    ]
    assert (count(Division), count(Service), count(Team)) == (3, 4, 5)
    db.session.expire_all()
    assert existing.name == "New name"
    opened = db.session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "team.open",
                                                                     AuditEvent.actor_id == admin.id)).all()
    assert opened == [admin.id] * 4


def test_import_bad_row_changes_nothing_and_shows_line(as_admin):
    content = (
        f"{HEADER}\n"
        "MED,Medicine,MED-A,Acute,T1,Ward 1,inpatient_ward\n"
        "MED,Medicine,MED-A,Acute,T2,Ward 2,inpatient_ward\n"
        "MED,Medicine,MED-A,Acute,T3,Ward 3,spaceship\n"
        "MED,Medicine,MED-A,Acute,T4,Ward 4,inpatient_ward\n"
    ).encode()
    response = upload(as_admin, content)
    assert response.status_code == 200
    assert summary_errors(response) == [
        "organisation.csv was not imported, and nothing was changed. Correct the 1 problem below and upload it again."
    ]
    assert table_rows(response)[0] == ["4", f"team_type 'spaceship' is not one of {TYPES}"]
    assert (count(Division), count(Service), count(Team)) == (0, 0, 0)


def test_import_failing_late_row_rolls_back_earlier_rows(as_admin, factory):
    factory.division(code="OTHER", name="Medicine")  # the name is taken under another code: row 2 fails on apply
    factory.commit()
    content = f"{HEADER}\nSURG,Surgery,S-A,General,T1,Ward 1,inpatient_ward\nMED,Medicine,M-A,Acute,T2,Ward 2,inpatient_ward\n"
    response = upload(as_admin, content.encode())
    assert table_rows(response)[0] == ["3", "A division called Medicine already exists"]
    assert (count(Division), count(Service), count(Team)) == (1, 0, 0)


def test_import_utf8_with_bom_accepted(as_admin):
    content = "\ufeff" + f"{HEADER}\nMED,Médecine,MED-A,Acute,T1,Ward Zoë,inpatient_ward\n"
    response = upload(as_admin, content.encode("utf-8"))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Team.name)).all() == ["Ward Zoë"]
    assert db.session.scalars(sa.select(Division.name)).all() == ["Médecine"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (f"{HEADER}\nMED,Médecine,MED-A,Acute,T1,Ward,inpatient_ward\n".encode("latin-1"), "o.csv", NOT_UTF8),
        (f"{HEADER}\nMED,Medicine,MED-A,Acute,T1,Ward,inpatient_ward\n".encode("utf-16"), "o.csv", NOT_UTF8),
        (f"{HEADER}\n".encode(), "organisation.xlsx", "The file must be a CSV file ending in .csv"),
        (b"", "empty.csv", "The file is empty"),
        (HEADER.encode() + b"\n" + b"x" * (2 * 1024 * 1024), "big.csv",
         "The file must be 2 MB or smaller; split it and import each part"),
    ],
    ids=["latin-1", "utf-16", "not-csv", "empty", "too-large"],
)
def test_import_bad_file_refused_next_to_field(as_admin, content, filename, message):
    response = upload(as_admin, content, filename)
    assert response.status_code == 200
    assert field_error(response, "file") == message
    assert count(Division) == 0


def test_import_without_file_refused(as_admin):
    response = post(as_admin, {})
    assert field_error(response, "file") == "Choose a CSV file to import"


def test_import_page_shows_columns_and_example_download_imports(as_admin):
    page = as_admin.get(f"{ADMIN}/import")
    assert [row[0] for row in table_rows(page)] == COLUMNS
    example = as_admin.get(f"{ADMIN}/import/example.csv")
    assert (example.status_code, example.mimetype) == (200, "text/csv")
    assert example.headers["Content-Disposition"] == "attachment; filename=organisation-example.csv"
    assert example.get_data(as_text=True).splitlines()[0] == HEADER
    response = upload(as_admin, example.get_data())
    assert response.status_code == 302
    assert (count(Division), count(Service), count(Team)) == (2, 2, 3)


def test_import_columns_described_match_the_importer():
    assert list(IMPORT_COLUMNS) == COLUMNS
