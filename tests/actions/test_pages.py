"""Improvement plan pages: the plan by state, raise, the action page and its buttons, complete, verify, reopen,
edit; scope as 404, role as 403; the plan's query count does not grow with the plan."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from accredit.actions import services
from accredit.actions.queries import standards_for
from accredit.actions.models import Action, ActionSource
from accredit.auth.models import User
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role
from accredit.visits.services import plan_visit
from tests.actions.conftest import PASSWORD, add_evidence, in_days, raise_one, walk_to
from tests.conftest import AuthActions
from tests.helpers import csrf_token_from, field_error, flashed, select_options, summary_errors, table_rows
from workflows.action import ActionStatus
from workflows.ratings import Domain
from workflows.visit import VisitKind


@pytest.fixture
def password() -> str:
    return PASSWORD


def _client_for(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _buttons(response) -> list[str]:
    """The labels of the action page's buttons and button links, in order."""
    html = response.get_data(as_text=True)
    group = re.search(r'<div class="nhsuk-button-group">(.*?)</div>\s*<dl', html, re.S)
    if not group:
        return []
    found = re.findall(r'<a class="nhsuk-button[^"]*"[^>]*>(.*?)</a>|<button[^>]*>(.*?)</button>', group.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", a or b).split()) for a, b in found]


def _h1(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True),
                                                      re.S).group(1)).split())


def _post(client, url: str, data: dict | None = None, form_page: str | None = None):
    token = csrf_token_from(client.get(form_page or url))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def _stored(action_id: int) -> Action:
    db.session.expire_all()
    return db.session.get(Action, action_id)


# --- Scope and permission ----------------------------------------------------------------------------------------


def test_pages_answer_404_to_a_member_of_another_team(client, auth, ward):
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    auth.login(ward.outsider)
    token = csrf_token_from(client.get("/account"))
    base = f"/actions/{action.id}"
    gets = [f"/teams/{ward.team.id}/actions", f"/teams/{ward.team.id}/actions/new", base, f"{base}/edit",
            f"{base}/complete", f"{base}/reopen"]
    posts = [f"/teams/{ward.team.id}/actions/new", f"{base}/edit", f"{base}/start", f"{base}/complete",
             f"{base}/verify", f"{base}/reopen"]
    statuses = [client.get(url).status_code for url in gets]
    statuses += [client.post(url, data={"csrf_token": token, "note": "x", "reason": "x", "title": "x"}).status_code
                 for url in posts]
    assert statuses == [404] * len(gets + posts)
    found = _stored(action.id)
    assert (found.status, found.title) == (ActionStatus.IN_PROGRESS, "Audit hand hygiene weekly")


def test_missing_action_answers_404_like_one_out_of_scope(client, auth, ward):
    action = raise_one(ward)
    auth.login(ward.outsider)
    outside, missing = client.get(f"/actions/{action.id}"), client.get("/actions/999999")
    assert (outside.status_code, outside.get_data()) == (404, missing.get_data())


def test_team_member_may_not_raise_and_owner_member_may_not_verify(client, auth, ward):
    action = walk_to(raise_one(ward, owner=ward.member), ActionStatus.AWAITING_EVIDENCE, ward)
    auth.login(ward.member)
    token = csrf_token_from(client.get("/account"))
    statuses = [client.get(f"/teams/{ward.team.id}/actions/new").status_code,
                client.post(f"/actions/{action.id}/verify", data={"csrf_token": token}).status_code,
                client.get(f"/actions/{action.id}/reopen").status_code]
    assert statuses == [403, 403, 403]
    assert _stored(action.id).status is ActionStatus.AWAITING_EVIDENCE


# --- The plan ----------------------------------------------------------------------------------------------------


