"""Home page tasks from improvement actions: owners work theirs, reviewers and quality leads verify in scope."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from accredit.actions import services, tasks
from accredit.auth.models import User
from accredit.core.tasks import Task
from accredit.extensions import db
from accredit.roles import Role
from tests.actions.conftest import PASSWORD, in_days, raise_one, walk_to
from workflows.action import ActionStatus
from workflows.ratings import Domain


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def test_owner_sees_their_open_and_in_progress_actions_soonest_due_first(ward, request_context):
    late = raise_one(ward, title="Fix the sluice door", due_on=in_days(-3), today=in_days(-5))
    started = walk_to(raise_one(ward, title="Audit hand hygiene", due_on=in_days(4)), ActionStatus.IN_PROGRESS, ward)
    walk_to(raise_one(ward, title="Waiting", due_on=in_days(1)), ActionStatus.AWAITING_EVIDENCE, ward)
    walk_to(raise_one(ward, title="Done", due_on=in_days(1)), ActionStatus.CLOSED, ward)
    raise_one(ward, title="The lead's own", owner=ward.lead)
    assert tasks.work_on_actions(ward.member) == [
        Task("Start your action: Fix the sluice door", f"/actions/{late.id}", team="Ward 7 Respiratory",
             due=in_days(-3), overdue=True),
        Task("Complete your action: Audit hand hygiene", f"/actions/{started.id}", team="Ward 7 Respiratory",
             due=in_days(4), overdue=False),
    ]
    assert tasks.verify_actions(ward.member) == []


def _rows(found: list[Task]) -> list[tuple]:
    return [(t.text, t.href, t.team, t.due) for t in found]


def test_reviewers_and_quality_leads_see_actions_awaiting_verification_in_scope(ward, factory, request_context):
    ours = walk_to(raise_one(ward, title="Audit hand hygiene"), ActionStatus.AWAITING_EVIDENCE, ward)
    theirs_owner = factory.user(name="Tess Theirs", role=Role.TEAM_LEAD, scope=ward.other_team)
    theirs = services.raise_action(ward.other_team, title="Fix the fridge log", owner=theirs_owner, due_on=in_days(3),
                                   by=ward.quality_lead, domain=Domain.SAFE)
    services.start_action(theirs, by=theirs_owner)
    services.complete_action(theirs, by=theirs_owner, note="Log checked twice a day")
    own = walk_to(raise_one(ward, title="The lead's own", owner=ward.quality_lead), ActionStatus.AWAITING_EVIDENCE,
                  ward)
    db.session.commit()
    assert _rows(tasks.verify_actions(ward.reviewer)) == [  # Medicine only
        ("Verify the action: Audit hand hygiene", f"/actions/{ours.id}", "Ward 7 Respiratory", None),
        ("Verify the action: The lead's own", f"/actions/{own.id}", "Ward 7 Respiratory", None),
    ]
    assert _rows(tasks.verify_actions(ward.quality_lead)) == [  # the whole trust, except the action they own
        ("Verify the action: Fix the fridge log", f"/actions/{theirs.id}", "Ward 20 Surgical", None),
        ("Verify the action: Audit hand hygiene", f"/actions/{ours.id}", "Ward 7 Respiratory", None),
    ]


def test_verification_tasks_are_capped_and_take_one_query(ward, request_context):
    for n in range(tasks.MAX_TASKS + 3):
        walk_to(raise_one(ward, title=f"Action {n:02}", commit=False), ActionStatus.AWAITING_EVIDENCE, ward)
    reviewer_id = ward.reviewer.id
    db.session.expunge_all()
    reviewer = db.session.get(User, reviewer_id)
    reviewer.roles  # noqa: B018  (loaded first: the sign-in has them already)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = tasks.verify_actions(reviewer)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert (len(found), len(statements)) == (tasks.MAX_TASKS, 1)


def test_home_page_lists_the_owners_actions_with_the_overdue_flag(client, auth, ward):
    raise_one(ward, title="Fix the sluice door", due_on=in_days(-3), today=in_days(-5))
    auth.login(ward.member)
    html = client.get("/").get_data(as_text=True)
    assert "Start your action: Fix the sluice door</a>\n      <strong class=\"nhsuk-tag nhsuk-tag--red\">Overdue" in html
