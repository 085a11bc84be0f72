"""Reminders in a real browser at tablet width: a quality lead pauses a ward's deadlines, a ward manager reads and
clears notifications and picks a daily digest, an administrator reads the outbox."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.notifications.services import mark_all_read, notify
from accredit.org.models import Team
from tests.e2e.pages import check_page, open_from_menu


def _remind(live_app, email: str, subject: str) -> None:
    with live_app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == email)).one()
        notify(user, kind="e2e.reminder", key=f"e2e:{subject}:{utcnow().isoformat()}", subject=subject,
               template="notifications/emails/digest", link="/notifications",
               context={"items": [], "day": today_in_london(), "absolute_url": str})
        db.session.commit()


def test_quality_lead_pauses_a_wards_deadlines(page: Page, sign_in, live_app):
    with live_app.app_context():  # a Medicine team no other journey uses
        team = db.session.scalars(sa.select(Team).where(Team.code.like("MED-%"), Team.code != "MED-ACUTE-02")
                                  .order_by(Team.code.desc()).limit(1)).one()
        team_id, name = team.id, team.name
    sign_in("medicine.quality@demo.nhs.uk")
    page.goto(f"/teams/{team_id}")
    page.get_by_role("link", name="Pause or extend deadlines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}: pause deadlines")
    check_page(page, "deadlines")

    page.get_by_label("Last paused day").fill("")
    page.get_by_role("button", name="Pause deadlines").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(["Give the reason for the pause", "Enter the last paused day"])
    check_page(page, "deadlines-errors")

    until = today_in_london() + timedelta(days=14)
    page.get_by_label("Why are the deadlines paused?").fill("Norovirus outbreak: ward closed to admissions")
    page.get_by_label("Last paused day").fill(until.isoformat())
    page.get_by_role("button", name="Pause deadlines").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        f"{name}'s deadlines are paused until {until.strftime('%-d %B %Y')}")
    expect(page.get_by_role("table")).to_contain_text("Paused now")
    check_page(page, "deadlines-paused")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=name).click()
    expect(page.locator(".app-pause-notice")).to_contain_text("Norovirus outbreak: ward closed to admissions")


def _read_everything(live_app, email: str) -> None:
    """Other journeys on the shared demo trust may have told this person things: start from none unread."""
    with live_app.app_context():
        mark_all_read(db.session.scalars(sa.select(User).where(User.email == email)).one())
        db.session.commit()


def test_ward_manager_reads_notifications_and_chooses_a_digest(page: Page, sign_in, live_app):
    _read_everything(live_app, "nurse@demo.nhs.uk")
    for n in (1, 2):
        _remind(live_app, "nurse@demo.nhs.uk", f"Ward 7 Respiratory: reminder {n}")
    sign_in("nurse@demo.nhs.uk")
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Notifications (2 new)")).to_be_visible()
    account.get_by_role("link", name="Notifications (2 new)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    check_page(page, "notifications")

    page.get_by_role("button", name="Mark as read – Ward 7 Respiratory: reminder 2").click()
    expect(account.get_by_role("link", name="Notifications (1 new)")).to_be_visible()
    page.get_by_role("button", name="Mark all 1 as read").click()
    expect(account.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    page.get_by_role("link", name="change how you get emails").click()
    page.get_by_label("One email a day with everything new").check()
    page.get_by_role("button", name="Save email choice").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("Your email choice has been saved")
    expect(page.get_by_label("One email a day with everything new")).to_be_checked()
    check_page(page, "account-emails")


def test_administrator_reads_the_outbox(page: Page, sign_in, live_app):
    _remind(live_app, "crisis.lead@demo.nhs.uk", "Crisis Team: reminder for the outbox")
    sign_in("admin@demo.nhs.uk")
    open_from_menu(page, "Outbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    check_page(page, "outbox")
    page.get_by_label("Recipient name or email").fill("crisis.lead")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Crisis Team: reminder for the outbox").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Crisis Team: reminder for the outbox")
    check_page(page, "outbox-item")
