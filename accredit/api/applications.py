"""Accreditation applications over the API: a team's list, one application as a workflow resource, firing its
triggers, setting the panel (conflicts checked as on the page) and recording the decision per domain."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from accredit.accreditation import appeals, panels, portfolio, prepanel
from accredit.accreditation.common import ApplicationError, ConflictRefused
from accredit.accreditation.models import Application, PanelStage
from accredit.accreditation.permissions import triggers_for
from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import RefSchema, free_text
from accredit.api.workflow import WorkflowResourceSchema, refusals_answered
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.extensions import db
from accredit.org.models import Team
from workflows.accreditation import APPLICATION_WORKFLOW, ApplicationStatus
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Domain, Rating

blp = ApiBlueprint("api_applications", __name__, tag="applications",
                   description="Accreditation applications: portfolio, pre-panel, panel, decision and appeal")
Application.api_label = "application"
_text = [ma.validate.Length(max=5000), free_text]


class ApplicationPanelSeatSchema(ma.Schema):
    user = ma.fields.Function(lambda m: {"id": m.user.id, "name": m.user.name}, required=True,
                              metadata={"type": "object"})
    is_chair = ma.fields.Boolean(required=True)
    from_outside_division = ma.fields.Boolean(required=True)
    conflict_override_reason = ma.fields.String(required=True, allow_none=True)
    declaration = ma.fields.String(required=True, allow_none=True)
    recused = ma.fields.Boolean(required=True)
    recusal_reason = ma.fields.String(required=True, allow_none=True)


def _decision(application: Application) -> dict[str, Any] | None:
    decision = application.decision
    if decision is None:
        return None
    return {"id": decision.id, "outcome": decision.outcome, "explanation": decision.explanation,
            "ratings": decision.ratings, "reasons": decision.reasons, "scheme_version": decision.scheme_version,
            "decided_on": decision.decided_on.isoformat(), "appeal_deadline": decision.appeal_deadline.isoformat(),
            "corrects_id": decision.corrects_id, "members": decision.members}


def _checklist(application: Application) -> list[dict[str, Any]]:
    rows = []
    for standard in application.standards:
        entry, review = application.entry_for(standard), application.review_for(standard)
        rows.append({"standard": standard.code, "steeep": standard.steeep,
                     "has_statement": bool(entry and entry.statement.strip()),
                     "evidence": sorted(e.id for e in entry.evidence) if entry else [],
                     "prepanel": ({"verdict": review.verdict.value, "comment": review.comment} if review else None)})
    return rows


class ApplicationSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.Function(lambda a: a.status.value, required=True, metadata={"type": "string"})
    invited_at = ma.fields.DateTime(required=True)
    invitation_expires_on = ma.fields.Date(required=True)
    outcome = ma.fields.Function(lambda a: a.decision.outcome if a.decision else None, required=True,
                                 allow_none=True, metadata={"type": "string"})


class ApplicationSchema(WorkflowResourceSchema):
    workflow = APPLICATION_WORKFLOW
    action_prefix = "application"

    team = ma.fields.Nested(RefSchema, required=True)
    invited_at = ma.fields.DateTime(required=True)
    invitation_expires_on = ma.fields.Date(required=True)
    scheme_version = ma.fields.String(required=True)
    round = ma.fields.Integer(required=True, metadata={"description": "Times submitted to pre-panel"})
    sitting = ma.fields.Integer(required=True, metadata={"description": "The panel sitting (after an upheld appeal: 2, ...)"})
    panel_date = ma.fields.Date(required=True, allow_none=True)
    return_reason = ma.fields.String(required=True, allow_none=True)
    close_reason = ma.fields.String(required=True, allow_none=True)
    incomplete_standards = ma.fields.Function(lambda a: a.incomplete_standards(), required=True,
                                              metadata={"type": "array", "items": {"type": "string"}})
    checklist = ma.fields.Function(_checklist, required=True, metadata={"type": "array", "items": {"type": "object"}})
    prepanel = ma.fields.Function(lambda a: ApplicationPanelSeatSchema(many=True).dump(a.panel_of(PanelStage.PRE_PANEL)),
                                  required=True, metadata={"type": "array", "items": {"type": "object"}})
    panel = ma.fields.Function(lambda a: ApplicationPanelSeatSchema(many=True).dump(a.panel_of(PanelStage.PANEL)),
                               required=True, metadata={"type": "array", "items": {"type": "object"}})
    quorum_problems = ma.fields.Function(lambda a: a.quorum_problems(), required=True,
                                         metadata={"type": "array", "items": {"type": "string"}})
    decision = ma.fields.Function(_decision, required=True, allow_none=True, metadata={"type": "object"})

    def transitions_for(self, record: Any) -> list[str]:
        return triggers_for(current_user, record, today_in_london())


class ApplicationFireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=_text,
                              metadata={"description": "Needed by withdraw, return_to_team, appeal, uphold, dismiss"})
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


class SetApplicationPanelSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})
    panel_date = ma.fields.Date(required=True)
    chair = ma.fields.Integer(required=True, allow_none=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    members = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), required=True,
                             validate=ma.validate.Length(max=20))
    overrides = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(validate=_text), load_default=dict,
                               metadata={"description": "user id -> a quality lead's reason for overriding a conflict"})


class ApplicationDecisionInSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})
    ratings = ma.fields.Dict(keys=ma.fields.Enum(Domain, by_value=True), values=ma.fields.Enum(Rating, by_value=True),
                             required=True, metadata={"description": "One rating per domain"})
    reasons = ma.fields.Dict(keys=ma.fields.Enum(Domain, by_value=True), values=ma.fields.String(validate=_text),
                             load_default=dict, metadata={"description": "The panel's reasons per domain"})
    confirm = ma.fields.Boolean(load_default=False, metadata={
        "description": "false (default): answer the computed outcome and change nothing; true: record the decision"})


class ApplicationDecisionSchema(ma.Schema):
    outcome = ma.fields.String(required=True, allow_none=True, metadata={"description": "award kind, or null"})
    explanation = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)
    inputs = ma.fields.Dict(required=True)
    confirmed = ma.fields.Boolean(required=True)
    application = ma.fields.Nested(ApplicationSchema, required=True)


@blp.route("/teams/<id:team_id>/applications")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ApplicationSummarySchema))
@blp.errors(404)
def list_for_team(args: dict[str, Any], team_id: int) -> dict[str, Any]:
    """A team's accreditation applications, newest first."""
    team = get_or_404_in_scope(Team, team_id, "team.view")
    query = sa.select(Application).where(Application.team_id == team.id) \
        .options(selectinload(Application.decisions)) \
        .order_by(Application.invited_at.desc(), Application.id.desc())
    return paginate(query, args)


