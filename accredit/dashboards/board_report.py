"""The monthly board report as a PDF: the measures, the trends (charts and their figures), the exceptions
(teams missing self-assessments, visits overdue, awards suspended), from the same dashboard as the pages."""
from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF

from accredit.dashboards.charts import line_chart
from accredit.dashboards.exports import summary_table
from accredit.dashboards.measures import Dashboard

_REPLACEMENTS = {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "≥": ">=", "≤": "<="}


def _text(value: Any) -> str:
    """Text the PDF's built-in fonts can draw (Latin-1): dashes and quotes made plain, anything else replaced."""
    text = "" if value is None else str(value)
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.set_title(title)
        self.set_author("Accredit")
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, _text(f"{self.report_title} - page {self.page_no()}"), align="C")

    def heading(self, text: str, size: int = 14) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, 8, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=10)

    def para(self, text: str) -> None:
        self.set_font("Helvetica", size=10)
        self.multi_cell(0, 5, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(self, headers: list[str], rows: list[list[Any]], widths: tuple[int, ...] | None = None) -> None:
        self.set_font("Helvetica", size=8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.5, first_row_as_headings=True) as table:
            table.row([_text(h) for h in headers])
            for row in rows:
                table.row([_text("" if v is None else v) for v in row])
        self.ln(3)


def board_report(board: Dashboard, *, title: str, scope_label: str) -> bytes:
    """The PDF's bytes."""
    pdf = _Report(title)
    pdf.add_page()
    pdf.heading(title, 18)
    pdf.para(scope_label)
    pdf.para(f"{len(board.active)} active teams. Self-assessment compliance is judged on {board.period.label}.")

    pdf.heading("Measures")
    table = summary_table(board)
    pdf.grid(table.headers, [[m, f, n, d, f"{p:g}%" if p is not None else ""] for m, f, n, d, p in table.rows],
             widths=(50, 70, 20, 25, 20))
    if board.target is not None:
        pdf.heading("Progress to target", 12)
        pdf.para(f"{board.target.summary}. {board.target.explanation}.")

    pdf.add_page()
    pdf.heading("Trends")
    for index, trend in enumerate(board.trends):
        if index and pdf.get_y() > 170:
            pdf.add_page()
        pdf.heading(trend.title, 12)
        svg = str(line_chart(trend, f"pdf-chart-{index}")).encode("utf-8")
        pdf.image(io.BytesIO(svg), w=170)
        recent = list(range(len(trend.months)))[-6:]
        headers = ["Month", *[f"{label} ({trend.unit})" for label, _ in trend.series]]
        pdf.grid(headers, [[trend.months[i].strftime("%B %Y"), *[f"{values[i]:g}" for _, values in trend.series]]
                           for i in recent])

    pdf.add_page()
    pdf.heading("Exceptions")
    _exceptions(pdf, board)
    return bytes(pdf.output())


def _exceptions(pdf: _Report, board: Dashboard) -> None:
    missing = [board.figure(k) for k in ("compliance.overdue", "compliance.missed")]
    rows = [[t.name, t.division, t.service, figure.label] for figure in missing if figure for t in board.teams_for(figure)]
    pdf.heading(f"Teams missing self-assessments for {board.period.label} ({len(rows)})", 12)
    if rows:
        pdf.grid(["Team", "Division", "Service", "Position"], rows, widths=(60, 40, 50, 40))
    else:
        pdf.para("None.")

    pdf.heading(f"Visits overdue ({len(board.overdue_visits)})", 12)
    if board.overdue_visits:
        pdf.grid(["Team", "Division", "Visit date", "Position"],
                 [[board.teams[t].name, board.teams[t].division, on.strftime("%-d %B %Y"),
                   "Date passed, report not published"] for _, t, on in board.overdue_visits], widths=(60, 40, 40, 50))
    else:
        pdf.para("None.")

    suspended = board.figure("accreditation.suspended")
    pdf.heading("Awards suspended" + (f" ({suspended.count})" if suspended else ""), 12)
    if suspended is None:
        pdf.para("Awards are not recorded yet.")
    elif suspended.team_ids:
        pdf.grid(["Team", "Division", "Service"], [[t.name, t.division, t.service] for t in board.teams_for(suspended)])
    else:
        pdf.para("None.")
