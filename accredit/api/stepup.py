"""Step-up over the API: a team's position (level, cycle, risk, proposal), recording a signal, and the Step-up
regulation as a workflow resource whose `step_up` and `step_down` triggers a quality lead fires."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.schemas import PersonSchema, RefSchema, enum_field, free_text
from accredit.api.workflow import WorkflowResourceSchema
from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import can
from accredit.schemes.services import current_scheme
from accredit.stepup import queries, services
from accredit.stepup.models import RiskSignal, StepupRegulation
from workflows.base import GuardRefused, IllegalTrigger
from workflows.stepup import STEPUP_WORKFLOW, ProposalStatus, Severity, SignalKind, StepupLevel
from workflows.stepup_rules import guard_context

blp = ApiBlueprint("api_stepup", __name__, tag="stepup",
                   description="Step-up self-regulation: levels, the four-step cycle, risk signals, level changes")
StepupRegulation.api_label = "Step-up regulation"
_text = [ma.validate.Length(max=services.MAX_TEXT), free_text]
_date = {"required": True, "allow_none": True}


class StepupReasonSchema(ma.Schema):
    description = ma.fields.String(required=True)
    severity = ma.fields.String(required=True, metadata={"enum": [s.value for s in Severity]})
    points = ma.fields.Integer(required=True)
    on = ma.fields.String(required=True, metadata={"format": "date"})
    source = ma.fields.String(required=True, metadata={
        "description": "recorded, self_assessment, review, missed_assessment, late_assessment or overdue_action"})


class StepupRiskSchema(ma.Schema):
    score = ma.fields.Integer(required=True)
    explanation = ma.fields.String(required=True, metadata={"description": "e.g. 'Risk score 40: 1 red (30 points), "
                                                                           "1 amber (10 points) in the last 6 months'"})
    has_red = ma.fields.Boolean(required=True, metadata={"description": "A red signal may step the team up at once"})
    reasons = ma.fields.List(ma.fields.Nested(StepupReasonSchema), required=True)
    engine = ma.fields.String(required=True, metadata={"description": "What the engine proposes now, and why"})


class StepupCycleStepSchema(ma.Schema):
    number = ma.fields.Integer(required=True)
    key = ma.fields.String(required=True, metadata={
        "description": "self_assessment, peer_review, improvement_plan or validation_review"})
    title = ma.fields.String(required=True)
    due_on = ma.fields.Date(required=True)
    state = ma.fields.String(required=True, metadata={"enum": ["done", "due", "overdue"]})
    done_on = ma.fields.Date(**_date)
    detail = ma.fields.String(required=True)


class StepupCycleSchema(ma.Schema):
    number = ma.fields.Integer(required=True, metadata={"description": "1 for the first cycle at this level"})
    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True, metadata={"description": "The cycle's last day"})
    months = ma.fields.Integer(required=True, metadata={"description": "How often the cycle runs at this level"})
    steps = ma.fields.List(ma.fields.Nested(StepupCycleStepSchema), required=True)


class StepupProposalSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.Function(lambda p: p.status.value, required=True,
                               metadata={"type": "string", "enum": [s.value for s in ProposalStatus]})
    trigger = ma.fields.String(required=True, metadata={"enum": ["step_up", "step_down"]})
    from_level = enum_field(StepupLevel, data_key="from")
    to_level = enum_field(StepupLevel, data_key="to")
    score = ma.fields.Integer(required=True)
    explanation = ma.fields.String(required=True)
    reasons = ma.fields.List(ma.fields.Nested(StepupReasonSchema), required=True)
    proposed_at = ma.fields.DateTime(required=True)
    decided_at = ma.fields.DateTime(**_date)
    decided_by = ma.fields.Nested(PersonSchema, **_date)
    decision_note = ma.fields.String(**_date)


class _PositionFields(ma.Schema):
    """What both the team's Step-up position and the regulation resource show."""

    team = ma.fields.Nested(RefSchema, required=True)
    level = enum_field(StepupLevel)
    since = ma.fields.Date(required=True, metadata={"description": "The day the team reached its level"})
    months_at_level = ma.fields.Integer(required=True)
    cycle = ma.fields.Nested(StepupCycleSchema, required=True)
    risk = ma.fields.Nested(StepupRiskSchema, required=True, allow_none=True, metadata={
        "description": "null unless you are a quality lead covering the team (signals may be confidential)"})
    pending_proposal = ma.fields.Nested(StepupProposalSchema, required=True, allow_none=True, metadata={
        "description": "The proposal waiting for a decision; null if none, or unless you may see the risk"})


