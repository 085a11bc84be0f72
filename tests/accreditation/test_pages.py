"""Application pages: scope (404) and permission (403), the checklist, the portfolio editor, pre-panel verdicts,
the panel page, the decision's outcome shown before it is confirmed, the appeal, and the team page's link."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from accredit.accreditation.models import Verdict
from accredit.assessments.services import today_in_london
from accredit.extensions import db
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors, table_rows
from workflows.accreditation import ApplicationStatus as S
from workflows.ratings import Domain


@pytest.fixture
def password() -> str:
    return PASSWORD


def _post(client, path: str, data: dict, form_page: str | None = None):
    token = csrf_token_from(client.get(form_page or path))
    return client.post(path, data={"csrf_token": token, **data})


def test_application_pages_answer_404_outside_scope(client, auth, trust, app_walk):
    application = app_walk.preparing()
    db.session.commit()
    auth.login(trust.outsider)
    base = f"/applications/{application.id}"
    paths = [base, f"{base}/standards/AS1", f"{base}/withdraw", f"{base}/appeal", f"{base}/prepanel",
             f"{base}/review/AS1", f"{base}/panel", f"{base}/decision", f"{base}/appeal/decide",
             f"/teams/{trust.ward.id}/applications"]
    assert {p: client.get(p).status_code for p in paths} == {p: 404 for p in paths}


def test_team_member_edits_the_portfolio_but_may_not_submit(client, auth, trust, app_walk):
    application = app_walk.preparing()
    evidence = app_walk.evidence()
    db.session.commit()
    auth.login(trust.member)
    saved = _post(client, f"/applications/{application.id}/standards/AS1",
                  {"statement": "Observations every four hours, escalated by NEWS2", "evidence": [evidence.id]})
    page = client.get(saved.headers["Location"])
    assert flashed(page) == ["AS1 Recognising and responding to deterioration is saved"]
    assert table_rows(page)[0] == ["safe, timely", "Written", "1 item", "–"]
    assert "19 of 20 standards still need a statement and evidence" in page.get_data(as_text=True)
    token = auth.csrf_token("/sign-out")
    assert client.post(f"/applications/{application.id}/submit", data={"csrf_token": token}).status_code == 403


def test_the_lead_sees_why_the_portfolio_cannot_be_submitted(client, auth, trust, app_walk):
    application = app_walk.preparing()
    app_walk.fill(application, skip=("AR1",))
    db.session.commit()
    auth.login(trust.lead)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "To submit the portfolio to pre-panel: Add evidence and a statement for AR1." in html


def test_returned_application_shows_what_to_strengthen(client, auth, trust, panel, app_walk):
    from accredit.accreditation import prepanel

    application = app_walk.pre_panel()
    prepanel.review_standard(application, "AE2", verdict=Verdict.NEEDS_MORE, comment="Outcomes data is a year old",
                             by=panel.member)
    prepanel.return_application(application, by=panel.member, reason="Outcome evidence needs refreshing")
    db.session.commit()
    auth.login(trust.lead)
    page = client.get(f"/applications/{application.id}")
    html = page.get_data(as_text=True)
    assert ("Outcome evidence needs refreshing" in html, ["Written", "1 item", "Needs more: Outcomes data is a year old"]
            in [row[1:] for row in table_rows(page)]) == (True, True)


def test_needs_more_without_comment_shows_the_error_by_the_field(client, auth, trust, panel, app_walk):
    application = app_walk.pre_panel()
    db.session.commit()
    auth.login(panel.member)
    response = _post(client, f"/applications/{application.id}/review/AS1", {"verdict": "needs_more", "comment": ""})
    assert (response.status_code, field_error(response, "comment"), summary_errors(response)) == (
        200, "Say what the team should strengthen", ["Say what the team should strengthen"])


def test_decision_page_shows_the_outcome_before_confirming(client, auth, trust, panel, app_walk):
    application = app_walk.pre_panel()
    app_walk.mark_all(application)
    from accredit.accreditation import prepanel

    prepanel.assure_application(application, by=panel.member)
    app_walk.seat(application, today_in_london())
    db.session.commit()
    auth.login(panel.chair)
    path = f"/applications/{application.id}/decision"
    data = {}
    for d in Domain:
        data[f"{d.value}-rating"] = "outstanding" if d in (Domain.SAFE, Domain.CARING) else "good"
        data[f"{d.value}-reasons"] = f"{d.label}: what we heard"
    preview = _post(client, path, {**data, "action": "preview"})
    html = preview.get_data(as_text=True)
    explanation = "Outstanding Team: Outstanding in Safe and Caring (2 of 2 needed); no domain below Good"
    assert (explanation in html, application.status) == (True, S.PANEL_READY)
    token = csrf_token_from(preview)
    previewed = ",".join(f"{d.value}={data[f'{d.value}-rating']}" for d in Domain)
    done = client.post(path, data={"csrf_token": token, **data, "previewed": previewed, "action": "confirm"})
    assert done.status_code == 302
    db.session.expire_all()
    page = client.get(done.headers["Location"])
    assert (application.status, flashed(page)) == (S.DECIDED, [explanation])
    assert "See the Outstanding Team award" in page.get_data(as_text=True)


def test_confirm_without_preview_only_previews(client, auth, trust, panel, app_walk):
    application = app_walk.panel_ready(today=today_in_london())
    db.session.commit()
    auth.login(panel.chair)
    data = {f"{d.value}-rating": "good" for d in Domain} | {f"{d.value}-reasons": "Fine" for d in Domain}
    response = _post(client, f"/applications/{application.id}/decision", {**data, "action": "confirm"})
    assert (response.status_code, application.status) == (200, S.PANEL_READY)


def test_panel_member_may_not_decide_the_appeal(client, auth, trust, panel, app_walk):
    application = app_walk.decided(today=today_in_london())
    from accredit.accreditation import appeals

    appeals.lodge_appeal(application, statement="The chair did not hear us", by=trust.lead, today=today_in_london())
    db.session.commit()
    auth.login(panel.chair)
    assert client.get(f"/applications/{application.id}/appeal/decide").status_code == 403
    auth.logout()
    auth.login(panel.chair2)
    response = _post(client, f"/applications/{application.id}/appeal/decide",
                     {"outcome": "dismissed", "reason": "The record shows the team was heard"})
    db.session.expire_all()
    assert (response.status_code, application.status) == (302, S.DECIDED)


def test_team_page_links_the_application(client, auth, trust, app_walk):
    application = app_walk.invited(today=today_in_london())
    db.session.commit()
    auth.login(trust.lead)
    html = client.get(f"/teams/{trust.ward.id}").get_data(as_text=True)
    assert f'href="/applications/{application.id}">Accreditation application</a>: invited' in html
    expires = (today_in_london() + timedelta(days=90))
    assert f"lapses after <strong>{expires:%-d %B %Y}</strong>" in client.get(
        f"/applications/{application.id}").get_data(as_text=True)


def test_home_page_lists_the_leads_task(client, auth, trust, app_walk):
    app_walk.invited(today=date(2026, 9, 10))
    db.session.commit()
    auth.login(trust.lead)
    assert "Start the application for accreditation" in client.get("/").get_data(as_text=True)


def test_evidence_page_says_which_standard_uses_it(client, auth, trust, app_walk):
    application = app_walk.preparing()
    app_walk.fill(application, skip=tuple(s.code for s in application.standards[1:]))
    db.session.commit()
    auth.login(trust.lead)
    html = client.get(f"/evidence/{app_walk.evidence().id}").get_data(as_text=True)
    assert "Accreditation portfolio: AS1 Recognising and responding to deterioration" in html
