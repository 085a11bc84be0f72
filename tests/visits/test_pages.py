"""Visit pages: scope (404), permission (403), planning, reviewers and conflicts, ratings, comments, the team page."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from accredit.actions.models import Action
from accredit.extensions import db
from accredit.roles import Role
from accredit.visits import services
from accredit.visits.models import ConflictDeclaration, Visit
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, field_error, flashed, select_options, summary_errors, table_rows
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind, VisitStatus


@pytest.fixture
def password() -> str:
    return PASSWORD


def _post(client, path: str, data: dict, form_page: str | None = None):
    token = csrf_token_from(client.get(form_page or path))
    return client.post(path, data={"csrf_token": token, **data})


def _buttons(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<button[^>]*class="nhsuk-button[^"]*"[^>]*>\s*(.*?)\s*</button>', html, re.S)


# --- Scope and permission -------------------------------------------------------------------------------------


def test_visit_pages_answer_404_outside_scope(client, auth, trust, walk):
    visit = walk.plan()
    db.session.commit()
    auth.login(trust.outsider)
    paths = [f"/visits/{visit.id}", f"/visits/{visit.id}/reviewers", f"/visits/{visit.id}/ratings",
             f"/visits/{visit.id}/cancel", f"/visits/{visit.id}/comments", f"/teams/{trust.ward.id}/visits",
             f"/teams/{trust.ward.id}/visits/new"]
    assert {p: client.get(p).status_code for p in paths} == {p: 404 for p in paths}


def test_team_member_may_not_plan_a_visit(client, auth, trust):
    auth.login(trust.member)
    token = auth.csrf_token("/sign-out")  # a page with a form: the session's token
    path = f"/teams/{trust.ward.id}/visits/new"
    statuses = (client.get(path).status_code,
                client.post(path, data={"csrf_token": token, "kind": "qrv", "visit_date": "2026-03-03"}).status_code)
    assert (statuses, db.session.scalars(sa.select(Visit)).all()) == ((403, 403), [])


def test_team_member_sees_the_visit_but_no_buttons_and_no_draft(client, auth, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.DRAFT_REPORT)
    db.session.commit()
    auth.login(trust.member)
    response = client.get(f"/visits/{visit.id}")
    html = response.get_data(as_text=True)
    assert (response.status_code, _buttons(response)) == (200, [])
    assert ("The team sees the ratings and findings when the reviewers send the draft report" in html,
            "Safe: what we saw" in html) == (True, False)
    assert [client.get(f"/visits/{visit.id}/{p}").status_code for p in ("ratings", "reviewers", "cancel")] == [403] * 3


def test_visits_nav_and_overview_for_quality_leads_and_reviewers_only(client, auth, trust, walk):
    walk.plan()
    walk.plan(trust.surgical_ward, day=date(2026, 2, 2))
    db.session.commit()
    auth.login(trust.quality_lead)
    rows = [row[:4] for row in table_rows(client.get("/visits"))]
    assert rows == [["2 February 2026", "Ward 20 Surgical", "Quality Review Visit", "Planned"],
                    ["3 March 2026", "Ward 7 Respiratory", "Quality Review Visit", "Planned"]]
    auth.logout()
    auth.login(trust.member)
    home = client.get("/").get_data(as_text=True)
    assert (client.get("/visits").status_code, 'href="/visits"' in home) == (403, False)


# --- Planning --------------------------------------------------------------------------------------------------


def test_plan_visit_without_a_date_shows_the_error_by_the_field(client, auth, trust):
    auth.login(trust.quality_lead)
    response = _post(client, f"/teams/{trust.ward.id}/visits/new", {"kind": "peer_review", "visit_date": ""})
    assert (response.status_code, field_error(response, "visit_date"), summary_errors(response)) == (
        200, "Enter the date of the visit", ["Enter the date of the visit"])
    assert 'value="peer_review" checked' in response.get_data(as_text=True)


def test_plan_visit_goes_on_to_its_reviewers(client, auth, trust):
    auth.login(trust.quality_lead)
    response = _post(client, f"/teams/{trust.ward.id}/visits/new", {"kind": "qrv", "visit_date": "2026-03-03"})
    visit = db.session.scalars(sa.select(Visit)).one()
    assert (response.status_code, response.location) == (302, f"/visits/{visit.id}/reviewers")
    assert (visit.kind, visit.visit_date, visit.status) == (VisitKind.QRV, date(2026, 3, 3), VisitStatus.PLANNED)
    page = client.get(response.location)
    assert flashed(page) == ["Quality Review Visit planned for 3 March 2026. Now assign its reviewers."]


# --- Reviewers ------------------------------------------------------------------------------------------------


def test_reviewers_page_lists_load_specialty_and_conflicts(client, auth, factory, trust, walk):
    wendy = factory.user(name="Wendy Ward", role=Role.REVIEWER, password=None)
    factory.grant(wendy, Role.TEAM_MEMBER, trust.ward)
    busy = walk.plan(trust.sister_ward)
    services.assign_reviewer(busy, trust.reviewer, by=trust.quality_lead)
    visit = walk.plan()
    db.session.commit()
    auth.login(trust.quality_lead)
    response = client.get(f"/visits/{visit.id}/reviewers")
    assert table_rows(response) == [["Riley Reviewer", "No team", "1", "None"],
                                    ["Wendy Ward", "Inpatient ward", "0", "Conflict works in this team"]]
    assert [text for _, text, _ in select_options(response, "reviewer")] == [
        "Choose a reviewer", "Riley Reviewer (1 open visit)",
        "Wendy Ward (0 open visits, conflict: works in this team)"]


def test_assigning_a_conflicted_reviewer_shows_why_and_override_assigns(client, auth, trust, walk):
    db.session.add(ConflictDeclaration(user_id=trust.reviewer.id, team_id=trust.ward.id, reason="Former manager"))
    visit = walk.plan()
    db.session.commit()
    auth.login(trust.quality_lead)
    path = f"/visits/{visit.id}/reviewers"
    refused = _post(client, path, {"reviewer": str(trust.reviewer.id), "override_reason": ""})
    message = "Riley Reviewer cannot review Ward 7 Respiratory: has declared a conflict of interest with this team"
    assert (refused.status_code, field_error(refused, "reviewer"), visit.reviewer_ids()) == (200, message, [])
    done = _post(client, path, {"reviewer": str(trust.reviewer.id), "is_lead": "y",
                                "override_reason": "Left the ward five years ago"})
    db.session.expire_all()
    assert (done.status_code, [(r.user_id, r.is_lead, r.conflict_override_reason) for r in visit.reviewers]) == (
        302, [(trust.reviewer.id, True, "Left the ward five years ago")])


# --- The visit page and its buttons ----------------------------------------------------------------------------


def test_visit_page_buttons_follow_workflow_and_role(client, auth, trust, walk):
    visit = walk.plan()
    db.session.commit()
    auth.login(trust.quality_lead)
    page = client.get(f"/visits/{visit.id}")
    assert "To schedule the visit: Assign at least one reviewer." in page.get_data(as_text=True)
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    db.session.commit()
    assert _buttons(client.get(f"/visits/{visit.id}")) == ["Schedule the visit"]
    fired = _post(client, f"/visits/{visit.id}/schedule", {}, form_page=f"/visits/{visit.id}")
    db.session.expire_all()
    assert (fired.status_code, visit.status) == (302, VisitStatus.SCHEDULED)


def test_ratings_page_override_without_reason_keeps_what_was_typed(client, auth, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    auth.login(trust.reviewer)
    data = {f"{d.value}-rating": "good" for d in Domain}
    data |= {"safe-findings": "Clean, calm ward", "overall": "outstanding", "override_reason": "", "summary": "",
             "version": str(visit.version)}
    response = _post(client, f"/visits/{visit.id}/ratings", data)
    assert (response.status_code, field_error(response, "override_reason")) == (
        200, "Give a reason for rating it Outstanding overall when the ratings give Good")
    assert "Clean, calm ward" in response.get_data(as_text=True)
    data["override_reason"] = "Exceptional leadership"
    saved = _post(client, f"/visits/{visit.id}/ratings", data)
    db.session.expire_all()
    safe = visit.rating_for(Domain.SAFE)
    assert (saved.status_code, visit.overall_rating, visit.overall_computed, safe.findings) == (
        302, Rating.OUTSTANDING, Rating.GOOD, "Clean, calm ward")


def test_ratings_error_summary_names_and_links_the_domain_not_the_sub_field(client, auth, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    auth.login(trust.reviewer)
    data = {"safe-rating": "brilliant", "caring-findings": "x" * 5001, "version": str(visit.version)}
    response = _post(client, f"/visits/{visit.id}/ratings", data)
    html = response.get_data(as_text=True)
    assert (response.status_code, summary_errors(response)) == (
        200, ["Safe: Not a valid choice.", "Caring: This must be 5000 characters or fewer"])
    assert re.findall(r'<a href="(#[a-z_-]+)"[^>]*>\s*(?:Safe|Caring):', html) == ["#safe-rating", "#caring-findings"]
    assert field_error(response, "caring-findings") == "This must be 5000 characters or fewer"


def test_ratings_page_refuses_a_stale_version(client, auth, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    db.session.commit()
    auth.login(trust.reviewer)
    stale = visit.version
    walk.rate(visit, {Domain.SAFE: Rating.INADEQUATE})
    db.session.commit()
    response = _post(client, f"/visits/{visit.id}/ratings", {"safe-rating": "good", "version": str(stale)})
    db.session.expire_all()
    assert (response.status_code, visit.rating_for(Domain.SAFE).rating) == (200, Rating.INADEQUATE)
    assert summary_errors(response)[0].startswith("Someone else changed this visit's ratings since you opened it")


def test_team_lead_comments_then_says_no_further_comments(client, auth, trust, walk):
    visit = walk.to(walk.plan(day=date.today()), VisitStatus.FACTUAL_ACCURACY)
    db.session.commit()
    auth.login(trust.lead)
    path = f"/visits/{visit.id}/comments"
    _post(client, path, {"comments": "We have 28 beds", "action": "save"})
    done = _post(client, path, {"comments": "We have 28 beds", "action": "finish"})
    db.session.expire_all()
    assert (done.status_code, visit.team_comments, visit.team_comments_closed_at is not None) == (
        302, "We have 28 beds", True)
    shown = client.get(done.location)
    again = client.get(path, follow_redirects=True)
    assert (flashed(shown), "Comment on the draft report</a>" in shown.get_data(as_text=True), flashed(again)) == (
        ["Thank you: you have no further comments"], False,
        ["The team lead has already said there are no further comments"])


def test_team_member_may_not_comment(client, auth, trust, walk):
    visit = walk.to(walk.plan(day=date.today()), VisitStatus.FACTUAL_ACCURACY)
    db.session.commit()
    auth.login(trust.member)
    assert client.get(f"/visits/{visit.id}/comments").status_code == 403


def test_cancel_page_needs_a_reason(client, auth, trust, walk):
    visit = walk.plan()
    db.session.commit()
    auth.login(trust.quality_lead)
    refused = _post(client, f"/visits/{visit.id}/cancel", {"reason": ""})
    done = _post(client, f"/visits/{visit.id}/cancel", {"reason": "Ward closed"})
    db.session.expire_all()
    assert (field_error(refused, "reason"), done.status_code, visit.status, visit.cancel_reason) == (
        "Give a reason for cancelling the visit", 302, VisitStatus.CANCELLED, "Ward closed")


# --- The team page ----------------------------------------------------------------------------------------------


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_team_page_shows_eligibility_and_invitation(client, auth, trust, walk):
    walk.published(date(2026, 3, 3), Rating.GOOD)
    walk.to(walk.plan(day=date(2026, 9, 9)), VisitStatus.PUBLISHED, Rating.OUTSTANDING, today=date(2026, 9, 10))
    db.session.commit()
    auth.login(trust.member)
    text = _text(client.get(f"/teams/{trust.ward.id}"))
    assert ("Eligible Eligible for accreditation: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding"
            in text) is True
    assert "the invitation lapses after 9 December 2026" in text


def test_team_page_shows_eligibility_not_met_and_self_vs_visit(client, auth, trust, walk):
    walk.published(date(2026, 3, 3), Rating.REQUIRES_IMPROVEMENT)
    db.session.commit()
    auth.login(trust.member)
    response = client.get(f"/teams/{trust.ward.id}")
    assert ("Not eligible Not yet eligible: needs 2 consecutive published QRVs rated Good or better; 1 published so "
            "far (QRV of 3 March 2026: Requires improvement)") in _text(response)
    assert table_rows(response)[-5:] == [["Not rated", "Requires improvement"], ["Not rated", "Requires improvement"],
                                         ["Not rated", "Good"], ["Not rated", "Good"], ["Not rated", "Good"]]


def test_reviewer_raises_an_action_from_the_visit(client, auth, trust, walk):
    visit = walk.to(walk.plan(day=date.today()), VisitStatus.IN_PROGRESS)
    db.session.commit()
    auth.login(trust.reviewer)
    path = f"/visits/{visit.id}/actions/new"
    assert [text for _, text, _ in select_options(client.get(path), "owner")] == [
        "Choose an owner", "Nadia Nurse", "Sam Sister"]
    data = {"title": "Check the trolley daily", "finding": "Two days missed", "domain": "safe", "standard_code": "",
            "owner": str(trust.lead.id), "due_on": "2020-01-01"}
    refused = _post(client, path, data)
    assert field_error(refused, "due_on") == "The due date must be today or later"
    done = _post(client, path, {**data, "due_on": date.today().isoformat()})
    page = client.get(f"/visits/{visit.id}")
    assert (done.status_code, flashed(page)) == (302, ["Action raised for Sam Sister: Check the trolley daily"])
    (action_id,) = db.session.scalars(sa.select(Action.id).where(Action.visit_id == visit.id))
    assert (f'<a href="/actions/{action_id}"><strong>Check the trolley daily</strong></a> · Open · Safe · owner Sam '
            "Sister") in page.get_data(as_text=True)


@pytest.mark.parametrize("change, field, message", [
    ({"standard_code": "Z9"}, "standard_code", "Z9 is not a standard of cqc-kloe-2017"),
    ({"owner": "outsider"}, "owner", "Olly Outsider cannot own an action of Ward 7 Respiratory: choose one of its staff"),
])
def test_action_refused_by_the_actions_service_is_shown_next_to_its_field(client, auth, trust, walk, change, field,
                                                                          message):
    visit = walk.to(walk.plan(day=date.today()), VisitStatus.IN_PROGRESS)
    db.session.commit()
    auth.login(trust.reviewer)
    path = f"/visits/{visit.id}/actions/new"
    data = {"title": "Check the trolley daily", "finding": "Two days missed", "domain": "safe", "standard_code": "",
            "owner": str(trust.lead.id), "due_on": date.today().isoformat(), **change}
    if data["owner"] == "outsider":
        data["owner"] = str(trust.outsider.id)
    refused = _post(client, path, data)
    assert (refused.status_code, field_error(refused, field), summary_errors(refused)) == (200, message, [message])
    assert db.session.scalars(sa.select(Action)).all() == []


def test_ratings_page_of_a_published_visit_goes_back_to_the_visit(client, auth, trust, walk):
    visit = walk.to(walk.plan(), VisitStatus.PUBLISHED)
    db.session.commit()
    auth.login(trust.reviewer)
    response = client.get(f"/visits/{visit.id}/ratings")
    assert (response.status_code, response.location, flashed(client.get(response.location))) == (
        302, f"/visits/{visit.id}", ["The ratings cannot be changed once the visit is published"])