class StepupPositionSchema(_PositionFields):
    regulation_id = ma.fields.Integer(required=True, metadata={"description": "GET /api/v1/stepup/{id}"})


class StepupRegulationSchema(WorkflowResourceSchema, _PositionFields):
    workflow = STEPUP_WORKFLOW
    action_prefix = "stepup"

    def transitions_for(self, record: Any) -> list[str]:
        context = guard_context(record.months_at_level, record.has_red, current_scheme())
        available = STEPUP_WORKFLOW.available(record, reason="(to be given)", **context)
        return [t for t in available if can(current_user, f"stepup.{t}", record)]


class _View:
    """A regulation with its position, as the schemas read it (and the audit history finds it by table and id)."""

    __tablename__ = StepupRegulation.__tablename__

    def __init__(self, regulation: StepupRegulation):
        found = queries.position(regulation.team, today_in_london(), current_scheme())
        risk_visible = can(current_user, "stepup.view_risk", regulation)
        self.id, self.version, self.regulation_id = regulation.id, regulation.version, regulation.id
        self.team, self.level, self.since = regulation.team, found.level, found.since
        self.months_at_level, self.has_red = found.months_at_level, found.has_red
        self.cycle = {"number": found.cycle.number, "start": found.cycle.start, "end": found.cycle.end,
                      "months": found.cycle.months, "steps": found.steps}
        self.risk = {"score": found.risk.value, "explanation": found.risk.explanation, "has_red": found.has_red,
                     "reasons": services.reasons_as_data(found.reasons), "engine": found.proposal.explanation} \
            if risk_visible else None
        self.pending_proposal = found.pending if risk_visible else None


def _regulation_of(team: Team) -> StepupRegulation:
    """The team's regulation, made now if it has none (committed: a read must not leave a write pending)."""
    if queries.regulation_for(team.id) is None:
        services.ensure_regulation(team)
        db.session.commit()
    return queries.regulation_for(team.id)


@blp.route("/teams/<id:team_id>/stepup")
@blp.response(200, StepupPositionSchema)
@blp.errors(404)
def team_position(team_id: int) -> _View:
    """A team's Step-up level, how long it has been there, its cycle with each step done, due or overdue, and (for
    quality leads covering it) its risk score with every reason and any proposal waiting."""
    team = get_or_404_in_scope(Team, team_id, "stepup.view")
    return _View(_regulation_of(team))


class RiskSignalInSchema(ma.Schema):
    kind = ma.fields.Enum(SignalKind, by_value=True, required=True)
    severity = ma.fields.Enum(Severity, by_value=True, required=True)
    occurred_on = ma.fields.Date(required=True)
    description = ma.fields.String(required=True, validate=_text)


class RiskSignalSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    team = ma.fields.Nested(RefSchema, required=True)
    kind = enum_field(SignalKind)
    severity = enum_field(Severity)
    occurred_on = ma.fields.Date(required=True)
    description = ma.fields.String(required=True)
    recorded_at = ma.fields.DateTime(required=True)
    recorded_by = ma.fields.Nested(PersonSchema, required=True, allow_none=True)


