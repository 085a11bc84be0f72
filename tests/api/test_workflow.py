"""WorkflowResourceSchema: state, version, the caller's transitions and the audit history, shown on a team."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g

from accredit.api.workflow import WorkflowResourceSchema
from accredit.extensions import db
from accredit.org import services as org
from accredit.roles import Role
from workflows.team import TEAM_WORKFLOW


class TeamWorkflowSchema(WorkflowResourceSchema):
    """A stand-in resource: the team workflow, where the caller may close and reopen but never merge."""

    workflow = TEAM_WORKFLOW
    action_prefix = "team"
    name = ma.fields.String(required=True)

    def guard_context(self, record: Any) -> dict[str, Any]:
        return {"reason": "given when the trigger is fired"}

    def may_fire(self, record: Any, trigger: str) -> bool:
        return trigger in {"close", "reopen"}


def _dump_as(app, user, team) -> dict:
    with app.test_request_context("/api/v1/teams"):
        g._login_user = user
        return TeamWorkflowSchema().dump(team)


def test_workflow_body_lists_state_version_transitions_and_history(app, factory):
    team = factory.team(name="Ward 7")
    lead = factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD)
    db.session.flush()
    org.close_team(team, by=lead, reason="Refurbishment")
    db.session.commit()
    body = _dump_as(app, lead, team)
    history = [{k: v for k, v in row.items() if k != "at"} for row in body.pop("history")]
    assert body == {"id": team.id, "state": "closed", "version": 2, "transitions": ["reopen"], "name": "Ward 7"}
    assert history == [
        {"by": None, "trigger": "open", "from": None, "to": "active", "reason": None},
        {"by": {"id": lead.id, "name": "Quinn Quality"}, "trigger": "close", "from": "active", "to": "closed",
         "reason": "Refurbishment"},
    ]


def test_workflow_transitions_leave_out_what_guards_or_permissions_refuse(app, factory):
    team = factory.team()
    user = factory.user(role=Role.ADMIN)
    db.session.commit()
    # merge: the permission says no (and its guard wants a target); close: allowed and its guard passes.
    assert _dump_as(app, user, team)["transitions"] == ["close"]
