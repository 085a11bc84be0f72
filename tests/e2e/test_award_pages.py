"""The public list of accredited teams (no sign-in) and an award page with its certificate, at tablet width."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.awards.services import grant_award
from accredit.extensions import db
from accredit.org.models import Team
from tests.e2e.pages import check_page
from workflows.accreditation import ApplicationStatus, AwardKind
from workflows.ratings import Domain, Rating
from workflows.rules import award_outcome

TEAM = "Ward 9 Stroke"


def _grant_demo_award(app) -> int:
    """An Excelling Team award for Ward 9 Stroke, decided today by the demo panel chair; returns its id."""
    with app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.name == TEAM))
        chair = db.session.scalar(sa.select(User).where(User.email == "panel.chair@demo.nhs.uk"))
        today = today_in_london()
        check = EligibilityCheck(team_id=team.id, is_eligible=True, explanation="Eligible (e2e)", inputs={},
                                 scheme_version="1")
        db.session.add(check)
        db.session.flush()
        application = Application(team_id=team.id, status=ApplicationStatus.DECIDED, eligibility_id=check.id,
                                  invitation_expires_on=today + timedelta(days=90), scheme_version="1")
        db.session.add(application)
        db.session.flush()
        ratings = dict.fromkeys(Domain, Rating.OUTSTANDING)
        outcome = award_outcome(ratings)
        award = grant_award(application, kind=AwardKind(outcome.value), ratings=ratings,
                            explanation=outcome.explanation, decided_on=today, chair=chair, by=chair)
        db.session.commit()
        return award.id


def test_public_list_and_award_page(page: Page, live_app, sign_in):
    award_id = _grant_demo_award(live_app)

    page.goto("/accredited-teams")  # nobody signed in
    expect(page.get_by_role("heading", level=1)).to_have_text("Accredited teams")
    expect(page.get_by_role("row", name=f"{TEAM} Acute and emergency medicine Excelling Team")).to_be_visible()
    check_page(page, "awards-public-list")

    sign_in("quality.lead@demo.nhs.uk")
    page.goto("/teams")
    page.get_by_role("link", name=TEAM, exact=True).click()
    page.get_by_role("link", name="Excelling Team award").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{TEAM}: Excelling Team award")
    expect(page.get_by_role("link", name="Print the certificate (PDF)")).to_have_attribute(
        "href", f"/awards/{award_id}/certificate.pdf")
    expect(page.get_by_role("row", name="Well-led Outstanding")).to_be_visible()
    expect(page.locator("figure.app-diagram svg").first).to_be_visible()
    check_page(page, "award")
