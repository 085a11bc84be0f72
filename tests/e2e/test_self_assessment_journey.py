"""The monthly self-assessment in a real browser at tablet width: saved as you type, kept through a dropped
connection or a lost session, submitted by the ward manager, returned by a reviewer with a reason."""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Locator, Page, expect

from accredit.assessments import services
from accredit.auth.services import user_by_email
from accredit.demo import DEMO_PASSWORD
from accredit.extensions import db
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from tests.e2e.conftest import TABLET, TIMEOUT_MS
from tests.e2e.pages import check_page
from workflows.periods import next_period, period_containing
from workflows.ratings import Rating

WARD_MANAGER, REVIEWER = "ward.manager@demo.nhs.uk", "reviewer@demo.nhs.uk"
SAVED = re.compile(r"^Saved at \d\d:\d\d$")
IN_BROWSER = {"S1", "S2", "W8"}  #: the standards the ward manager answers on the page; the rest are saved before


def _period(which: str):
    scheme = current_scheme()
    period = period_containing(services.today_in_london(), scheme.assessment_cadence, scheme.assessment_due_after_days)
    return next_period(period, scheme.assessment_cadence, scheme.assessment_due_after_days) if which == "next" else period


def _ward_assessment(live_app, which: str, *, prefill: bool) -> tuple[int, str]:
    """The ward manager's team's self-assessment for this or the next period: (id, period label)."""
    with live_app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.code == "MED-ACUTE-02"))
        assessment, _ = services.ensure_assessment(team, _period(which))
        if prefill:
            todo = [r.standard.code for r in assessment.responses if r.standard.code not in IN_BROWSER]
            answers = [services.Answer(code, Rating.GOOD, f"{code}: checked at the monthly audit") for code in todo]
            services.save_answers(assessment, answers, by=user_by_email(WARD_MANAGER))
        db.session.commit()
        return assessment.id, assessment.period_label


def _check_with_diagram(page: Page, name: str) -> None:
    """The page checks, once mermaid has drawn the workflow diagram (drawing it briefly widens the page)."""
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, name)


def _standard(page: Page, code: str) -> Locator:
    return page.locator(f"section#std-{code}")


def _answer(page: Page, code: str, rating: str, narrative: str) -> Locator:
    """Choose a rating and type a narrative for one standard, as a person would; returns its save status."""
    section = _standard(page, code)
    section.get_by_label(rating, exact=True).check()
    section.get_by_label(f"What is happening and how you know ({code})").fill(narrative)
    return section.locator("[data-status]")