@blp.route("/teams/<id:team_id>/signals", methods=["POST"])
@blp.arguments(RiskSignalInSchema)
@blp.response(201, RiskSignalSchema)
@blp.errors(403, 404, 422)
def record_signal(body: dict[str, Any], team_id: int) -> tuple[RiskSignal, int, dict[str, str]]:
    """Record a risk signal (a quality lead covering the team). The next daily review counts it."""
    team = get_or_404_in_scope(Team, team_id, "stepup.view", "stepup.record_signal")
    try:
        signal = services.record_signal(team, by=current_user, today=today_in_london(), **body)
    except services.StepupError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    db.session.commit()
    return signal, 201, {"Location": f"/api/v1/teams/{team.id}/stepup"}


@blp.route("/stepup/<id:regulation_id>")
@blp.response(200, StepupRegulationSchema)
@blp.errors(404)
def get_regulation(regulation_id: int) -> _View:
    """A team's Step-up regulation: its level as the workflow state, the triggers you may fire, its history."""
    return _View(get_or_404_in_scope(StepupRegulation, regulation_id, "stepup.view"))


class StepupFireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=_text,
                              metadata={"description": "Required: the note kept with the change"})
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


TRIGGERS = [t.trigger for t in STEPUP_WORKFLOW.transitions]


@blp.route("/stepup/<id:regulation_id>/transitions/<string(maxlength=32):trigger>", methods=["POST"])
@blp.arguments(StepupFireSchema)
@blp.response(200, StepupRegulationSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], regulation_id: int, trigger: str) -> _View:
    """Move the team one level (`step_up` or `step_down`) with a `reason`. A waiting proposal in that direction is
    approved with the reason as its note; otherwise the quality lead changes the level directly. 409 if there is
    no level that way, 422 if a guard refuses (too soon at the level, no red signal, no reason)."""
    regulation = get_or_404_in_scope(StepupRegulation, regulation_id, "stepup.view")
    if trigger not in TRIGGERS:
        raise ApiError(409, f"'{trigger}' is not a trigger of Step-up; triggers: {', '.join(dict.fromkeys(TRIGGERS))}")
    require(f"stepup.{trigger}", regulation)
    if body["version"] is not None and body["version"] != regulation.version:
        raise ApiError(409, "This regulation has changed since you read it: read it again",
                       details={"version": regulation.version})
    pending, today, scheme = regulation.pending_proposal, today_in_london(), current_scheme()
    try:
        if pending is not None and pending.trigger == trigger:
            services.approve_proposal(pending, by=current_user, note=body["reason"] or "", today=today, scheme=scheme)
        else:
            services.change_level(regulation, trigger, by=current_user, reason=body["reason"] or "", today=today,
                                  scheme=scheme)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, "This regulation changed while you were changing it: read it again") from None
    except IllegalTrigger as refused:
        db.session.rollback()
        raise ApiError(409, refused.reason, details={"state": regulation.level.value, "allowed": refused.allowed}) \
            from None
    except GuardRefused as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"reasons": refused.reasons}) from None
    except services.StepupError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    return _View(queries.load_regulation(regulation.id))


@blp.route("/stepup/<id:regulation_id>/proposal/rejection", methods=["POST"])
@blp.arguments(StepupFireSchema)
@blp.response(200, StepupRegulationSchema)
@blp.errors(403, 404, 409, 422)
def reject_proposal(body: dict[str, Any], regulation_id: int) -> _View:
    """Reject the proposal waiting for a decision, with a `reason` (the note kept with it); the team stays at its
    level. 409 if no proposal is waiting. (Approve one by firing its trigger: POST .../transitions/<trigger>.)"""
    regulation = get_or_404_in_scope(StepupRegulation, regulation_id, "stepup.view", "stepup.decide")
    pending = regulation.pending_proposal
    if pending is None:
        raise ApiError(409, "No change of level is waiting for a decision")
    try:
        services.reject_proposal(pending, by=current_user, note=body["reason"] or "")
    except services.StepupError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    db.session.commit()
    return _View(queries.load_regulation(regulation.id))
