"""The evidence library in a real browser at tablet width: a refused file keeps the title, a good one is listed."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import check_page
from tests.evidence import samples


def test_ward_manager_uploads_evidence_after_a_refused_file(page: Page, sign_in, browser_log):
    browser_log.allow(r"status of 415")  # Chromium logs the refused upload's status as a console error
    sign_in("ward.manager@demo.nhs.uk")
    page.locator("h2:has-text('Your teams') + ul").get_by_role("link", name="Ward 7 Respiratory").click()
    page.get_by_role("link", name="Evidence library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ward 7 Respiratory - Evidence library")
    check_page(page, "evidence-library")

    page.get_by_label("Title").fill("Hand hygiene audit, October 2026")
    page.locator("input[type=file]").set_input_files(
        {"name": "audit.pdf", "mimeType": "application/pdf", "buffer": samples.HTML})
    page.get_by_role("button", name="Upload evidence").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["The selected file is a web page or an SVG image, not a PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG file"])
    expect(page.get_by_label("Title")).to_have_value("Hand hygiene audit, October 2026")
    check_page(page, "evidence-refused")

    page.locator("input[type=file]").set_input_files(
        {"name": "audit.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()})
    page.get_by_label("Review by (optional)").fill("2027-10-31")
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Hand hygiene audit, October 2026 has been added to the evidence library")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ward 7 Respiratory evidence - Hand hygiene audit, October 2026")
    expect(page.get_by_role("link", name="Download PDF file")).to_have_attribute("href", re.compile(r"^/evidence/\d+/download$"))
    check_page(page, "evidence-item")