@pytest.fixture
def new_page(browser: Browser, live_server: str, browser_log) -> Callable[[], Page]:
    """new_page(): another person's browser (a fresh context, no cookies), watched like `page`."""
    contexts = []

    def _open() -> Page:
        context = browser.new_context(base_url=live_server, viewport=TABLET, locale="en-GB",
                                      timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", browser_log.on_console)
        page.on("pageerror", browser_log.on_page_error)
        return page

    yield _open
    for context in contexts:
        context.close()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")


def test_ward_manager_saves_as_they_go_submits_and_sees_a_return(page: Page, sign_in, new_page, live_app):
    assessment_id, period = _ward_assessment(live_app, "this", prefill=True)
    heading = f"Ward 7 Respiratory: self-assessment for {period}"

    sign_in(WARD_MANAGER)
    page.locator("h2:has-text('Your teams') + ul").get_by_role("link", name="Ward 7 Respiratory").click()
    _check_with_diagram(page, "team")
    page.get_by_role("link", name="This period's self-assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, "assessment-form")

    # Part of the form, saved as it is typed.
    expect(_answer(page, "S1", "Good", "Falls risk assessed on admission; audit 96%")).to_have_text(SAVED)
    expect(_answer(page, "S2", "Requires improvement", "Safeguarding training at 78%")).to_have_text(SAVED)

    page.reload()
    s1, s2 = _standard(page, "S1"), _standard(page, "S2")
    expect(s1.get_by_label("Good", exact=True)).to_be_checked()
    expect(s1.get_by_label("What is happening and how you know (S1)")).to_have_value(
        "Falls risk assessed on admission; audit 96%")
    expect(s2.get_by_label("Requires improvement", exact=True)).to_be_checked()
    expect(page.locator('[data-progress="safe"]')).to_have_text("6 of 6")
    expect(page.locator('[data-progress="well_led"]')).to_have_text("7 of 8")

    # The last one, then submit.
    expect(_answer(page, "W8", "Outstanding", "Freedom to speak up guardian on the ward")).to_have_text(SAVED)
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Submit the self-assessment for {period}")
    check_page(page, "assessment-submit")
    page.get_by_role("button", name="Submit self-assessment").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("Self-assessment submitted")
    expect(page.locator("main strong.nhsuk-tag").first).to_have_text("Submitted")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    check_page(page, "assessment-submitted")

    page.get_by_role("link", name="Self-assessments", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ward 7 Respiratory: self-assessments")
    _check_with_diagram(page, "assessment-history")

    # A reviewer finds it on their home page and returns it with a reason.
    reviewer = new_page()
    _sign_in(reviewer, REVIEWER)
    check_page(reviewer, "reviewer-home")
    reviewer.get_by_role("link", name=f"Review the {period} self-assessment").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(reviewer, "assessment-review")
    reviewer.get_by_role("link", name="Return to the team").click()
    check_page(reviewer, "assessment-return")
    reviewer.get_by_role("button", name="Return to the team").click()
    expect(reviewer.locator(".nhsuk-error-summary")).to_contain_text("Give a reason for returning it to the team")
    check_page(reviewer, "assessment-return-refused")
    reviewer.get_by_label("Why are you returning it?").fill("S2: add the safeguarding training plan as evidence")
    reviewer.get_by_role("button", name="Return to the team").click()
    expect(reviewer.locator(".nhsuk-notification-banner--success")).to_contain_text("Returned to the team")

    # The ward manager, signing in again, finds it back with the reason at the top.
    manager = new_page()
    _sign_in(manager, WARD_MANAGER)
    manager.get_by_role("link", name=f"Complete the {period} self-assessment").click()
    callout = manager.locator(".nhsuk-warning-callout, .nhsuk-card--warning").first
    expect(callout).to_contain_text("Returned to the team")
    expect(callout).to_contain_text("S2: add the safeguarding training plan as evidence")
    assert callout.bounding_box()["y"] < _standard(manager, "S1").bounding_box()["y"]
    expect(_standard(manager, "S2").get_by_label("Requires improvement", exact=True)).to_be_checked()
    check_page(manager, "assessment-returned")
    assert f"/self-assessments/{assessment_id}" in manager.url


def test_answer_typed_offline_is_saved_when_the_connection_returns(page: Page, sign_in, live_app, browser_log):
    browser_log.allow(r"ERR_INTERNET_DISCONNECTED")  # Chromium logs the failed save
    assessment_id, _ = _ward_assessment(live_app, "next", prefill=False)
    sign_in(WARD_MANAGER)
    page.goto(f"/self-assessments/{assessment_id}")

    page.context.set_offline(True)
    status = _answer(page, "C1", "Outstanding", "Typed in the side room, where there is no signal")
    expect(status).to_contain_text("Not saved yet: no connection")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text(SAVED)

    page.reload()
    expect(_standard(page, "C1").get_by_label("What is happening and how you know (C1)")).to_have_value(
        "Typed in the side room, where there is no signal")


def test_answer_typed_after_the_session_ends_is_saved_after_signing_in(page: Page, sign_in, live_app, browser_log):
    browser_log.allow(r"status of 400")  # the save refused without a session (CSRF), as Chromium logs it
    assessment_id, _ = _ward_assessment(live_app, "next", prefill=False)
    sign_in(WARD_MANAGER)
    page.goto(f"/self-assessments/{assessment_id}")

    page.context.clear_cookies()  # the session has expired
    status = _answer(page, "R2", "Good", "Interpreters booked for every admission that needs one")
    expect(status).to_contain_text("Not saved yet: you have been signed out")

    page.get_by_role("button", name="Save draft").click()  # refused too: the form's token died with the session
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with your request")

    page.goto(f"/self-assessments/{assessment_id}")  # to the sign-in page, which returns to the draft
    page.get_by_label("Email address", exact=True).fill(WARD_MANAGER)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    section = _standard(page, "R2")
    expect(section.locator("[data-status]")).to_have_text(SAVED)
    expect(section.get_by_label("What is happening and how you know (R2)")).to_have_value(
        "Interpreters booked for every admission that needs one")
    page.reload()
    expect(section.get_by_label("Good", exact=True)).to_be_checked()
