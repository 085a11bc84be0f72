"""Awards over the API: the awards in scope (by team and state), one award as a workflow resource, reinstating."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask_login import current_user

from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import RefSchema, enum_field, free_text
from accredit.api.workflow import WorkflowResourceSchema, refusals_answered
from accredit.assessments.services import today_in_london
from accredit.awards import queries, services
from accredit.awards.models import Award
from accredit.org.models import Team
from accredit.permissions import can
from workflows.accreditation import AWARD_WORKFLOW, AwardKind, AwardStatus
from workflows.ratings import Domain, Rating

blp = ApiBlueprint("api_awards", __name__, tag="awards",
                   description="Accreditation awards: granted by a panel, suspended by a visit below Good, "
                               "reinstated by a quality lead, expired")
Award.api_label = "award"
CHANGED = "This award has changed since you read it: read it again"


class AwardDomainRatingSchema(ma.Schema):
    domain = enum_field(Domain)
    rating = enum_field(Rating)


class AwardSuspensionSchema(ma.Schema):
    suspended_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)
    visit_id = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "The visit that caused it"})
    reinstated_on = ma.fields.Date(required=True, allow_none=True)
    reinstate_reason = ma.fields.String(required=True, allow_none=True)


class AwardSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.Function(lambda a: a.status.value, required=True, metadata={"type": "string"})
    team = ma.fields.Nested(RefSchema, required=True)
    kind = enum_field(AwardKind)
    granted_on = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)
    ended_on = ma.fields.Date(required=True, allow_none=True)


class AwardSchema(WorkflowResourceSchema):
    workflow = AWARD_WORKFLOW
    action_prefix = "award"

    team = ma.fields.Nested(RefSchema, required=True)
    application_id = ma.fields.Integer(required=True)
    kind = enum_field(AwardKind)
    explanation = ma.fields.String(required=True, metadata={"description": "The award rule's explanation"})
    ratings = ma.fields.List(ma.fields.Nested(AwardDomainRatingSchema), required=True,
                             metadata={"description": "The panel's rating of each domain, in CQC order"})
    granted_on = ma.fields.Date(required=True, metadata={"description": "The date of the panel's decision"})
    valid_until = ma.fields.Date(required=True, metadata={"description": "The last day the award is held"})
    validity_explanation = ma.fields.String(required=True)
    chair_name = ma.fields.String(required=True, metadata={"description": "The panel chair, as on the certificate"})
    scheme_version = ma.fields.String(required=True)
    ended_on = ma.fields.Date(required=True, allow_none=True,
                              metadata={"description": "The first day it was no longer held"})
    ended_reason = ma.fields.String(required=True, allow_none=True)
    suspensions = ma.fields.List(ma.fields.Nested(AwardSuspensionSchema), required=True)
    certificate_url = ma.fields.Function(lambda a: url_for("awards.certificate", award_id=a.id), required=True,
                                         metadata={"type": "string", "description": "The printable PDF (a web page "
                                                   "route: it needs a signed-in session, not a bearer token)"})

    def transitions_for(self, record: Any) -> list[str]:
        # `reinstate` is listed before its reason is given, since the reason is asked for when it is fired.
        available = AWARD_WORKFLOW.available(record, reason="(to be given)")
        return [t for t in available if can(current_user, f"award.{t}", record)]


class AwardFilterSchema(PageArgsSchema):
    team = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "Only this team's awards (404 if you cannot see the team)"})
    state = ma.fields.Enum(AwardStatus, by_value=True, load_default=None,
                           metadata={"description": "Only awards in this state"})


class AwardFireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=[ma.validate.Length(max=services.MAX_REASON), free_text],
                              metadata={"description": "reinstate: why (required)"})
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


@blp.route("/awards")
@blp.arguments(AwardFilterSchema, location="query")
@blp.response(200, page_schema(AwardSummarySchema))
@blp.errors(404)
def list_awards(args: dict[str, Any]) -> dict[str, Any]:
    """Awards of the teams you can see, newest first; `team` and `state` narrow the list."""
    team_id = args["team"]
    if team_id is not None:
        get_or_404_in_scope(Team, team_id, "team.view")
    return paginate(queries.awards_query(current_user, team_id=team_id, state=args["state"]), args)


def _load(award_id: int) -> Award:
    award = get_or_404_in_scope(Award, award_id, "award.view")
    return queries.load_award(award.id)


@blp.route("/awards/<id:award_id>")
@blp.response(200, AwardSchema)
@blp.errors(404)
def get_award(award_id: int) -> Award:
    """One award: its ratings, validity, suspensions, history and the triggers you may fire."""
    return _load(award_id)


FIRE = ("reinstate",)


@blp.route("/awards/<id:award_id>/transitions/<string:trigger>", methods=["POST"])
@blp.arguments(AwardFireSchema)
@blp.response(200, AwardSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], award_id: int, trigger: str) -> Award:
    """Fire a trigger: only `reinstate` (a quality lead, with a `reason`) is fired by people; a published visit
    suspends and the scheduler expires. 409 if not allowed from the current state or `version` is stale, 422 if
    a guard refuses."""
    award = _load(award_id)
    if trigger not in {t.trigger for t in AWARD_WORKFLOW.transitions}:
        raise ApiError(409, f"'{trigger}' is not a trigger of awards; triggers: {', '.join(FIRE)}")
    require(f"award.{trigger}", award)
    if body["version"] is not None and body["version"] != award.version:
        raise ApiError(409, CHANGED, details={"version": award.version})
    with refusals_answered(award, changed=CHANGED, errors=services.AwardError):
        services.reinstate_award(award, reason=body["reason"] or "", by=current_user, today=today_in_london())
    return queries.load_award(award.id)
