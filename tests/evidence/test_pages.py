"""The library, item and download pages: scope (404), permission (403), headers, stale flag, usage, editing."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.evidence import services, usage
from accredit.evidence.models import Evidence
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.roles import Role
from tests.evidence import samples
from tests.evidence.conftest import evidence_rows, upload_page
from tests.helpers import csrf_token_from


def _evidence(library, data: bytes = None, *, filename: str = "audit.pdf", title: str = "Hand hygiene audit",
              review_by: date | None = None) -> Evidence:
    evidence = services.upload_evidence(library.team, io.BytesIO(data or samples.pdf()), filename=filename,
                                        title=title, review_by=review_by, by=library.member)
    db.session.commit()
    return evidence


def _pages(evidence: Evidence) -> list[str]:
    return [f"/teams/{evidence.team_id}/evidence", f"/evidence/{evidence.id}", f"/evidence/{evidence.id}/download"]


def test_pages_answer_404_to_member_of_another_team(client, auth, library):
    evidence = _evidence(library)
    auth.login(library.outsider)
    assert [client.get(page).status_code for page in _pages(evidence)] == [404, 404, 404]


def test_pages_answer_404_for_missing_and_deleted_evidence(client, auth, library):
    evidence = _evidence(library)
    evidence.deleted_at = utcnow()
    db.session.commit()
    auth.login(library.member)
    assert [client.get(page).status_code for page in _pages(evidence)[1:] + ["/evidence/999"]] == [404, 404, 404]


def test_upload_by_outsider_answers_404_and_stores_nothing(client, auth, library):
    auth.login(library.outsider)
    token = csrf_token_from(client.get("/account"))
    response = client.post(f"/teams/{library.team.id}/evidence", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "Sneaky", "file": (io.BytesIO(samples.pdf()), "a.pdf")})
    assert (response.status_code, evidence_rows()) == (404, [])


def test_reviewer_sees_library_but_may_not_upload_or_edit(client, auth, factory, library):
    evidence = _evidence(library)
    reviewer = factory.user(role=Role.REVIEWER, scope=library.team)
    factory.commit()
    auth.login(reviewer)
    page = client.get(f"/teams/{library.team.id}/evidence").get_data(as_text=True)
    assert ("Hand hygiene audit" in page, "Upload evidence" in page) == (True, False)
    token = csrf_token_from(client.get("/account"))
    upload = client.post(f"/teams/{library.team.id}/evidence", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "Mine", "file": (io.BytesIO(samples.pdf()), "a.pdf")})
    edit = client.post(f"/evidence/{evidence.id}", data={"csrf_token": token, "title": "Changed", "version": "1"})
    assert (upload.status_code, edit.status_code) == (403, 403)
    assert evidence_rows() == [("Hand hygiene audit", "audit.pdf", "application/pdf")]


def test_quality_lead_for_division_may_upload(client, auth, factory, library):
    lead = factory.user(role=Role.QUALITY_LEAD, scope=library.team.service.division)
    factory.commit()
    auth.login(lead)
    response = upload_page(client, library.team.id, samples.csv_text(), "falls.csv", title="Falls data")
    assert (response.status_code, evidence_rows()) == (302, [("Falls data", "falls.csv", "text/csv")])


def test_download_headers_are_exact(client, auth, library):
    evidence = _evidence(library, filename="Audit – März 2026.pdf")
    auth.login(library.member)
    response = client.get(f"/evidence/{evidence.id}/download")
    headers = {name: response.headers.get(name) for name in (
        "Content-Type", "Content-Length", "Content-Disposition", "X-Content-Type-Options", "Cache-Control",
        "Content-Security-Policy")}
    assert response.status_code == 200
    assert headers == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(samples.pdf())),
        "Content-Disposition": "attachment; filename*=UTF-8''Audit%20%E2%80%93%20M%C3%A4rz%202026.pdf",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    assert response.get_data() == samples.pdf()


def test_download_of_csv_is_an_attachment_too(client, auth, library):
    evidence = _evidence(library, samples.csv_text(), filename="falls.csv")
    auth.login(library.member)
    response = client.get(f"/evidence/{evidence.id}/download")
    assert (response.headers["Content-Type"], response.headers["Content-Disposition"]) == (
        "text/csv; charset=utf-8", "attachment; filename*=UTF-8''falls.csv")


def test_stale_evidence_is_flagged_on_library_and_item_pages(client, auth, library):
    today = date.today()
    stale = _evidence(library, title="Old policy", review_by=today - timedelta(days=2))
    _evidence(library, samples.png(), filename="a.png", title="Current photo", review_by=today + timedelta(days=30))
    auth.login(library.member)
    html = client.get(f"/teams/{library.team.id}/evidence").get_data(as_text=True)
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', html, re.S)[1:]  # after the header row
    flagged = {re.search(r'<a href="/evidence/\d+">([^<]+)</a>', row).group(1): "Stale" in row for row in rows}
    assert flagged == {"Current photo": False, "Old policy": True}
    assert "nhsuk-tag--red\">Stale" in client.get(f"/evidence/{stale.id}").get_data(as_text=True)


def test_is_stale_compares_review_by_with_today():
    evidence = Evidence(review_by=date(2026, 11, 23))
    undated = Evidence(review_by=None)
    assert [evidence.is_stale(date(2026, 11, d)) for d in (22, 23, 24)] + [undated.is_stale(date(2030, 1, 1))] == [
        False, False, True, False]


@pytest.fixture
def usage_source(monkeypatch):
    """A stand-in for the self-assessments' usage source, counting its calls."""
    calls = []

    def source(evidence_ids):
        calls.append(sorted(evidence_ids))
        return {evidence_id: [usage.Usage(f"November 2026 self-assessment, standard S{evidence_id}", "/sa/1")]
                for evidence_id in evidence_ids if evidence_id % 2}

    monkeypatch.setattr(usage, "_SOURCES", [source])
    return calls


