"""A Quality Review Visit in a real browser at tablet width, from planning to publishing, by the three people in it."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from accredit.assessments.services import today_in_london
from tests.e2e.pages import check_page, open_from_menu

QUALITY_LEAD, REVIEWER, WARD_MANAGER = "quality.lead@demo.nhs.uk", "reviewer@demo.nhs.uk", "ward.manager@demo.nhs.uk"
RATINGS = {"Safe": "Outstanding", "Effective": "Outstanding", "Caring": "Good", "Responsive": "Good",
           "Well-led": "Good"}


def _as(page: Page, sign_in, email: str) -> Page:
    """Sign in as someone else (a fresh session: the cookies of the last person are dropped)."""
    page.context.clear_cookies()
    return sign_in(email)


def _heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def _banner(page: Page):
    return expect(page.locator(".nhsuk-notification-banner--success"))


def _check_with_diagram(page: Page, name: str) -> None:
    """The page checks, once mermaid has drawn the workflow diagram (drawing it briefly widens the page)."""
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, name)


def _plan_and_schedule(page: Page, visit_date: str) -> str:
    """The quality lead plans the visit, assigns the reviewer as lead and schedules it; returns the visit's URL."""
    page.goto("/teams")
    page.get_by_role("link", name="Ward 7 Respiratory", exact=True).click()
    page.get_by_role("link", name="Quality Review Visits and peer reviews").click()
    _heading(page).to_have_text("Ward 7 Respiratory: visits")
    check_page(page, "visit-team-list")
    page.get_by_role("link", name="Plan a visit").click()
    page.get_by_role("button", name="Plan the visit").click()
    expect(page.locator(".nhsuk-error-summary").get_by_role("link")).to_have_text(["Enter the date of the visit"])
    check_page(page, "visit-plan-error")
    page.get_by_label("Date of the visit").fill(visit_date)
    page.get_by_role("button", name="Plan the visit").click()
    _heading(page).to_have_text("Reviewers for Ward 7 Respiratory")
    expect(page.get_by_role("row", name=re.compile("^Riley Reviewer"))).to_contain_text("None")
    check_page(page, "visit-reviewers")
    reviewers = page.get_by_label("Reviewer", exact=True)
    option = reviewers.locator("option", has_text="Riley Reviewer")
    expect(option).to_have_text(re.compile(r"^Riley Reviewer \(\d+ open visits?\)$"))  # no conflict listed
    reviewers.select_option(label=option.text_content())
    page.get_by_label("Lead reviewer for this visit").check()
    page.get_by_role("button", name="Assign the reviewer").click()
    _banner(page).to_contain_text("Riley Reviewer is a reviewer for this visit")
    page.get_by_role("link", name="Back to the visit").click()
    page.get_by_role("button", name="Schedule the visit").click()
    _banner(page).to_contain_text("The visit is scheduled")
    _check_with_diagram(page, "visit-scheduled")
    return page.url


def _review(page: Page, visit_url: str) -> None:
    """The reviewer starts the visit, rates every domain, drafts the report and sends it to the team lead."""
    page.goto(visit_url)
    page.get_by_role("button", name="Start the visit").click()
    page.get_by_role("link", name="Rate the domains").click()
    _heading(page).to_have_text("Rate the visit to Ward 7 Respiratory")
    check_page(page, "visit-ratings")
    for domain, rating in RATINGS.items():
        page.get_by_role("group", name=f"Rating for {domain}").get_by_label(rating, exact=True).check()
        page.get_by_label(f"Findings for {domain}").fill(f"{domain}: what the reviewers saw")
    page.get_by_label("Summary of the report").fill("A calm, well-led ward.")
    page.get_by_role("button", name="Save the ratings").click()
    _banner(page).to_contain_text("The ratings have been saved")
    expect(page.get_by_text("Overall: Outstanding.")).to_be_visible()
    page.get_by_role("button", name="Finish the draft report").click()
    page.get_by_role("button", name="Send the draft to the team lead").click()
    _banner(page).to_contain_text("The draft report has gone to the team lead for factual accuracy")
    _check_with_diagram(page, "visit-sent")


def test_quality_review_visit_from_planning_to_publishing(page: Page, sign_in):
    visit_date = today_in_london() + timedelta(days=30)
    _as(page, sign_in, QUALITY_LEAD)
    open_from_menu(page, "Visits")
    _heading(page).to_have_text("Visits")
    check_page(page, "visits-overview")
    visit_url = _plan_and_schedule(page, visit_date.isoformat())
    _heading(page).to_have_text(f"Ward 7 Respiratory: Quality Review Visit on {visit_date:%-d %B %Y}")

    _as(page, sign_in, REVIEWER)
    _review(page, visit_url)

    _as(page, sign_in, WARD_MANAGER)
    page.goto(visit_url)
    expect(page.get_by_role("row", name=re.compile("^Safe"))).to_contain_text("Outstanding")
    page.get_by_role("link", name="Comment on the draft report").click()
    _heading(page).to_have_text("Comment on the draft report")
    check_page(page, "visit-comments")
    page.get_by_label("Your comments on the factual accuracy of the draft report").fill("The ward has 28 beds.")
    page.get_by_role("button", name="Save: no further comments").click()
    _banner(page).to_contain_text("Thank you: you have no further comments")

    _as(page, sign_in, REVIEWER)
    page.goto(visit_url)
    page.get_by_role("button", name="Publish the report").click()
    _banner(page).to_contain_text("The report is published")
    expect(page.locator(".nhsuk-tag").first).to_have_text("Published")
    _check_with_diagram(page, "visit-published")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Ward 7 Respiratory").click()
    expect(page.get_by_role("row", name=re.compile("^Safe"))).to_contain_text("Outstanding")
    _check_with_diagram(page, "visit-team-page")
