"""A quality lead's dashboard in a real browser, at tablet width and on a desktop: coverage, filters, drilling
down to a team, the heatmap, the trends with their charts, an export, and setting the trust's target."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import check_page, open_from_menu

QUALITY_LEAD = "quality.lead@demo.nhs.uk"
DESKTOP = {"width": 1280, "height": 900}


def _heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def test_quality_lead_watches_coverage(page: Page, sign_in) -> None:
    sign_in(QUALITY_LEAD)
    open_from_menu(page, "Dashboard")
    _heading(page).to_have_text("Coverage dashboard")
    expect(page.get_by_role("heading", name="QRV coverage")).to_be_visible()
    check_page(page, "dashboard-coverage")

    # Narrow to one division.
    page.get_by_text("Filter the figures").click()
    page.get_by_label("Division").select_option(label="Medicine")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("Medicine, as of")
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("15 active teams")
    check_page(page, "dashboard-coverage-medicine")

    # Drill down from a figure to the teams behind it, and on to a team. Visited and not visited add up to the
    # division's 15 teams, so one of the two has teams whatever the demo history holds.
    counts = {key: int(page.locator(f'tr[data-figure="{key}"] td').first.inner_text().split()[0])
              for key in ("qrv.covered", "qrv.not_covered")}
    assert sum(counts.values()) == 15
    key = "qrv.covered" if counts["qrv.covered"] else "qrv.not_covered"
    label = {"qrv.covered": "Visited in the last 12 months", "qrv.not_covered": "Not visited in the last 12 months"}
    page.locator(f'tr[data-figure="{key}"]').get_by_role("link").click()
    _heading(page).to_have_text(label[key])
    expect(page.get_by_role("row")).to_have_count(counts[key] + 1)
    check_page(page, "dashboard-drill-down")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^CSV")).click()
    assert download.value.suggested_filename.startswith("accredit-teams-")
    first = page.locator("tbody tr").first.get_by_role("link")
    name = first.inner_text()
    first.click()
    _heading(page).to_have_text(name)

    # Heatmap and trends, at tablet width and on a desktop.
    page.goto("/dashboard/heatmap")
    _heading(page).to_have_text("Heatmap and calibration")
    check_page(page, "dashboard-heatmap")
    page.get_by_role("link", name="Trends").click()
    _heading(page).to_have_text("Trends over 24 months")
    expect(page.locator("svg.app-chart").first).to_be_visible()
    expect(page.get_by_role("img", name="QRV coverage")).to_be_visible()
    check_page(page, "dashboard-trends")
    page.set_viewport_size(DESKTOP)
    check_page(page, "dashboard-trends-desktop")
    page.get_by_role("link", name="Coverage", exact=True).click()
    check_page(page, "dashboard-coverage-desktop")

    # The trust's target: an error next to the field, then set.
    page.get_by_role("link", name="Set the trust's target").click()
    _heading(page).to_have_text("The trust's accreditation target")
    page.get_by_label("Share of active teams (%)").fill("150")
    page.get_by_label("Excelling Team").check()
    page.get_by_label("Target date").fill("2030-03-31")
    page.get_by_role("button", name="Set the target").click()
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(
        ["The share of teams must be from 1 to 100"])
    check_page(page, "dashboard-target-error")
    page.get_by_label("Share of active teams (%)").fill("80")
    page.get_by_role("button", name="Set the target").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("The accreditation target is set")
    expect(page.get_by_role("heading", name="Progress to target")).to_be_visible()
    expect(page.get_by_text("80% of active teams Excelling Team by 31 March 2030", exact=False)).to_be_visible()
    check_page(page, "dashboard-target-set")
