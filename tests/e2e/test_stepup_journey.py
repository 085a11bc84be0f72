"""Step-up in a real browser at tablet width: the trust quality lead records signals against a team, the engine's
daily review proposes stepping it up, the quality lead approves on the board, and the team page shows the new level.
"""
from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from accredit.stepup import services
from tests.e2e.pages import check_page, open_from_menu

QUALITY_LEAD = "quality.lead@demo.nhs.uk"
TEAM = "Ward 11 Frailty"  #: a demo team no other journey touches


def _heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def _banner(page: Page):
    return expect(page.locator(".nhsuk-notification-banner--success"))


def _record(page: Page, kind: str, severity: str, description: str) -> None:
    page.get_by_role("link", name="Record a signal").click()
    _heading(page).to_have_text(f"Record a signal for {TEAM}")
    page.get_by_role("group", name="What kind of signal is it?").get_by_label(kind, exact=True).check()
    page.get_by_role("group", name="How serious is it?").get_by_label(severity, exact=True).check()
    page.get_by_label("When did it happen?").fill(today_in_london().isoformat())
    page.get_by_label("What happened").fill(description)
    page.get_by_role("button", name="Record the signal").click()
    _banner(page).to_contain_text(f"Signal recorded for {TEAM}")


def _score(page: Page) -> int:
    text = page.locator("#risk + p").text_content()
    return int(re.search(r"Risk score (\d+)", text).group(1))


def _daily_review(live_app: Flask) -> None:
    """What the `stepup_review` sweep does for the team (its service, for this one team only, so that the shared
    demo data of the other journeys is left alone)."""
    with live_app.app_context():
        team = db.session.query(Team).filter_by(name=TEAM).one()
        services.review_team(team, today=today_in_london(), scheme=current_scheme())
        db.session.commit()


def test_quality_lead_records_signals_and_approves_the_engines_proposal(page: Page, sign_in, live_app):
    sign_in(QUALITY_LEAD)
    open_from_menu(page, "Step-up")
    _heading(page).to_have_text("Step-up board")
    check_page(page, "stepup-board")

    page.locator("h2#level-standard + div table").get_by_role("link", name=TEAM, exact=True).click()
    _heading(page).to_have_text(f"{TEAM}: Step-up")
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, "stepup-team")

    page.get_by_role("link", name="Record a signal").click()
    page.get_by_role("button", name="Record the signal").click()
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text([
        "Choose the kind of signal", "Choose how serious it is", "Enter the date it happened",
        "Describe what happened"])
    check_page(page, "stepup-signal-errors")
    page.go_back()
    page.go_back()

    before = _score(page)  # the demo's history (late self-assessments, overdue actions) already counts
    _record(page, "Staffing", "Amber: needs attention", "Two night shifts below safe staffing levels")
    _record(page, "Safeguarding concern", "Red: serious; may step the team up at once",
            "Referral made after unexplained bruising")
    expect(page.locator("#risk + p")).to_contain_text(f"Risk score {before + 40}: 1 red (30 points)")

    _daily_review(live_app)

    open_from_menu(page, "Step-up")
    proposals = page.locator("h2#proposals + div table")
    link = proposals.get_by_role("link", name=f"Step up from Standard to Step up (enhanced) for {TEAM}")
    expect(link).to_be_visible()
    link.click()
    _heading(page).to_have_text(f"{TEAM}: Step up from Standard to Step up (enhanced)")
    expect(page.get_by_role("row", name=re.compile("Safeguarding concern: Referral made"))).to_contain_text("30")
    check_page(page, "stepup-proposal")
    page.get_by_label("Approve the change of level").check()
    page.get_by_label("Note").fill("Agreed with the matron: enhanced support for three months")
    page.get_by_role("button", name="Record the decision").click()
    _banner(page).to_contain_text(f"Approved: {TEAM} is now at Step up (enhanced)")
    expect(page.locator("h2#level-step_up + div table").get_by_role("link", name=TEAM, exact=True)).to_be_visible()

    page.goto("/teams")
    page.get_by_role("link", name=TEAM, exact=True).click()
    _heading(page).to_have_text(TEAM)
    expect(page.locator("#stepup + .nhsuk-inset-text")).to_contain_text("Step up (enhanced) since")
    check_page(page, "stepup-team-page")
    page.get_by_role("link", name=re.compile("^Step-up level, cycle and history")).click()
    expect(page.get_by_role("row", name=re.compile("Standard to Step up"))).to_contain_text(
        "Agreed with the matron")
