"""Every dashboard view as a table, written to CSV or to an Excel workbook, safe to open in a spreadsheet.

Text that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) gets a
leading apostrophe, in both formats (CSV injection); numbers are written as numbers.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook

from accredit.dashboards.measures import Dashboard, Figure
from workflows.ratings import Domain

VIEWS = {"summary": "Coverage measures", "heatmap": "Team by domain heatmap", "calibration": "Calibration gap",
         "trends": "Trends", "teams": "Teams behind a figure"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


def neutralise(value: Any) -> Any:
    """A cell value a spreadsheet shows as typed: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _rating(value: Any) -> str:
    return value.label if value is not None else ""


def summary_table(board: Dashboard) -> Table:
    rows = []
    for measure in board.measures.values():
        if not measure.available:
            rows.append([measure.title, measure.note, None, None, None])
        for figure in measure.figures:
            rows.append([measure.title, figure.label, figure.count, figure.denominator, figure.percent])
    if board.target is not None:
        rows.append(["Progress to target", board.target.summary, None, None, board.target.projected])
    return Table("Coverage measures", ["Measure", "Figure", "Number", "Of active teams", "Per cent"], rows)


def heatmap_table(board: Dashboard) -> Table:
    headers = ["Team", "Code", "Division", "Service", "Team type"]
    for domain in Domain:
        headers += [f"{domain.label}: self-assessed", f"{domain.label}: QRV", f"{domain.label}: panel"]
    rows = []
    for row in board.heatmap:
        cells = [row.team.name, row.team.code, row.team.division, row.team.service, row.team.team_type.label]
        for domain in Domain:
            cells += [_rating(row.self_assessed.get(domain)), _rating(row.qrv.get(domain)), _rating(row.panel.get(domain))]
        rows.append(cells)
    return Table("Latest rating per team and domain", headers, rows)


def calibration_table(board: Dashboard) -> Table:
    headers = ["Team", "Code"] + [f"{d.label} gap" for d in Domain]
    rows = [[row.team.name, row.team.code, *[row.gap(d) for d in Domain]] for row in board.heatmap]
    rows.append(["Mean over teams with both ratings", "", *[board.calibration[d][0] for d in Domain]])
    return Table("Calibration gap: self-assessed minus QRV rating, in steps of the scale", headers, rows)


def trends_table(board: Dashboard) -> Table:
    headers = ["Month"]
    columns = []
    for trend in board.trends:
        for label, values in trend.series:
            headers.append(f"{trend.title}: {label} ({trend.unit})")
            columns.append(values)
    months = board.trends[0].months if board.trends else ()
    rows = [[month.strftime("%B %Y"), *[values[i] for values in columns]] for i, month in enumerate(months)]
    return Table("Trends, month by month", headers, rows)


def teams_table(board: Dashboard, figure: Figure) -> Table:
    rows = [[t.name, t.code, t.division, t.service, t.team_type.label, t.opened_on, t.closed_on]
            for t in board.teams_for(figure)]
    return Table(figure.label, ["Team", "Code", "Division", "Service", "Team type", "Opened", "Closed"], rows)


def table_for(view: str, board: Dashboard, figure: Figure | None = None) -> Table:
    """The table behind `view` (a key of VIEWS); "teams" needs the figure drilled into."""
    if view == "teams":
        return teams_table(board, figure)
    return {"summary": summary_table, "heatmap": heatmap_table, "calibration": calibration_table,
            "trends": trends_table}[view](board)


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else neutralise(value)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the byte order mark makes Excel read UTF-8


def to_xlsx(table: Table, subtitle: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31].replace("/", " ").replace(":", " ")
    sheet.append([neutralise(table.title)])
    sheet.append([neutralise(subtitle)])
    sheet.append([neutralise(h) for h in table.headers])
    for row in table.rows:
        sheet.append([neutralise(v) for v in row])
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