def test_plan_lists_actions_by_state_soonest_first_with_overdue_tagged(client, auth, ward):
    late = raise_one(ward, title="Fix the sluice door", due_on=in_days(-2), today=in_days(-10), domain=None,
                     standard_code="S5", finding="Door left open")
    raise_one(ward, title="Refresh the safeguarding board", due_on=in_days(40), domain=Domain.WELL_LED, finding="")
    walk_to(raise_one(ward, title="Audit hand hygiene weekly", due_on=in_days(3)), ActionStatus.IN_PROGRESS, ward)
    auth.login(ward.member)
    page = client.get(f"/teams/{ward.team.id}/actions")
    assert (page.status_code, _h1(page)) == (200, "Ward 7 Respiratory: improvement plan")
    headings = re.findall(r'<h2 id="(\w+)">(.*?)</h2>', page.get_data(as_text=True))
    assert headings == [("open", "Open (2)"), ("in_progress", "In progress (1)"),
                        ("awaiting_evidence", "Awaiting evidence (0)"), ("closed", "Closed (0)")]
    assert table_rows(page) == [
        ["Fix the sluice door Finding: Door left open", "Nadia Nurse", f"{in_days(-2):%-d %B %Y} Overdue",
         f"S5 {_standard_title(late)} (Safe)", "Team's own"],
        ["Refresh the safeguarding board", "Nadia Nurse", f"{in_days(40):%-d %B %Y}", "Well-led", "Team's own"],
        ["Audit hand hygiene weekly Finding: Hand hygiene audit at 78% in March", "Nadia Nurse",
         f"{in_days(3):%-d %B %Y}", "Safe", "Team's own"],
    ]
    assert "Raise an action" not in _text(page)  # a team member does not raise actions


def _standard_title(action) -> str:
    return {s.code: s.title for s in standards_for(action.team)}[action.standard_code]


def test_plan_filters_by_state_and_owner(client, auth, ward):
    raise_one(ward, title="Mine", owner=ward.lead)
    raise_one(ward, title="Hers", owner=ward.member)
    walk_to(raise_one(ward, title="Started", owner=ward.member), ActionStatus.IN_PROGRESS, ward)
    auth.login(ward.lead)
    url = f"/teams/{ward.team.id}/actions"
    by_owner = client.get(url, query_string={"owner": ward.member.id})
    by_state = client.get(url, query_string={"state": "in_progress"})
    assert [row[0] for row in table_rows(by_owner)] == ["Hers Finding: Hand hygiene audit at 78% in March",
                                                       "Started Finding: Hand hygiene audit at 78% in March"]
    assert [row[0] for row in table_rows(by_state)] == ["Started Finding: Hand hygiene audit at 78% in March"]
    assert re.findall(r'<h2 id="(\w+)">', by_state.get_data(as_text=True)) == ["in_progress"]
    assert select_options(by_owner, "owner") == [("", "Anyone", False), (str(ward.member.id), "Nadia Nurse", True),
                                                 (str(ward.lead.id), "Sam Sister", False)]


def test_plan_query_count_does_not_grow_with_the_plan(app, factory, ward):
    team_id, lead_id = ward.team.id, ward.lead.id

    def add(count: int) -> None:
        team, lead = db.session.get(Team, team_id), db.session.get(User, lead_id)
        for _ in range(count):  # each with an owner of its own, so that loading owners one by one would show
            owner = factory.user(role=Role.TEAM_MEMBER, scope=team)
            services.raise_action(team, title="Audit", owner=owner, due_on=in_days(9), by=lead, domain=Domain.SAFE)
        db.session.commit()

    client = _client_for(app, ward.lead)
    add(5)
    five = _count_queries(client, f"/teams/{team_id}/actions")
    add(45)
    fifty = _count_queries(client, f"/teams/{team_id}/actions")
    assert (fifty[0], five[1], fifty[1]) == (five[0], 5, 50)


def _count_queries(client, url: str) -> tuple[int, int]:
    """(statements run, actions listed) for one GET of `url`, with nothing cached in the session beforehand."""
    db.session.expunge_all()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200
    return len(statements), len(table_rows(page))


# --- Raising -----------------------------------------------------------------------------------------------------


def test_raise_form_offers_the_teams_staff_and_framework(client, auth, ward, factory):
    factory.user(name="Ada Agency", role=Role.TEAM_MEMBER, scope=ward.other_team)
    factory.commit()
    auth.login(ward.lead)
    form = client.get(f"/teams/{ward.team.id}/actions/new")
    assert (form.status_code, _h1(form)) == (200, "Raise an action for Ward 7 Respiratory")
    assert select_options(form, "owner") == [("", "Choose an owner", True), (str(ward.member.id), "Nadia Nurse", False),
                                             (str(ward.lead.id), "Sam Sister", False)]
    focus = select_options(form, "focus")
    assert ([v for v, _, _ in focus[:3]], len(focus)) == (["", "domain:safe", "standard:S1"], 1 + 5 + 27)


