"""Formula injection is neutralised in CSV and Excel; charts are accessible SVG drawn on the server."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from accredit.dashboards.charts import line_chart
from accredit.dashboards.exports import Table, neutralise, to_csv, to_xlsx
from accredit.dashboards.measures import Trend


@pytest.mark.parametrize("value, shown", [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"),
    ("\tTabbed", "'\tTabbed"),
    ("\rReturn", "'\rReturn"),
    ("Ward 7", "Ward 7"),
    ("", ""),
    (-1, -1),  # a number stays a number
    (33.3, 33.3),
    (None, None),
])
def test_neutralise(value, shown):
    assert neutralise(value) == shown


def test_csv_and_xlsx_neutralise_every_text_cell():
    table = Table("=Title", ["=Header", "Gap"], [["=HYPERLINK(\"http://x\")", -1], ["@SUM(1)", 0.5]])
    assert to_csv(table).decode("utf-8") == (
        "\ufeff'=Header,Gap\r\n\"'=HYPERLINK(\"\"http://x\"\")\",-1\r\n'@SUM(1),0.5\r\n")
    sheet = load_workbook(io.BytesIO(to_xlsx(table, "+subtitle"))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["'=Title", None], ["'+subtitle", None], ["'=Header", "Gap"], ["'=HYPERLINK(\"http://x\")", -1],
        ["'@SUM(1)", 0.5]]


def test_chart_is_accessible_svg_without_script():
    months = (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 20))
    trend = Trend("qrv", "QRV <coverage>", "%", months, (("Visited", (10.0, 20.0, 33.3)),))
    svg = str(line_chart(trend, "chart-qrv"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 300" class="app-chart" '
                          'role="img" aria-labelledby="chart-qrv-title chart-qrv-desc"')
    assert '<title id="chart-qrv-title">QRV &lt;coverage&gt;</title>' in svg
    assert ('<desc id="chart-qrv-desc">Line chart of qrv &lt;coverage&gt; month by month from August 2026 to '
            'October 2026. Latest: Visited: 33.3%. The table beside the chart gives every value.</desc>') in svg
    assert "<script" not in svg and "style=" not in svg
    assert svg.count("<polyline") == 1