def _load(application_id: int, action: str | None = None) -> Application:
    return get_or_404_in_scope(Application, application_id, "application.view", action)


CHANGED = "This application has changed since you read it: read it again"


def _check_version(application: Application, version: int | None) -> None:
    if version is not None and version != application.version:
        raise ApiError(409, CHANGED, details={"version": application.version})


@blp.route("/applications/<id:application_id>")
@blp.response(200, ApplicationSchema)
@blp.errors(404)
def get_application(application_id: int) -> Application:
    """One application: its state, checklist, panels, decision, the triggers you may fire now and its history."""
    return _load(application_id)


FIRE = {
    "start": lambda a, body: portfolio.start_application(a, by=current_user),
    "decline": lambda a, body: portfolio.decline_invitation(a, by=current_user, reason=body["reason"]),
    "withdraw": lambda a, body: portfolio.withdraw_application(a, by=current_user, reason=body["reason"] or ""),
    "submit": lambda a, body: portfolio.submit_application(a, by=current_user),
    "assure": lambda a, body: prepanel.assure_application(a, by=current_user),
    "return_to_team": lambda a, body: prepanel.return_application(a, by=current_user, reason=body["reason"] or ""),
    "appeal": lambda a, body: appeals.lodge_appeal(a, statement=body["reason"] or "", by=current_user,
                                                   today=today_in_london()),
    "uphold": lambda a, body: appeals.resolve_appeal(a, upheld=True, reason=body["reason"] or "", by=current_user),
    "dismiss": lambda a, body: appeals.resolve_appeal(a, upheld=False, reason=body["reason"] or "", by=current_user),
}