def test_raise_an_action_through_the_form(client, auth, ward):
    auth.login(ward.lead)
    url = f"/teams/{ward.team.id}/actions/new"
    done = _post(client, url, {"title": "Fix the sluice door", "finding": "Door left open", "description": "",
                               "focus": "standard:S5", "owner": ward.member.id, "due_on": in_days(7).isoformat()})
    action = db.session.scalar(sa.select(Action))
    assert (done.status_code, done.location) == (302, f"/actions/{action.id}")
    assert (action.title, action.standard_code, action.domain, action.owner_id, action.created_by_id) == (
        "Fix the sluice door", "S5", Domain.SAFE, ward.member.id, ward.lead.id)
    assert flashed(client.get(done.location)) == ["Action raised for Nadia Nurse: Fix the sluice door"]


def test_raise_form_shows_errors_next_to_fields_and_keeps_what_was_typed(client, auth, ward):
    auth.login(ward.lead)
    url = f"/teams/{ward.team.id}/actions/new"
    blank = _post(client, url, {"title": "", "finding": "Door left open", "focus": "", "owner": "", "due_on": ""})
    assert summary_errors(blank) == ["Enter what must change", "Choose the domain or standard the action is for",
                                     "Choose who owns the action", "Enter the date the action is due"]
    assert (field_error(blank, "title"), field_error(blank, "due_on")) == (
        "Enter what must change", "Enter the date the action is due")
    assert "Door left open</textarea>" in blank.get_data(as_text=True)

    past = _post(client, url, {"title": "Fix the door", "focus": "domain:safe", "owner": ward.member.id,
                               "due_on": in_days(-1).isoformat()})
    assert (past.status_code, field_error(past, "due_on")) == (200, "The due date must be today or later")
    assert 'value="Fix the door"' in past.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_raise_form_refuses_an_owner_outside_the_team(client, auth, ward):
    auth.login(ward.lead)
    refused = _post(client, f"/teams/{ward.team.id}/actions/new", {
        "title": "Fix the door", "focus": "domain:safe", "owner": ward.outsider.id, "due_on": in_days(3).isoformat()})
    assert field_error(refused, "owner") == (
        "Olly Outsider cannot own an action of Ward 7 Respiratory: choose one of its staff")


# --- The action page and its transitions -------------------------------------------------------------------------


def test_action_page_shows_only_the_buttons_the_user_may_press(app, ward):
    action = raise_one(ward, owner=ward.member)
    pages = {name: _client_for(app, user).get(f"/actions/{action.id}")
             for name, user in [("owner", ward.member), ("reviewer", ward.reviewer)]}
    assert {name: _buttons(page) for name, page in pages.items()} == {"owner": ["Start the action"], "reviewer": []}
    page = pages["owner"]
    assert (_h1(page), "Change the title, owner or due date" in _text(page)) == ("Audit hand hygiene weekly", True)
    assert 'class="mermaid"' in page.get_data(as_text=True)
    assert table_rows(page)[0][1:] == ["Sam Sister", "Raise: new → open", ""]


def test_action_page_links_the_visit_it_was_raised_at(client, auth, ward):
    visit = plan_visit(ward.team, VisitKind.QRV, in_days(-1), by=ward.quality_lead)
    action = raise_one(ward, by=ward.reviewer, source=ActionSource.VISIT, visit=visit)
    auth.login(ward.member)
    html = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert f'Review finding: <a href="/visits/{visit.id}">Quality Review Visit on {in_days(-1):%-d %B %Y}</a>' in html


def test_owner_starts_and_completes_with_evidence_then_reviewer_reopens_and_verifies(app, ward):
    item = add_evidence(ward.team, ward.member)
    action = raise_one(ward, owner=ward.member)
    owner, reviewer = _client_for(app, ward.member), _client_for(app, ward.reviewer)
    base = f"/actions/{action.id}"

    started = _post(owner, f"{base}/start", form_page=base)
    assert (started.location, flashed(owner.get(base))) == (base, ["Action started"])
    assert _buttons(owner.get(base)) == ["Complete the action"]

    form = owner.get(f"{base}/complete")
    assert (_h1(form), re.findall(r'name="evidence" type="checkbox" value="(\d+)"', form.get_data(as_text=True))) == (
        "Complete the action", [str(item.id)])
    _post(owner, f"{base}/complete", {"note": "Weekly audits since April: 97%", "evidence": [item.id]})
    assert (_stored(action.id).status, [e.id for e in _stored(action.id).evidence]) == (
        ActionStatus.AWAITING_EVIDENCE, [item.id])
    assert (_buttons(owner.get(base)), _buttons(reviewer.get(base))) == ([], ["Verify and close", "Reopen with a reason"])

    refused = _post(reviewer, f"{base}/reopen", {"reason": " "})
    assert (refused.status_code, field_error(refused, "reason")) == (200, "Give a reason for reopening it")
    _post(reviewer, f"{base}/reopen", {"reason": "The audit covers one week only"})
    assert "Reopened: The audit covers one week only" in _text(owner.get(base))

    _post(owner, f"{base}/complete", {"note": "Four weeks of audits: 96%", "evidence": [item.id]})
    verified = _post(reviewer, f"{base}/verify", form_page=base)
    assert (verified.location, _stored(action.id).status) == (base, ActionStatus.CLOSED)
    history = [row[2] for row in table_rows(reviewer.get(base))]
    assert history == ["Raise: new → open", "Start: open → in progress", "Complete: in progress → awaiting evidence",
                       "Reopen: awaiting evidence → in progress", "Complete: in progress → awaiting evidence",
                       "Verify: awaiting evidence → closed"]


