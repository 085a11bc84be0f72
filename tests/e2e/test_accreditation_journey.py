"""An accreditation application in a real browser at tablet width: from the invitation through the portfolio,
pre-panel and panel to the decision and the award, by the four people in it.

Most of the twenty standards are filled and reviewed through the services (as the same pages would, twenty
times over); one of each is done on its page, so that every page is drawn, checked by axe and used."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from accredit.accreditation import portfolio, prepanel
from accredit.accreditation.models import Application, EligibilityCheck, Verdict
from accredit.accreditation.services import invite_team
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.evidence.services import upload_evidence
from accredit.extensions import db
from accredit.org.models import Team
from tests.e2e.pages import check_page
from tests.evidence import samples

QUALITY_LEAD, WARD_MANAGER = "quality.lead@demo.nhs.uk", "ward.manager@demo.nhs.uk"
CHAIR, MEMBER = "panel.chair@demo.nhs.uk", "panel.member@demo.nhs.uk"
EVIDENCE = "Observation and escalation audit, 2026"
RATINGS = {"Safe": "Outstanding", "Effective": "Good", "Caring": "Outstanding", "Responsive": "Good",
           "Well-led": "Good"}
OUTCOME = "Outstanding Team: Outstanding in Safe and Caring (2 of 2 needed); no domain below Good"


def _as(page: Page, sign_in, email: str) -> Page:
    page.context.clear_cookies()
    return sign_in(email)


def _heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def _banner(page: Page):
    return expect(page.locator(".nhsuk-notification-banner--success"))


def _check_with_diagram(page: Page, name: str) -> None:
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, name)


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _invite(live_app) -> int:
    """Ward 7 becomes eligible and is invited; its library holds one audit."""
    with live_app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.name == "Ward 7 Respiratory"))
        check = EligibilityCheck(team_id=team.id, is_eligible=True, scheme_version="1", inputs={"rule": "eligibility"},
                                 explanation="Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Good")
        db.session.add(check)
        db.session.flush()
        application = invite_team(team, check, today=today_in_london())
        upload_evidence(team, io.BytesIO(samples.pdf(b"audit")), filename="audit.pdf", title=EVIDENCE,
                        review_by=None, by=_user(WARD_MANAGER))
        db.session.commit()
        return application.id


def _in_app(live_app, application_id: int, work) -> None:
    with live_app.app_context():
        work(db.session.get(Application, application_id))
        db.session.commit()
        db.session.remove()


def _fill_all_but_first(application: Application) -> None:
    from accredit.evidence.models import Evidence

    evidence = [db.session.scalar(sa.select(Evidence.id).where(Evidence.title == EVIDENCE))]
    for standard in application.standards[1:]:
        portfolio.save_entry(application, standard.code, statement=f"How we meet {standard.code}",
                             evidence_ids=evidence, by=_user(WARD_MANAGER))


def _review_all_but_first(application: Application) -> None:
    for standard in application.standards[1:]:
        prepanel.review_standard(application, standard.code, verdict=Verdict.ROBUST, comment="",
                                 by=_user(MEMBER))


def test_accreditation_from_invitation_to_award(page: Page, sign_in, live_app):
    application_id = _invite(live_app)
    url = f"/applications/{application_id}"

    # The ward manager starts the application from the team page and writes the first standard.
    _as(page, sign_in, WARD_MANAGER)
    page.goto("/teams")
    page.get_by_role("link", name="Ward 7 Respiratory", exact=True).click()
    page.get_by_role("link", name="Accreditation application", exact=True).click()
    _heading(page).to_have_text("Ward 7 Respiratory: accreditation application")
    _check_with_diagram(page, "application-invited")
    page.get_by_role("button", name="Start the application").click()
    _banner(page).to_contain_text("The application has started")
    _in_app(live_app, application_id, _fill_all_but_first)
    page.goto(url)
    expect(page.get_by_text("To submit the portfolio to pre-panel: Add evidence and a statement for AS1.")).to_be_visible()
    _check_with_diagram(page, "application-checklist")
    page.get_by_role("link", name="AS1 Recognising and responding to deterioration").click()
    _heading(page).to_have_text("AS1 Recognising and responding to deterioration")
    check_page(page, "application-entry")
    page.get_by_label("Your statement for this standard").fill("NEWS2 every four hours; escalation audited monthly")
    page.get_by_label(EVIDENCE).check()
    page.get_by_role("button", name="Save this standard").click()
    _banner(page).to_contain_text("AS1 Recognising and responding to deterioration is saved")
    page.get_by_role("button", name="Submit the portfolio to pre-panel").click()
    _banner(page).to_contain_text("The portfolio has gone to pre-panel")

    # The quality lead assigns the pre-panel.
    _as(page, sign_in, QUALITY_LEAD)
    page.goto(url)
    page.get_by_role("link", name="Assign the pre-panel").click()
    _heading(page).to_have_text("Pre-panel for Ward 7 Respiratory")
    check_page(page, "application-prepanel")
    page.get_by_label("Pre-panel member").select_option(label="Parker Panel")
    page.get_by_role("button", name="Assign to the pre-panel").click()
    _banner(page).to_contain_text("Parker Panel is on the pre-panel")

    # The pre-panel member reviews the first standard on its page, and assures the application.
    _as(page, sign_in, MEMBER)
    _in_app(live_app, application_id, _review_all_but_first)
    page.goto(url)
    page.get_by_role("link", name="AS1 Recognising and responding to deterioration").click()
    _heading(page).to_have_text("Pre-panel: AS1 Recognising and responding to deterioration")
    check_page(page, "application-review")
    page.get_by_label("Robust", exact=True).check()
    page.get_by_role("button", name="Save the verdict").click()
    _banner(page).to_contain_text("AS1 is marked robust")
    page.get_by_role("button", name="Assure the application").click()
    _banner(page).to_contain_text("The application is assured")

    # The quality lead sets the panel.
    _as(page, sign_in, QUALITY_LEAD)
    page.goto(url)
    page.get_by_role("link", name="Set the panel").click()
    _heading(page).to_have_text("Panel for Ward 7 Respiratory")
    page.get_by_label("Date of the panel").fill(today_in_london().isoformat())
    page.get_by_label("Chair", exact=True).select_option(label="Casey Chair")
    page.get_by_label("Parker Panel").check()
    page.get_by_label("Jordan Panel").check()
    page.get_by_role("button", name="Save the panel").click()
    _banner(page).to_contain_text("The panel is set")
    expect(page.get_by_text("The panel is quorate.")).to_be_visible()
    check_page(page, "application-panel")

    # The chair records the ratings, sees the outcome, confirms it; the award follows.
    _as(page, sign_in, CHAIR)
    page.goto(url)
    page.get_by_role("link", name="Record the panel's decision").click()
    _heading(page).to_have_text("The panel's decision for Ward 7 Respiratory")
    for domain, rating in RATINGS.items():
        page.get_by_role("group", name=f"Rating for {domain}").get_by_label(rating, exact=True).check()
        page.get_by_label(f"The panel's reasons for {domain}").fill(f"{domain}: what the panel heard")
    page.get_by_role("button", name="Show the outcome").click()
    expect(page.locator("#outcome")).to_contain_text(OUTCOME)
    check_page(page, "application-decision-preview")
    page.get_by_role("button", name="Confirm the decision").click()
    _banner(page).to_contain_text(OUTCOME)
    expect(page.locator(".nhsuk-tag").first).to_have_text("Decided")
    _check_with_diagram(page, "application-decided")
    page.get_by_role("link", name="See the Outstanding Team award").click()
    _heading(page).to_have_text(re.compile("^Ward 7 Respiratory: Outstanding Team award"))
    check_page(page, "application-award")