def test_library_shows_where_each_item_is_used_with_one_call_per_source(client, auth, library, usage_source):
    first, second = _evidence(library, title="A"), _evidence(library, samples.png(), filename="b.png", title="B")
    auth.login(library.member)
    html = client.get(f"/teams/{library.team.id}/evidence").get_data(as_text=True)
    assert ('<a href="/sa/1">November 2026 self-assessment, standard S1</a>' in html, "Not used yet" in html) == (
        True, True)
    assert usage_source == [[first.id, second.id]]


def test_edit_changes_title_and_review_date_and_is_audited(client, auth, library):
    evidence = _evidence(library)
    auth.login(library.member)
    token = csrf_token_from(client.get(f"/evidence/{evidence.id}"))
    response = client.post(f"/evidence/{evidence.id}", data={
        "csrf_token": token, "title": "Hand hygiene audit Q3", "review_by": "2027-01-31", "version": "1"})
    assert (response.status_code, response.location) == (302, f"/evidence/{evidence.id}")
    db.session.expire_all()
    assert (evidence.title, evidence.review_by, evidence.version) == ("Hand hygiene audit Q3", date(2027, 1, 31), 2)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "evidence.update")).one()
    assert event.data == {"before": {"title": "Hand hygiene audit", "review_by": None},
                          "after": {"title": "Hand hygiene audit Q3", "review_by": "2027-01-31"}}


def test_edit_with_stale_version_changes_nothing_and_keeps_typing(client, auth, library):
    evidence = _evidence(library)
    auth.login(library.member)
    token = csrf_token_from(client.get(f"/evidence/{evidence.id}"))
    response = client.post(f"/evidence/{evidence.id}", data={
        "csrf_token": token, "title": "My new title", "version": "0"})
    html = response.get_data(as_text=True)
    assert (response.status_code, "Someone else changed this evidence" in html, 'value="My new title"' in html) == (
        409, True, True)
    db.session.expire_all()
    assert evidence.title == "Hand hygiene audit"
