"""The dashboard pages, exports, board report and coverage API show the same figures, within the caller's scope."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from accredit.dashboards.models import AccreditationTarget
from accredit.extensions import db
from tests.api.conftest import ApiClient
from tests.dashboards.conftest import AS_OF
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, field_error, table_rows

ARGS = f"as_of={AS_OF.isoformat()}"


@pytest.fixture
def password() -> str:
    return PASSWORD


def figure_cells(response) -> dict[str, tuple[str, str]]:
    """figure key -> (number, per cent) as the coverage page shows them."""
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="nhsuk-table__row" data-figure="([^"]+)">(.*?)</tr>', html, re.S)
    found = {}
    for key, row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        number = re.sub(r"<span.*?</span>|<[^>]+>", "", cells[0], flags=re.S).strip()
        found[key] = (number, re.sub(r"<[^>]+>", "", cells[1]).strip())
    return found


def test_coverage_page_shows_every_measure(client, auth, history):
    auth.login(history.quality_lead)
    response = client.get(f"/dashboard?{ARGS}")
    assert response.status_code == 200
    shown = figure_cells(response)
    assert shown["compliance.on_time"] == ("1", "16.7%")
    assert shown["qrv.covered"] == ("2", "33.3%")
    assert shown["accreditation.any"] == ("3", "50%")
    assert shown["accreditation.excelling_team"] == ("1", "16.7%")
    assert shown["pipeline.panel_ready"] == ("1", "")
    assert shown["risk.overdue_actions"] == ("2", "")
    assert shown["stepup.step_up"] == ("1", "")
    assert shown["calibration.over"] == ("1", "")
    assert re.search(r'<a\s+class="nhsuk-header__navigation-link" href="/dashboard">', client.get("/").get_data(as_text=True))


def test_drill_down_lists_the_teams_behind_a_figure_with_links(client, auth, history):
    auth.login(history.quality_lead)
    response = client.get(f"/dashboard/teams?figure=compliance.overdue&{ARGS}")
    assert response.status_code == 200
    assert table_rows(response) == [
        ["District Nursing", "Community", "Medicine", "Community team"],
        ["Ward 20", "General", "Surgery", "Inpatient ward"],
        ["Ward 22", "General", "Surgery", "Inpatient ward"],
    ]
    assert f'href="/teams/{history.nursing.id}"' in response.get_data(as_text=True)
    assert client.get(f"/dashboard/teams?figure=no.such&{ARGS}").status_code == 404
    assert client.get(f"/dashboard/teams?{ARGS}").headers["Location"] == f"/dashboard?{ARGS}"


def test_heatmap_and_trends_pages(client, auth, history):
    auth.login(history.quality_lead)
    heat = client.get(f"/dashboard/heatmap?{ARGS}")
    assert heat.status_code == 200
    # Mean gap and teams compared for Safe, Effective, Caring, Responsive and Well-led (the domain is the row's th).
    assert table_rows(heat)[:5] == [["+0", "2"], ["+0.5", "2"], ["+0.5", "2"], ["+0.5", "2"], ["+0.5", "2"]]
    trends = client.get(f"/dashboard/trends?{ARGS}")
    html = trends.get_data(as_text=True)
    assert trends.status_code == 200
    assert html.count('class="app-chart" role="img"') == 7
    assert '<title id="chart-qrv-title">QRV coverage</title>' in html
    link = "/dashboard/teams?as_of=2026-09-30&amp;figure=qrv.covered"
    assert f'<a href="{link}">50<span' in html  # September's value leads to the teams behind it
    september = client.get(link.replace("&amp;", "&"))
    assert [row[0] for row in table_rows(september)] == ["Ward 1", "Ward 2", "Ward 22"]


def test_exports_give_the_page_figures(client, auth, history):
    auth.login(history.quality_lead)
    response = client.get(f"/dashboard/export/summary.csv?{ARGS}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Measure", "Figure", "Number", "Of active teams", "Per cent"]
    assert ["QRV coverage", "Visited in the last 12 months", "2", "6", "33.3"] in rows
    assert ["Accreditation coverage", "Excelling Team", "1", "6", "16.7"] in rows

    book = load_workbook(io.BytesIO(client.get(f"/dashboard/export/summary.xlsx?{ARGS}").data))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values[2] == ["Measure", "Figure", "Number", "Of active teams", "Per cent"]
    assert ["QRV coverage", "Visited in the last 12 months", 2, 6, 33.3] in values
    assert ["Self-assessment compliance, October 2026", "Submitted on time", 1, 6, 16.7] in values


def test_drill_down_export_neutralises_formulas(client, auth, history):
    history.ward20.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    auth.login(history.quality_lead)
    text = client.get(f"/dashboard/export/teams.csv?figure=pipeline.panel_ready&{ARGS}").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1][:2] == ["'=HYPERLINK(\"http://evil\")",
                                                                          history.ward20.code]
    book = load_workbook(io.BytesIO(client.get(f"/dashboard/export/teams.xlsx?figure=pipeline.panel_ready&{ARGS}").data))
    assert book.active["A4"].value == "'=HYPERLINK(\"http://evil\")"


def test_heatmap_and_trends_export(client, auth, history):
    auth.login(history.quality_lead)
    heat = list(csv.reader(io.StringIO(
        client.get(f"/dashboard/export/heatmap.csv?{ARGS}").get_data(as_text=True).lstrip("\ufeff"))))
    ward1 = next(r for r in heat if r[0] == "Ward 1")
    assert ward1[5:8] == ["Outstanding", "Outstanding", ""]
    trends = load_workbook(io.BytesIO(client.get(f"/dashboard/export/trends.xlsx?{ARGS}").data)).active
    rows = list(trends.iter_rows(values_only=True))
    assert rows[2][0] == "Month" and len(rows) == 3 + 24
    assert rows[-1][0] == "October 2026"


def test_board_report_pdf_names_the_measures_and_exceptions(client, auth, history):
    auth.login(history.quality_lead)
    response = client.get(f"/dashboard/board-report.pdf?{ARGS}")
    assert response.headers["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for phrase in ["Accreditation board report, October 2026", "Self-assessment compliance, October 2026",
                   "QRV coverage", "Accreditation coverage", "Accreditation pipeline", "Calibration gap",
                   "Trends", "Teams missing self-assessments for October 2026 (3)", "Visits overdue (1)",
                   "Awards suspended (1)"]:
        assert phrase in text


def test_setting_the_target(client, auth, history):
    auth.login(history.quality_lead)
    token = csrf_token_from(client.get("/dashboard/target"))
    refused = client.post("/dashboard/target", data={"csrf_token": token, "percentage": "120",
                                                      "award_kind": "excelling_team", "target_on": "2030-01-01"})
    assert field_error(refused, "percentage") == "The share of teams must be from 1 to 100"
    response = client.post("/dashboard/target", data={"csrf_token": token, "percentage": "80",
                                                       "award_kind": "excelling_team", "target_on": "2030-01-01"})
    assert response.status_code == 302
    target = db.session.query(AccreditationTarget).one()
    assert (target.percentage, target.award_kind, target.target_on) == (80, "excelling_team", date(2030, 1, 1))
    assert "80% of active teams Excelling Team by 1 January 2030" in client.get("/dashboard").get_data(as_text=True)


def test_a_bad_as_of_date_is_shown_next_to_the_field(client, auth, history):
    auth.login(history.quality_lead)
    response = client.get("/dashboard?as_of=2026-02-30")
    assert field_error(response, "as_of") == "As of must be a real date, for example 14 March 2026"
    future = client.get("/dashboard?as_of=2999-01-01")
    assert field_error(future, "as_of") == "The as-of date must be today or in the past"


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/heatmap", "/dashboard/trends",
                                  "/dashboard/export/summary.csv", "/dashboard/board-report.pdf"])
def test_scope(client, auth, history, path):
    """A division quality lead sees their division only; another division is not found; a team lead may not."""
    h = history
    auth.login(h.medicine_lead)
    assert client.get(f"{path}?division={h.medicine.id}").status_code == 200
    assert client.get(f"{path}?division={h.surgery.id}").status_code == 404
    assert client.get(f"{path}?service={h.general.id}").status_code == 404
    auth.logout()
    auth.login(h.team_lead)
    assert client.get(path).status_code == 403


def test_division_lead_figures_cover_their_division(client, auth, history):
    auth.login(history.medicine_lead)
    shown = figure_cells(client.get(f"/dashboard?{ARGS}"))
    assert shown["qrv.covered"] == ("1", "25%")  # Ward 1 of Medicine's four active teams
    assert client.get("/dashboard/target").status_code == 403


def test_api_gives_the_page_figures(client, history):
    api = ApiClient(client)
    api.sign_in(history.quality_lead)
    body = api.get(f"/api/v1/coverage?{ARGS}").get_json()
    found = {f["key"]: f for m in body["measures"] for f in m["figures"]}
    assert (body["as_of"], body["period"], body["active_teams"]) == ("2026-10-20", "October 2026", 6)
    assert {k: found["qrv.covered"][k] for k in ("count", "denominator", "percent", "team_ids")} == {
        "count": 2, "denominator": 6, "percent": 33.3, "team_ids": history.ids(history.ward1, history.ward22)}
    assert found["accreditation.excelling_team"]["count"] == 1
    ward1 = next(r for r in body["heatmap"] if r["team_id"] == history.ward1.id)
    assert ward1["self_assessed"]["safe"] == "outstanding"
    assert body["calibration"][1] == {"domain": "effective", "mean_gap": 0.5, "teams_compared": 2}


def test_api_scope(client, history):
    api = ApiClient(client)
    api.sign_in(history.medicine_lead)
    assert api.get(f"/api/v1/coverage?division={history.surgery.id}").status_code == 404
    assert api.get(f"/api/v1/coverage?division={history.medicine.id}&{ARGS}").get_json()["active_teams"] == 4
    api.sign_in(history.team_lead)
    assert api.get("/api/v1/coverage").status_code == 403
    api.sign_in(history.quality_lead)
    refused = api.get("/api/v1/coverage?as_of=2999-01-01")
    assert (refused.status_code, refused.get_json()["error"]["details"]) == (400, {"as_of": ["Must be today or in the past."]})
