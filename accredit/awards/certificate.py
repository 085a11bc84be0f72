"""The printable award certificate: an A4 landscape PDF naming the team, the award, each domain's rating, the
dates and the panel chair. Built with fpdf2's core fonts, so it needs no font files on the server."""
from __future__ import annotations

import re

from flask import current_app
from fpdf import FPDF

from accredit.awards.models import Award

NHS_BLUE = (0, 94, 184)
TEXT = (33, 43, 50)
#: Typography that people type but the PDF core fonts (Latin-1) cannot draw, and what stands in for it.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", " ": " "})


def _latin1(text: str) -> str:
    """`text` as the core fonts can draw it: typographic marks made plain, anything else outside Latin-1 as '?'."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _on(day) -> str:
    return day.strftime("%-d %B %Y")


def certificate_filename(award: Award) -> str:
    """'ward-7-outstanding-team-2026-03-01.pdf'."""
    slug = re.sub(r"[^a-z0-9]+", "-", award.team.name.lower()).strip("-") or "team"
    return f"{slug}-{award.kind.value.replace('_', '-')}-{award.granted_on.isoformat()}.pdf"


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(20, 18, 20)

    def line_of(self, text: str, *, size: float, style: str = "", color=TEXT, height: float | None = None) -> None:
        self.set_font("Helvetica", style, size)
        self.set_text_color(*color)
        self.multi_cell(0, height or size * 0.55, _latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")


def certificate_pdf(award: Award) -> bytes:
    """The certificate of `award` as PDF bytes (whatever its state: a suspended or expired award says so)."""
    pdf = _Certificate()
    pdf.set_title(_latin1(f"{award.kind.label} award: {award.team.name}"))
    pdf.set_author(_latin1(current_app.config["TRUST_NAME"]))
    pdf.set_creator("Accredit")
    pdf.set_creation_date(award.granted_at)
    pdf.add_page()
    pdf.set_draw_color(*NHS_BLUE)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(22)
    pdf.line_of(current_app.config["TRUST_NAME"], size=14, color=NHS_BLUE)
    pdf.ln(4)
    pdf.line_of("Team accreditation", size=12)
    pdf.ln(6)
    pdf.line_of(f"{award.kind.label} award", size=32, style="B", color=NHS_BLUE, height=16)
    pdf.ln(2)
    pdf.line_of("is awarded to", size=12)
    pdf.ln(2)
    pdf.line_of(award.team.name, size=24, style="B", height=12)
    pdf.line_of(f"{award.team.service.name}, {award.team.division.name}", size=12)
    pdf.ln(6)
    _ratings_table(pdf, award)
    pdf.ln(6)
    pdf.line_of(f"Awarded on {_on(award.granted_on)}. Valid until {_on(award.valid_until)}.", size=12, style="B")
    if award.status.value != "active":
        ended = f" on {_on(award.ended_on)}" if award.ended_on else ""
        pdf.line_of(f"This award is {award.status.label.lower()}{ended}.", size=12, style="B", color=(212, 53, 28))
    pdf.ln(8)
    pdf.line_of(award.chair_name or "", size=14, style="B")
    pdf.line_of("Chair of the accreditation panel", size=11)
    return bytes(pdf.output())


def _ratings_table(pdf: _Certificate, award: Award) -> None:
    """The five domains with the panel's ratings, as a centred two-column table."""
    width = 130
    left = (pdf.w - width) / 2
    pdf.set_font("Helvetica", "", 12)
    pdf.set_draw_color(174, 183, 189)
    pdf.set_line_width(0.2)
    for domain, rating in award.domain_ratings():
        pdf.set_x(left)
        pdf.set_text_color(*TEXT)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(width / 2, 8, _latin1(domain.label), border="B")
        pdf.set_font("Helvetica", "", 12)
        pdf.cell(width / 2, 8, _latin1(rating.label if rating else "Not rated"), border="B", align="R",
                 new_x="LMARGIN", new_y="NEXT")