def test_complete_form_needs_a_note_and_keeps_the_ticked_evidence(client, auth, ward):
    item = add_evidence(ward.team, ward.member)
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    auth.login(ward.member)
    refused = _post(client, f"/actions/{action.id}/complete", {"note": "", "evidence": [item.id]})
    assert (field_error(refused, "note"), summary_errors(refused)) == (
        "Say what was done to complete the action", ["Say what was done to complete the action"])
    assert f'value="{item.id}" checked' in refused.get_data(as_text=True)
    assert _stored(action.id).status is ActionStatus.IN_PROGRESS


def test_complete_form_refuses_evidence_of_another_team(client, auth, ward):
    theirs = add_evidence(ward.other_team, ward.outsider, "Their audit")
    action = walk_to(raise_one(ward), ActionStatus.IN_PROGRESS, ward)
    auth.login(ward.member)
    refused = _post(client, f"/actions/{action.id}/complete", {"note": "Done", "evidence": [theirs.id]})
    assert summary_errors(refused) == ["Evidence can only come from this team's library"]
    assert _stored(action.id).status is ActionStatus.IN_PROGRESS


def test_complete_page_of_an_open_action_sends_back_with_a_message(client, auth, ward):
    action = raise_one(ward)
    auth.login(ward.member)
    sent = client.get(f"/actions/{action.id}/complete")
    assert (sent.location, flashed(client.get(sent.location))) == (
        f"/actions/{action.id}", ["That cannot be done now: the action is open"])


# --- Editing -----------------------------------------------------------------------------------------------------


def test_owner_edits_the_due_date(client, auth, ward):
    action = raise_one(ward)
    auth.login(ward.member)
    url = f"/actions/{action.id}/edit"
    done = _post(client, url, {"title": action.title, "description": "", "owner": ward.member.id,
                               "due_on": in_days(60).isoformat(), "version": "1"})
    assert (done.location, _stored(action.id).due_on) == (f"/actions/{action.id}", in_days(60))
    assert table_rows(client.get(done.location))[1][2:] == ["Update", "Changed due date"]


def test_edit_of_a_changed_action_keeps_what_was_typed_and_says_so(client, auth, ward):
    action = raise_one(ward)
    auth.login(ward.lead)
    url = f"/actions/{action.id}/edit"
    token = csrf_token_from(client.get(url))
    services.update_action(action, by=ward.member, version=1, title="Changed meanwhile")
    db.session.commit()
    stale = client.post(url, data={"csrf_token": token, "title": "Mine", "owner": ward.member.id,
                                   "due_on": in_days(5).isoformat(), "version": "1"})
    assert summary_errors(stale) == ["This action has changed since you opened it: check it and try again"]
    html = stale.get_data(as_text=True)
    assert ('value="Mine"' in html, 'name="version" type="hidden" value="2"' in html) == (True, True)
    assert _stored(action.id).title == "Changed meanwhile"


# --- Elsewhere ---------------------------------------------------------------------------------------------------


def test_evidence_library_names_the_action_using_an_item(client, auth, ward):
    item = add_evidence(ward.team, ward.member)
    action = walk_to(raise_one(ward), ActionStatus.AWAITING_EVIDENCE, ward, evidence_ids=(item.id,))
    auth.login(ward.member)
    library = client.get(f"/teams/{ward.team.id}/evidence")
    assert f'<a href="/actions/{action.id}">Action: Audit hand hygiene weekly</a>' in library.get_data(as_text=True)


def test_team_page_links_to_the_improvement_plan(client, auth, ward):
    auth.login(ward.member)
    html = client.get(f"/teams/{ward.team.id}").get_data(as_text=True)
    assert f'<a href="/teams/{ward.team.id}/actions">Improvement plan</a>' in html
