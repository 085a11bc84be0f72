"""The first journeys in a real browser at tablet width: sign in, find your team, read a framework, sign out."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from accredit.demo import DEMO_PASSWORD
from tests.e2e.pages import check_page, open_from_menu


def test_ward_manager_journey_signs_in_reaches_team_and_signs_out(page: Page, live_server: str):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Accredit")
    check_page(page, "sign-in")

    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Enter your email address", "Enter your password"])
    expect(summary).to_be_focused()  # NHS.UK's script moves focus to the summary
    expect(page.locator(".nhsuk-error-message")).to_have_text(
        ["Error: Enter your email address", "Error: Enter your password"])
    check_page(page, "sign-in-errors")

    page.get_by_label("Email address", exact=True).fill("ward.manager@demo.nhs.uk")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Sister")
    your_teams = page.locator("h2:has-text('Your teams') + ul")
    expect(your_teams.get_by_role("link")).to_have_text(["Ward 7 Respiratory"])  # team MED-ACUTE-02
    check_page(page, "home")

    your_teams.get_by_role("link", name="Ward 7 Respiratory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ward 7 Respiratory")
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumbs.get_by_role("link")).to_have_text(["Home", "Teams"])
    diagram = page.locator("figure.app-diagram svg")  # drawn by mermaid from the <pre> source
    expect(diagram).to_be_visible()
    expect(diagram).to_contain_text("active")
    check_page(page, "team")

    open_from_menu(page, "Frameworks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Frameworks")
    check_page(page, "frameworks")
    versions = page.get_by_role("table", name="Versions of CQC key lines of enquiry for healthcare services")
    versions.get_by_role("link", name="2017.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CQC key lines of enquiry for healthcare services")
    expect(page.locator("dt.nhsuk-summary-list__key").first).to_have_text("S1")
    check_page(page, "framework")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out")
    check_page(page, "sign-out")
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("You have signed out")
    expect(page.get_by_role("navigation", name="Account")).to_have_count(0)
    check_page(page, "signed-out")


def test_admin_pages_pass_axe_at_tablet_width(page: Page, live_server: str, sign_in):
    sign_in("admin@demo.nhs.uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex Admin")
    for name, path in [("Audit trail", "/audit"), ("Users", "/admin/users/"), ("Organisation", "/admin/organisation/")]:
        open_from_menu(page, name)
        expect(page).to_have_url(f"{live_server}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text([name])
        check_page(page, f"admin-{name.lower().replace(' ', '-')}")
