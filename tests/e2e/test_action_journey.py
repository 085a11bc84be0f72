"""An improvement action in a real browser at tablet width: the ward manager raises one for their ward, starts it
and completes it with a note; the trust quality lead verifies it from their home page and it shows as closed."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from accredit.assessments.services import today_in_london
from tests.e2e.pages import check_page

WARD_MANAGER, QUALITY_LEAD = "ward.manager@demo.nhs.uk", "quality.lead@demo.nhs.uk"
TITLE = "Fit a self-closing lock to the sluice room door"


def _heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def _banner(page: Page):
    return expect(page.locator(".nhsuk-notification-banner--success"))


def _check_with_diagram(page: Page, name: str) -> None:
    """The page checks, once mermaid has drawn the workflow diagram (drawing it briefly widens the page)."""
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, name)


def _raise(page: Page) -> None:
    """From the home page: the ward's improvement plan, a refused empty form, then the action raised."""
    page.locator("h2:has-text('Your teams') + ul").get_by_role("link", name="Ward 7 Respiratory").click()
    page.get_by_role("link", name="Improvement plan").click()
    _heading(page).to_have_text("Ward 7 Respiratory: improvement plan")
    check_page(page, "action-plan")

    page.get_by_role("link", name="Raise an action").click()
    _heading(page).to_have_text("Raise an action for Ward 7 Respiratory")
    page.get_by_role("button", name="Raise the action").click()
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text([
        "Enter what must change", "Choose the domain or standard the action is for", "Choose who owns the action",
        "Enter the date the action is due"])
    check_page(page, "action-raise-errors")

    page.get_by_label("What must change").fill(TITLE)
    page.get_by_label("The finding it answers (optional)").fill("Sluice room door found propped open on two visits")
    page.get_by_label("Domain or standard").select_option("standard:S5")
    page.get_by_label("Owner").select_option(label="Sam Sister")
    page.get_by_label("Due date").fill((today_in_london() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Raise the action").click()
    _banner(page).to_contain_text(f"Action raised for Sam Sister: {TITLE}")
    _heading(page).to_have_text(TITLE)
    expect(page.locator("main strong.nhsuk-tag").first).to_have_text("Open")
    _check_with_diagram(page, "action-open")


def _work(page: Page) -> str:
    """The owner starts the action and completes it with a note; returns the action's URL."""
    page.get_by_role("button", name="Start the action").click()
    _banner(page).to_contain_text("Action started")
    expect(page.locator("main strong.nhsuk-tag").first).to_have_text("In progress")

    page.get_by_role("link", name="Complete the action").click()
    _heading(page).to_have_text("Complete the action")
    check_page(page, "action-complete")
    page.get_by_label("What was done").fill("Lock fitted by estates on Monday; checked at every safety huddle since")
    page.get_by_role("button", name="Complete the action").click()
    _banner(page).to_contain_text("Action completed: it now waits for verification")
    expect(page.locator("main strong.nhsuk-tag").first).to_have_text("Awaiting evidence")
    expect(page.get_by_role("button", name="Verify and close")).to_have_count(0)  # never the owner's to verify
    _check_with_diagram(page, "action-awaiting")
    return page.url


def test_ward_manager_raises_and_completes_an_action_and_the_quality_lead_verifies_it(page: Page, sign_in):
    sign_in(WARD_MANAGER)
    _raise(page)
    action_url = _work(page)

    page.context.clear_cookies()
    sign_in(QUALITY_LEAD)
    page.get_by_role("link", name=f"Verify the action: {TITLE}").click()
    expect(page).to_have_url(action_url)
    expect(page.locator("dl.nhsuk-summary-list div", has_text="What was done")).to_contain_text(
        "Lock fitted by estates on Monday")
    _check_with_diagram(page, "action-verify")
    page.get_by_role("button", name="Verify and close").click()
    _banner(page).to_contain_text("Action verified and closed")
    expect(page.locator("main strong.nhsuk-tag").first).to_have_text("Closed")
    expect(page.get_by_role("row", name=re.compile(r"^.*Verify: awaiting evidence → closed"))).to_contain_text(
        "Quinn Quality")
    _check_with_diagram(page, "action-closed")

    page.locator(".nhsuk-breadcrumb").get_by_role("link", name="Improvement plan").click()
    closed = page.locator("h2#closed + div table")
    expect(closed.get_by_role("link", name=TITLE)).to_be_visible()
    check_page(page, "action-plan-closed")
