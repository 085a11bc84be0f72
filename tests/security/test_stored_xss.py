"""Stored cross-site scripting: markup typed into every free-text field comes back as text, never as markup.

Team A is built with a script payload in every name, title, narrative, finding, reason and note (tests/security
/world.py), then taken further (a visit rated, reported and published; an assessment submitted and returned; an
action completed with a note; a visit cancelled) so that the notifications those steps send carry it too. Every
page is read by the people who see the most (the trust administrator and quality lead, team A's lead): no HTML
page and no notification email's HTML body may hold the payload unescaped.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from markupsafe import escape

from accredit.actions import services as actions
from accredit.assessments import services as assessments
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.visits import services as visits
from tests.conftest import AuthActions
from tests.factories import PASSWORD
from tests.security.test_route_matrix import ADMIN, MINE, OPEN, ROUTES, TEAM, requests_for
from tests.security.world import build_world
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind

PAYLOAD = "\"'><script>alert(\"xss\")</script><img src=x onerror=alert(1)>"
#: What must never reach a browser as markup (the payload's dangerous parts, raw).
RAW = ["<script>alert(", "<img src=x onerror", "\"'><"]
ESCAPED = str(escape(PAYLOAD))


def take_further(world) -> None:
    """More free text through the real services: ratings, findings, summary, return reason, note, cancel reason."""
    lead, reviewer, quality_lead = world.lead_a, world.reviewer_a, world.quality_lead
    visit = world.visit
    visits.schedule_visit(visit, by=quality_lead)
    visits.start_visit(visit, by=reviewer)
    visits.save_ratings(visit, {d: (Rating.GOOD, f"{PAYLOAD} {d.label}") for d in Domain}, by=reviewer,
                        summary=f"{PAYLOAD} summary")
    visits.draft_report(visit, by=reviewer)
    visits.send_report(visit, by=reviewer, today=visit.visit_date)
    visits.comment_on_report(visit, f"{PAYLOAD} comments", by=lead, today=visit.visit_date)
    cancelled = visits.plan_visit(world.team_a, VisitKind.QRV, date(2030, 5, 5), by=quality_lead)
    visits.cancel_visit(cancelled, by=quality_lead, reason=f"{PAYLOAD} cancelled")

    codes = [r.standard.code for r in world.assessment.responses]
    assessments.save_answers(world.assessment, [assessments.Answer(c, Rating.GOOD, f"{PAYLOAD} {c}") for c in codes],
                             by=lead)
    assessments.submit_self_assessment(world.assessment, by=lead)
    assessments.return_self_assessment(world.assessment, by=quality_lead, reason=f"{PAYLOAD} returned")

    actions.start_action(world.action, by=lead)
    actions.complete_action(world.action, by=lead, note=f"{PAYLOAD} note", evidence_ids=[world.evidence.id])
    db.session.commit()


def unescaped(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


def test_stored_xss_every_page_shows_the_payload_as_text(app, factory):
    world = build_world(factory, PASSWORD, text=PAYLOAD)
    take_further(world)
    requests, _ = requests_for(app, world)
    pages = [r for r in requests if r.method == "GET" and not r.is_api and r.route.kind in {TEAM, OPEN, ADMIN, MINE}
             and r.endpoint not in {"evidence.download", "org_admin.import_example"}]

    found, shown = {}, set()
    for reader in (world.admin, world.quality_lead, world.lead_a):
        client = app.test_client()
        AuthActions(client).login(reader)
        for page in pages:
            response = client.get(page.url)
            if response.mimetype != "text/html":
                continue  # exports and PDFs: tests/security/test_exports.py
            html = response.get_data(as_text=True)
            if unescaped(html):
                found[(reader.name, page.url)] = unescaped(html)
            if ESCAPED in html:
                shown.add(page.endpoint)
    assert found == {}
    # the payload did reach the pages that show A's records (escaped), so the check above saw it
    assert {"org.team", "actions.show", "visits.show", "assessments.show", "evidence.show", "deadlines.index",
            "users.show", "accreditation.show", "awards.show", "stepup.team"} <= shown


def test_stored_xss_notification_emails_escape_it_in_their_html_body(app, factory):
    world = build_world(factory, PASSWORD, text=PAYLOAD)
    take_further(world)
    rows = db.session.scalars(sa.select(Notification).where(Notification.kind != "test")).all()
    assert {r.kind: unescaped(r.body_html) for r in rows} == {r.kind: [] for r in rows}
    assert len([r for r in rows if ESCAPED in r.body_html]) >= 2
