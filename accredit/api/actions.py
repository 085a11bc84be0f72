"""Improvement actions over the API: a team's plan, raise an action, read one, fire its triggers."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask_login import current_user

from accredit.actions import queries, services
from accredit.actions.models import Action, ActionSource
from accredit.actions.permissions import triggers_for
from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import PersonSchema, RefSchema, enum_field, free_text, plain_text
from accredit.api.workflow import WorkflowResourceSchema, refusals_answered
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.extensions import db
from accredit.org.models import Team
from workflows.action import ACTION_WORKFLOW, ActionStatus
from workflows.ratings import Domain

blp = ApiBlueprint("api_actions", __name__, tag="actions",
                   description="Improvement actions: each team's improvement plan, from finding to verified closure")
Action.api_label = "action"
_text = [ma.validate.Length(max=services.MAX_TEXT), free_text]
_overdue = ma.fields.Function(lambda a: a.is_overdue(today_in_london()), required=True,
                              metadata={"type": "boolean", "description": "Past its due date and not closed"})


class EvidenceRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)


class LinkedEvidence(ma.fields.List):
    """The evidence linked to an action, leaving out what has been deleted since."""

    def __init__(self, **kwargs: Any):
        super().__init__(ma.fields.Nested(EvidenceRefSchema), **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return [e for e in obj.evidence if e.deleted_at is None]


class ActionSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    state = ma.fields.Function(lambda a: a.status.value, required=True, metadata={"type": "string"})
    owner = ma.fields.Nested(PersonSchema, required=True)
    due_on = ma.fields.Date(required=True)
    is_overdue = _overdue
    domain = enum_field(Domain, allow_none=True)
    standard_code = ma.fields.String(required=True, allow_none=True)
    source = enum_field(ActionSource)


class ActionSchema(WorkflowResourceSchema):
    workflow = ACTION_WORKFLOW
    action_prefix = "action"

    team = ma.fields.Nested(RefSchema, required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    finding = ma.fields.String(required=True)
    source = enum_field(ActionSource)
    visit_id = ma.fields.Integer(required=True, allow_none=True)
    domain = enum_field(Domain, allow_none=True)
    standard_code = ma.fields.String(required=True, allow_none=True)
    owner = ma.fields.Nested(PersonSchema, required=True)
    due_on = ma.fields.Date(required=True)
    is_overdue = _overdue
    created_at = ma.fields.DateTime(required=True)
    created_by = ma.fields.Nested(PersonSchema, required=True, allow_none=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)
    completed_at = ma.fields.DateTime(required=True, allow_none=True)
    completion_note = ma.fields.String(required=True, allow_none=True)
    evidence = LinkedEvidence(required=True)
    verified_at = ma.fields.DateTime(required=True, allow_none=True)
    verified_by = ma.fields.Nested(PersonSchema, required=True, allow_none=True)
    reopen_reason = ma.fields.String(required=True, allow_none=True)

    def transitions_for(self, record: Any) -> list[str]:
        return triggers_for(current_user, record)


class ActionFilterSchema(PageArgsSchema):
    state = ma.fields.Enum(ActionStatus, by_value=True, load_default=None,
                           metadata={"description": "Only actions in this state"})


class RaiseActionSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=services.MAX_TITLE), plain_text])
    owner = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID), metadata={
        "description": "The id of one of the team's staff, or of a quality lead covering it"})
    due_on = ma.fields.Date(required=True, metadata={"description": "Today or later"})
    finding = ma.fields.String(load_default="", validate=_text)
    description = ma.fields.String(load_default="", validate=_text)
    domain = ma.fields.Enum(Domain, by_value=True, load_default=None,
                            metadata={"description": "Give a domain, a standard, or both (the standard's own)"})
    standard_code = ma.fields.String(load_default=None, allow_none=True,
                                     validate=[ma.validate.Length(max=16), plain_text],
                                     metadata={"description": "A standard of the team's current framework"})


class ActionFireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=[ma.validate.Length(max=services.MAX_REASON), free_text],
                              metadata={"description": "reopen: why (required)"})
    note = ma.fields.String(load_default=None, validate=_text,
                            metadata={"description": "complete: what was done (required)"})
    evidence = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=None,
                              validate=ma.validate.Length(max=100),
                              metadata={"description": "complete: ids of evidence in the team's library"})
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


@blp.route("/teams/<id:team_id>/actions")
@blp.arguments(ActionFilterSchema, location="query")
@blp.response(200, page_schema(ActionSummarySchema))
@blp.errors(404)
def list_for_team(args: dict[str, Any], team_id: int) -> dict[str, Any]:
    """A team's improvement plan, soonest due first; `state` narrows it to one state."""
    team = get_or_404_in_scope(Team, team_id, "team.view")
    return paginate(queries.plan_query(team.id, states=[args["state"]] if args["state"] else ()), args)