@blp.route("/applications/<id:application_id>/transitions/<slug:trigger>", methods=["POST"])
@blp.arguments(ApplicationFireSchema)
@blp.response(200, ApplicationSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], application_id: int, trigger: str) -> Application:
    """Fire a trigger: 409 if not allowed from the current state, 422 with what is missing if a guard or rule
    refuses. `decide` is recorded with PUT .../decision; `expire` is the scheduler's."""
    application = _load(application_id)
    if trigger not in FIRE:
        raise ApiError(409, f"'{trigger}' cannot be fired here; triggers: {', '.join(FIRE)}")
    require(f"application.{trigger}", application)
    _check_version(application, body["version"])
    with refusals_answered(application, changed=CHANGED, errors=ApplicationError):
        FIRE[trigger](application, body)
    return application


def _users(ids: list[int]) -> dict[int, User]:
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiError(422, f"There is no user {missing[0]}", details={"field": "members"})
    return found


@blp.route("/applications/<id:application_id>/panel", methods=["PUT"])
@blp.arguments(SetApplicationPanelSchema)
@blp.response(200, ApplicationSchema)
@blp.errors(403, 404, 409, 422)
def set_panel(body: dict[str, Any], application_id: int) -> Application:
    """Set this sitting's panel: date, chair and members. A conflict of interest answers 422 with
    `details.conflicts` (user id -> reasons), unless a quality lead gives that person an override reason."""
    application = _load(application_id, "application.set_panel")
    _check_version(application, body["version"])
    ids = [*body["members"], *([body["chair"]] if body["chair"] else [])]
    users = _users(ids)
    overrides = {int(k): v for k, v in body["overrides"].items() if k.isdigit()}
    try:
        panels.set_panel(application, panel_date=body["panel_date"],
                         chair=users.get(body["chair"]) if body["chair"] else None,
                         members=[users[i] for i in body["members"]], by=current_user, today=today_in_london(),
                         overrides=overrides)
    except ConflictRefused as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={
            "conflicts": {str(k): v for k, v in refused.conflicts.items()}}) from None
    except ApplicationError as refused:
        db.session.rollback()
        raise ApiError(409 if refused.field is None else 422, refused.reason,
                       details={"field": refused.field}) from None
    db.session.commit()
    return application


@blp.route("/applications/<id:application_id>/decision", methods=["PUT"])
@blp.arguments(ApplicationDecisionInSchema)
@blp.response(200, ApplicationDecisionSchema)
@blp.errors(403, 404, 409, 422)
def decide(body: dict[str, Any], application_id: int) -> dict[str, Any]:
    """The panel's decision: one rating per domain with reasons. Answers the award rule's outcome and its
    explanation; with `confirm: true` the chair records it (the application moves to decided, the award or the
    improvement plan follows). A quorum problem answers 422 with every problem."""
    application = _load(application_id, "application.decide")
    _check_version(application, body["version"])
    if application.status is not ApplicationStatus.PANEL_READY:
        raise ApiError(409, f"The panel decides only when the application is panel ready, not "
                            f"{application.status.label.lower()}", details={"state": application.status.value})
    ratings, reasons = dict(body["ratings"]), dict(body["reasons"])
    try:
        panels.check_decision_input(application, ratings, reasons if body["confirm"] else
                                    {d: reasons.get(d) or "(preview)" for d in Domain}, current_user)
        result = panels.preview_outcome(ratings)
        if body["confirm"]:
            panels.confirm_decision(application, ratings, reasons, by=current_user, today=today_in_london())
    except IllegalTrigger as refused:
        db.session.rollback()
        raise ApiError(409, refused.reason, details={"state": application.status.value}) from None
    except GuardRefused as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"reasons": refused.reasons}) from None
    except ApplicationError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    db.session.commit()
    return {"outcome": result.value, "explanation": result.explanation, "rule": result.rule,
            "inputs": dict(result.inputs), "confirmed": body["confirm"], "application": application}
