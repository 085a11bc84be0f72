"""Trend charts drawn on the server as SVG: no script, no CDN, printable; each names itself for screen readers
(role="img", <title>, <desc>) and the page puts its data table beside it."""
from __future__ import annotations

from html import escape

from markupsafe import Markup

from accredit.dashboards.measures import Trend

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 32, 16, 72
#: NHS.UK palette colours, each with its own dash pattern so that lines differ without colour too.
STYLES = [("#005eb8", ""), ("#da291c", "6 4"), ("#007f3b", "2 3"), ("#7c2855", "10 3 2 3"), ("#ed8b00", "1 1")]


#: Tops of the vertical scale for counts: each divides into four whole steps.
_NICE_TOPS = (4, 8, 12, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 10000)


def _scale_max(trend: Trend) -> float:
    if trend.unit == "%":
        return 100.0
    highest = max((v for _, values in trend.series for v in values), default=0.0)
    return float(next((top for top in _NICE_TOPS if top >= highest), -(-highest // 4000) * 4000))


def line_chart(trend: Trend, chart_id: str) -> Markup:
    """The trend as an accessible SVG line chart; `chart_id` makes its title and description ids unique."""
    top = _scale_max(trend)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(trend.months)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    latest = "; ".join(f"{label}: {_fmt(values[-1], trend.unit)}" for label, values in trend.series)
    desc = (f"Line chart of {trend.title.lower()} month by month from {trend.months[0]:%B %Y} to "
            f"{trend.months[-1]:%B %Y}. Latest: {latest}. The table beside the chart gives every value.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="app-chart" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet">',
             f'<title id="{chart_id}-title">{escape(trend.title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    for k in range(5):
        value = top * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#d8dde0" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#4c6272">{_fmt(value, trend.unit)}</text>')
    for i, month in enumerate(trend.months):
        if i % 3 == (n - 1) % 3:
            parts.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" font-size="12" '
                         f'fill="#4c6272">{month:%b %y}</text>')
    for index, (label, values) in enumerate(trend.series):
        colour, dash = STYLES[index % len(STYLES)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dashing}/>')
        lx, ly = LEFT + (index % 3) * 190, HEIGHT - 30 + (index // 3) * 18
        parts.append(f'<line x1="{lx}" x2="{lx + 28}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" '
                     f'stroke-width="2.5"{dashing}/>')
        parts.append(f'<text x="{lx + 34}" y="{ly}" font-size="12" fill="#212b32">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float, unit: str) -> str:
    return f"{value:g}%" if unit == "%" else f"{value:g}"
