"""The upload attack set against the evidence library, through the page and through the API alike: each hostile
file is refused with its own clear error (next to the file field; in the API's error body) and nothing is kept:
no row, no file in the store, no temporary file.
"""
from __future__ import annotations

import io
import zipfile
from functools import lru_cache

import pytest

from accredit.roles import Role
from tests.api.conftest import ApiClient
from tests.conftest import AuthActions
from tests.evidence import samples
from tests.evidence.conftest import evidence_rows, stored_blobs, temp_files, upload_page
from tests.helpers import field_error

NOT_ALLOWED = "not a PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG file"
WEB_PAGE = f"The selected file is a web page or an SVG image, {NOT_ALLOWED}"
WEB_CODE = ("The selected file contains web page code (HTML or script), so it cannot be accepted. Upload a PDF, "
            "Word, Excel, PowerPoint, CSV, PNG or JPEG file saved directly from the program that made it")
FOLDERS = "The selected file's name must not contain folders, / or \\. Rename the file and try again"
CONTROLS = "The selected file's name contains hidden control characters. Rename the file and try again"
LIMIT = 2 * samples.MiB  #: EVIDENCE_MAX_BYTES for these tests (above the zip bombs' size), so "oversized" stays small


@lru_cache
def xlsx_bomb(megabytes: int) -> bytes:
    """An .xlsx-shaped ZIP whose workbook part inflates to `megabytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/workbook.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(b"\x00" * samples.MiB)
    return out.getvalue()


#: (name, file name, bytes, status, the exact error)
ATTACKS = [
    ("renamed html", "report.pdf", samples.HTML, 415, WEB_PAGE),
    ("upper-case html", "report.docx", b"<HTML><SCRIPT>alert(1)</SCRIPT></HTML>", 415, WEB_PAGE),
    ("svg with script", "chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     415, WEB_PAGE),
    ("svg renamed png", "chart.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 415, WEB_PAGE),
    ("pdf header then html", "report.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n",
     415, WEB_CODE),
    ("pdf then script after %%EOF", "report.pdf", samples.pdf() + b"<script>alert(1)</script>", 415, WEB_CODE),
    ("png then html", "photo.png", samples.png() + samples.HTML, 415, WEB_CODE),
    ("csv with a byte-order mark then script", "data.csv", b"\xef\xbb\xbf<script>alert(1)</script>,a\n1,2\n",
     415, WEB_PAGE),
    ("zip bomb as docx", "minutes.docx", samples.zip_bomb(), 415,
     "The selected file would unpack to more than 200 MB, so it cannot be accepted"),
    ("zip bomb as xlsx", "budget.xlsx", xlsx_bomb(300), 415,
     "The selected file would unpack to more than 200 MB, so it cannot be accepted"),
    ("zip bomb by ratio as xlsx", "budget.xlsx", xlsx_bomb(20), 415,
     "The selected file is compressed suspiciously far (a zip bomb), so it cannot be accepted"),
    ("oversized", "big.pdf", samples.pdf(b"%" + b"x" * LIMIT + b"\n"), 413,
     "The selected file must be smaller than 2 MB"),
    ("empty", "report.pdf", b"", 400, "The selected file is empty"),
    ("path traversal", "../../etc/passwd.pdf", samples.pdf(), 400, FOLDERS),
    # Doubled: werkzeug's multipart parser drops a lone backslash in a quoted name, as a quoted-string escape.
    ("windows path traversal", "..\\\\..\\\\windows\\\\win.ini.pdf", samples.pdf(), 400, FOLDERS),
    ("absolute path", "/var/lib/accredit/evidence/ab/cd/x.pdf", samples.pdf(), 400, FOLDERS),
    ("terminal escape in name", "\x1b[2Jreport.pdf", samples.pdf(), 400, CONTROLS),
    ("tab and delete in name", "report\t\x7f.pdf", samples.pdf(), 400, CONTROLS),
    ("right-to-left override in name", "invoice\u202efdp.exe.pdf", samples.pdf(), 400, CONTROLS),
]


@pytest.fixture
def library(app, factory):
    app.config["EVIDENCE_MAX_BYTES"] = LIMIT
    team = factory.team(name="Ward 7 Respiratory")
    member = factory.user(role=Role.TEAM_MEMBER, scope=team, name="Mary Member")
    factory.commit()
    return team, member


def left_behind(app) -> tuple[list, list, list]:
    root = app.config["EVIDENCE_DIR"]
    return evidence_rows(), stored_blobs(root), temp_files(root)


def test_upload_attacks_through_the_page_are_refused_next_to_the_file_field(app, library):
    team, member = library
    client = app.test_client()
    AuthActions(client).login(member)
    outcomes = {}
    for name, filename, data, _, _ in ATTACKS:
        response = upload_page(client, team.id, data, filename, title="Typed title kept")
        outcomes[name] = (response.status_code, field_error(response, "file"), left_behind(app))
    assert outcomes == {name: (status, message, ([], [], [])) for name, _, _, status, message in ATTACKS}


def test_upload_attacks_through_the_api_are_refused_in_the_error_format(app, library):
    team, member = library
    api = ApiClient(app.test_client())
    api.sign_in(member)
    outcomes = {}
    for name, filename, data, _, _ in ATTACKS:
        response = api.post(f"/api/v1/teams/{team.id}/evidence", content_type="multipart/form-data",
                            data={"title": "Typed", "file": (io.BytesIO(data), filename)})
        error = response.get_json()["error"]
        outcomes[name] = (response.status_code, error["message"], left_behind(app))
    assert outcomes == {name: (status, message, ([], [], [])) for name, _, _, status, message in ATTACKS}


def test_upload_after_the_attacks_a_plain_pdf_is_still_accepted(app, library):
    team, member = library
    client = app.test_client()
    AuthActions(client).login(member)
    upload_page(client, team.id, samples.HTML, "report.pdf")
    response = upload_page(client, team.id, samples.pdf(), "Falls audit – März.pdf", title="Falls audit")
    assert response.status_code == 302
    assert evidence_rows() == [("Falls audit", "Falls audit – März.pdf", "application/pdf")]


def test_upload_header_injection_in_the_name_leaves_no_file_to_store(app, library):
    """A line break in the name breaks the multipart part itself: the parser drops it, so the form has no file."""
    team, member = library
    client, api = app.test_client(), ApiClient(app.test_client())
    AuthActions(client).login(member)
    api.sign_in(member)
    name = "report.pdf\r\nContent-Type: text/html"
    page = upload_page(client, team.id, samples.pdf(), name)
    answer = api.post(f"/api/v1/teams/{team.id}/evidence", content_type="multipart/form-data",
                      data={"title": "Typed", "file": (io.BytesIO(samples.pdf()), name)})
    assert (page.status_code, field_error(page, "file")) == (200, "Select a file to upload")
    assert (answer.status_code, answer.get_json()["error"]["details"]) == (
        400, {"file": ["Send the file as a multipart file part named file, with its file name"]})
    assert left_behind(app) == ([], [], [])
