"""Award pages: the award page and its certificate (scoped), reinstating, the team page, the public list."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from accredit.awards.services import expire_award, suspend_award
from accredit.extensions import db
from accredit.roles import Role
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, field_error, table_rows
from workflows.accreditation import AwardStatus
from workflows.ratings import Domain, Rating


@pytest.fixture
def password() -> str:
    return PASSWORD


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_award_page_shows_status_ratings_and_certificate_link(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    db.session.commit()
    auth.login(trust.member)
    response = client.get(f"/awards/{award.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Ward 7 Respiratory: Outstanding Team award</h1>" in html
    assert f'href="/awards/{award.id}/certificate.pdf"' in html
    ratings = re.findall(r'<th class="nhsuk-table__header" scope="row">([^<]+)</th>\s*'
                         r'<td class="nhsuk-table__cell">([^<]+)</td>', html)
    assert ratings == [("Safe", "Outstanding"), ("Effective", "Good"), ("Caring", "Outstanding"),
                       ("Responsive", "Good"), ("Well-led", "Good")]
    assert "Reinstate the award" not in html


def test_certificate_pdf_names_team_award_ratings_dates_and_chair(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    db.session.commit()
    auth.login(trust.lead)
    response = client.get(f"/awards/{award.id}/certificate.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.headers["Content-Disposition"] == (
        'inline; filename="ward-7-respiratory-outstanding-team-2026-03-02.pdf"')
    text = pdf_text(response.data)
    for expected in ("Outstanding Team award", "Ward 7 Respiratory", "Acute, Medicine", "Safe Outstanding",
                     "Effective Good", "Caring Outstanding", "Responsive Good", "Well-led Good",
                     "Awarded on 2 March 2026. Valid until 2 March 2027.", "Chris Chair",
                     "Chair of the accreditation panel"):
        assert expected in text
    assert PdfReader(io.BytesIO(response.data)).metadata.title == "Outstanding Team award: Ward 7 Respiratory"


def test_certificate_of_a_team_named_in_typographic_characters(client, auth, granter, trust, factory):
    team = factory.team(trust.acute, name="St Mary’s – “Rainbow” Ward")
    factory.grant(trust.lead, Role.TEAM_LEAD, team)
    award = granter.grant(team=team, decided_on=date(2026, 3, 2), ratings=dict.fromkeys(Domain, Rating.OUTSTANDING))
    db.session.commit()
    auth.login(trust.lead)
    text = pdf_text(client.get(f"/awards/{award.id}/certificate.pdf").data)
    assert "Excelling Team award" in text and "St Mary's - \"Rainbow\" Ward" in text


def test_certificate_of_a_suspended_award_says_so(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    suspend_award(award, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    db.session.commit()
    auth.login(trust.lead)
    assert "This award is suspended." in pdf_text(client.get(f"/awards/{award.id}/certificate.pdf").data)


def test_another_teams_lead_gets_404_for_award_and_certificate(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    suspend_award(award, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    db.session.commit()
    auth.login(trust.outsider)
    paths = [f"/awards/{award.id}", f"/awards/{award.id}/certificate.pdf", f"/awards/{award.id}/reinstate"]
    assert {p: client.get(p).status_code for p in paths} == {p: 404 for p in paths}


def test_award_pages_need_sign_in(client, granter):
    award = granter.grant(decided_on=date(2026, 3, 2))
    db.session.commit()
    response = client.get(f"/awards/{award.id}/certificate.pdf")
    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/sign-in")


def test_team_lead_may_not_reinstate(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    suspend_award(award, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    db.session.commit()
    auth.login(trust.lead)
    token = auth.csrf_token("/sign-out")
    path = f"/awards/{award.id}/reinstate"
    assert (client.get(path).status_code,
            client.post(path, data={"csrf_token": token, "reason": "x"}).status_code) == (403, 403)
    assert award.status is AwardStatus.SUSPENDED


def test_quality_lead_reinstates_with_a_reason(client, auth, granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), Rating.REQUIRES_IMPROVEMENT)
    db.session.commit()
    auth.login(trust.quality_lead)
    page = client.get(f"/awards/{award.id}")
    assert 'href="/awards/%d/reinstate"' % award.id in page.get_data(as_text=True)
    form = client.get(f"/awards/{award.id}/reinstate")
    empty = client.post(f"/awards/{award.id}/reinstate", data={"csrf_token": csrf_token_from(form), "reason": " ",
                                                                "version": str(award.version)})
    assert (empty.status_code, field_error(empty, "reason")) == (200, "Give the reason for reinstating the award")
    done = client.post(f"/awards/{award.id}/reinstate", data={
        "csrf_token": csrf_token_from(form), "reason": "Follow-up QRV rated Good", "version": str(award.version)})
    assert (done.status_code, done.headers["Location"]) == (302, f"/awards/{award.id}")
    db.session.refresh(award)
    assert (award.status, award.suspensions[0].reinstate_reason) == (AwardStatus.ACTIVE, "Follow-up QRV rated Good")


def test_reinstate_page_of_an_active_award_is_404(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    db.session.commit()
    auth.login(trust.quality_lead)
    assert client.get(f"/awards/{award.id}/reinstate").status_code == 404


def test_team_page_shows_the_current_award(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    db.session.commit()
    auth.login(trust.member)
    html = client.get(f"/teams/{trust.ward.id}").get_data(as_text=True)
    assert f'<a href="/awards/{award.id}">Outstanding Team award</a>' in html
    assert "valid until 2 March 2027" in html
    other = client.get(f"/teams/{trust.sister_ward.id}")
    assert other.status_code == 404 or "holds no accreditation award" in other.get_data(as_text=True)


def test_public_list_needs_no_sign_in_and_shows_only_active_awards(client, granter, trust):
    granter.grant(decided_on=date(2026, 3, 2))
    granter.grant(team=trust.community, decided_on=date(2026, 4, 20), ratings=dict.fromkeys(Domain, Rating.OUTSTANDING))
    suspended = granter.grant(team=trust.sister_ward, decided_on=date(2026, 3, 2))
    suspend_award(suspended, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    expired = granter.grant(team=trust.surgical_ward, decided_on=date(2025, 1, 6))
    expire_award(expired)
    db.session.commit()
    response = client.get("/accredited-teams")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Accredited teams</h1>" in html
    assert table_rows(response) == [
        ["Ward 7 Respiratory", "Acute", "Outstanding Team", "2 March 2027"],
        ["District Nursing", "Community", "Excelling Team", "20 April 2027"],
    ]
    for private in ("Chris Chair", "Sam Sister", "Quinn Quality", "Ward 8", "Ward 20"):
        assert private not in html


def test_home_page_asks_the_quality_lead_about_a_suspended_award(client, auth, granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    suspend_award(award, reason="QRV below Good", by=trust.quality_lead, today=date(2026, 9, 9))
    db.session.commit()
    auth.login(trust.quality_lead)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/awards/{award.id}">Decide whether to reinstate the suspended Outstanding Team award</a>' in html
    auth.logout()
    auth.login(trust.lead)
    assert "Decide whether to reinstate" not in client.get("/").get_data(as_text=True)