@blp.route("/teams/<id:team_id>/actions", methods=["POST"])
@blp.arguments(RaiseActionSchema)
@blp.response(201, ActionSchema)
@blp.errors(403, 404, 422)
def raise_action(body: dict[str, Any], team_id: int) -> tuple[Action, int, dict[str, str]]:
    """Raise an action for the team (its team lead, or a reviewer or quality lead covering it)."""
    team = get_or_404_in_scope(Team, team_id, "team.view", "action.raise")
    owner = db.session.get(User, body["owner"])
    if not services.may_own(owner, team):  # one answer whoever the id is: no names of people outside the team
        raise ApiError(422, "That person cannot own an action of this team: choose one of its staff",
                       details={"field": "owner"})
    try:
        action = services.raise_action(
            team, title=body["title"], owner=owner, due_on=body["due_on"], by=current_user,
            description=body["description"], finding=body["finding"], domain=body["domain"],
            standard_code=body["standard_code"])
    except services.ActionError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    db.session.commit()
    return queries.load_action(action.id), 201, {"Location": url_for(".get_action", action_id=action.id)}


def _load(action_id: int) -> Action:
    action = get_or_404_in_scope(Action, action_id, "action.view")
    return queries.load_action(action.id)


@blp.route("/actions/<id:action_id>")
@blp.response(200, ActionSchema)
@blp.errors(404)
def get_action(action_id: int) -> Action:
    """One action: its fields, evidence, history and the triggers you may fire."""
    return _load(action_id)


FIRE = {
    "start": lambda action, body: services.start_action(action, by=current_user),
    "complete": lambda action, body: services.complete_action(
        action, by=current_user, note=body["note"] or "", evidence_ids=body["evidence"] or []),
    "verify": lambda action, body: services.verify_action(action, by=current_user),
    "reopen": lambda action, body: services.reopen_action(action, by=current_user, reason=body["reason"] or ""),
}
CHANGED = "This action has changed since you read it: read it again"


@blp.route("/actions/<id:action_id>/transitions/<string:trigger>", methods=["POST"])
@blp.arguments(ActionFireSchema)
@blp.response(200, ActionSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], action_id: int, trigger: str) -> Action:
    """Fire a trigger: 409 if not allowed from the current state or `version` is stale, 422 if a guard or a rule
    refuses (`complete` needs a `note`, and its `evidence` must be the team's; `reopen` needs a `reason`)."""
    action = _load(action_id)
    if trigger not in FIRE:
        raise ApiError(409, f"'{trigger}' is not a trigger of actions; triggers: {', '.join(FIRE)}")
    require(f"action.{trigger}", action)
    if body["version"] is not None and body["version"] != action.version:
        raise ApiError(409, CHANGED, details={"version": action.version})
    with refusals_answered(action, changed=CHANGED, errors=services.ActionError):
        FIRE[trigger](action, body)
    return queries.load_action(action.id)
