"""Self-assessments over the API: a team's list, one assessment, saving answers, firing triggers."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import RefSchema, enum_field, free_text
from accredit.api.workflow import WorkflowResourceSchema, refusals_answered
from accredit.assessments import queries, services
from accredit.assessments.models import SelfAssessment
from accredit.assessments.permissions import TRIGGER_ACTIONS, triggers_for
from accredit.extensions import db
from accredit.frameworks.models import FrameworkVersion
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from workflows.assessment import ASSESSMENT_WORKFLOW, AssessmentStatus
from workflows.ratings import Domain, Rating

blp = ApiBlueprint("api_assessments", __name__, tag="self-assessments",
                   description="Teams' periodic self-assessments against their framework")
SelfAssessment.api_label = "self-assessment"


class ResponseSchema(ma.Schema):
    standard = ma.fields.String(required=True, attribute="standard.code")
    domain = enum_field(Domain, attribute="standard.domain")
    title = ma.fields.String(required=True, attribute="standard.title")
    rating = enum_field(Rating, allow_none=True)
    narrative = ma.fields.String(required=True)
    evidence = ma.fields.Function(lambda r: [e.id for e in r.evidence if e.deleted_at is None], required=True,
                                  metadata={"type": "array", "items": {"type": "integer"}})
    version = ma.fields.Integer(required=True)
    updated_at = ma.fields.DateTime(required=True, allow_none=True)


class RatingResultSchema(ma.Schema):
    rating = enum_field(Rating, allow_none=True, attribute="value")
    explanation = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)


class DomainResultSchema(RatingResultSchema):
    domain = enum_field(Domain)


class AssessmentSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.Function(lambda a: a.status.value, required=True, metadata={"type": "string"})
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    due_on = ma.fields.Date(required=True)
    submitted_at = ma.fields.DateTime(required=True, allow_none=True)
    is_late = ma.fields.Boolean(required=True)


class AssessmentSchema(WorkflowResourceSchema):
    workflow = ASSESSMENT_WORKFLOW
    action_prefix = "assessment"

    team = ma.fields.Nested(RefSchema, required=True)
    framework = ma.fields.Function(lambda a: {"key": a.framework_version.framework.key,
                                              "version": a.framework_version.version},
                                   required=True, metadata={"type": "object"})
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    due_on = ma.fields.Date(required=True)
    submitted_at = ma.fields.DateTime(required=True, allow_none=True)
    is_late = ma.fields.Boolean(required=True)
    return_reason = ma.fields.String(required=True, allow_none=True)
    unanswered = ma.fields.Function(lambda a: a.unanswered_codes(), required=True,
                                    metadata={"type": "array", "items": {"type": "string"}})
    responses = ma.fields.List(ma.fields.Nested(ResponseSchema), required=True)
    domain_ratings = ma.fields.Function(
        lambda a: DomainResultSchema(many=True).dump(
            [{"domain": d, "value": r.value, "explanation": r.explanation, "rule": r.rule}
             for d, r in queries.domain_results(a, current_scheme()).items()]),
        required=True, metadata={"type": "array", "items": {"type": "object"}})
    overall = ma.fields.Function(lambda a: RatingResultSchema().dump(queries.overall_result(a, current_scheme())),
                                 required=True, metadata={"type": "object"})

    def transitions_for(self, record: Any) -> list[str]:
        return triggers_for(current_user, record)


class AnswerSchema(ma.Schema):
    standard = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    rating = ma.fields.Enum(Rating, by_value=True, allow_none=True, load_default=None)
    narrative = ma.fields.String(load_default="", validate=[ma.validate.Length(max=services.MAX_NARRATIVE), free_text])
    evidence = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=None)


class SaveAnswersSchema(ma.Schema):
    version = ma.fields.Integer(required=True, metadata={"description": "The assessment version you read"})
    responses = ma.fields.List(ma.fields.Nested(AnswerSchema), required=True,
                               validate=ma.validate.Length(min=1, max=200))


class FireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=[ma.validate.Length(max=2000), free_text])
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


@blp.route("/teams/<id:team_id>/self-assessments")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(AssessmentSummarySchema))
@blp.errors(404)
def list_for_team(args: dict[str, Any], team_id: int) -> dict[str, Any]:
    """A team's self-assessments, newest period first."""
    team = get_or_404_in_scope(Team, team_id, "team.view")
    query = sa.select(SelfAssessment).where(SelfAssessment.team_id == team.id).order_by(SelfAssessment.period_start.desc())
    return paginate(query, args)


def _load(assessment_id: int, action: str | None = None) -> SelfAssessment:
    """The assessment with everything AssessmentSchema dumps, loaded with the row (404/403 as in scope); its
    answers written first if nobody has read it yet (services.ensure_answers)."""
    options = [
        *queries.with_answers(editors=False),  # the body names no editor
        joinedload(SelfAssessment.team),
        joinedload(SelfAssessment.framework_version).joinedload(FrameworkVersion.framework),
    ]
    assessment = get_or_404_in_scope(SelfAssessment, assessment_id, "assessment.view", action, options=options)
    if services.ensure_answers(assessment):
        db.session.commit()  # then the answers just written, into the same object (get() would not load them)
        db.session.scalar(sa.select(SelfAssessment).where(SelfAssessment.id == assessment.id).options(*options))
    queries.load_evidence(assessment.responses)
    return assessment


@blp.route("/self-assessments/<id:assessment_id>")
@blp.response(200, AssessmentSchema)
@blp.errors(404)
def get_assessment(assessment_id: int) -> SelfAssessment:
    """One self-assessment with its answers, its computed ratings and the triggers you may fire."""
    return _load(assessment_id)


CHANGED = "This self-assessment has changed since you read it: read it again"


def _check_version(assessment: SelfAssessment, version: int | None) -> None:
    if version is not None and version != assessment.version:
        raise ApiError(409, CHANGED, details={"version": assessment.version})


def _changed_meanwhile(assessment: SelfAssessment) -> ApiError:
    """The 409 for a write that lost a race: another request committed a change between our read and our write."""
    db.session.rollback()
    return ApiError(409, CHANGED, details={"version": db.session.get(SelfAssessment, assessment.id).version})


@blp.route("/self-assessments/<id:assessment_id>/responses", methods=["PUT"])
@blp.arguments(SaveAnswersSchema)
@blp.response(200, AssessmentSchema)
@blp.errors(403, 404, 409, 422)
def save_responses(body: dict[str, Any], assessment_id: int) -> SelfAssessment:
    """Save answers; the body's `version` must be the assessment's current one (else 409, nothing saved)."""
    assessment = _load(assessment_id, "assessment.edit")
    _check_version(assessment, body["version"])
    if assessment.status not in (AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS):
        raise ApiError(409, f"This self-assessment is {assessment.status.label.lower()} and can no longer be changed")
    answers = [services.Answer(a["standard"], a["rating"], a["narrative"].strip(), a["evidence"]) for a in body["responses"]]
    try:
        services.save_answers(assessment, answers, by=current_user)
        _commit_keeping_state()
    except services.AssessmentError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"standard": refused.field}) from None
    except StaleDataError:
        raise _changed_meanwhile(assessment) from None
    return assessment


def _commit_keeping_state() -> None:
    """Commit without expiring the session's objects, so that the answer is dumped from them, not read again.

    They are what was just written: the version check passed (another write meanwhile would have raised
    StaleDataError at the flush), the flush set the new versions, and the service set every changed column.
    """
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


FIRE = {
    "start": services.start_self_assessment,
    "submit": services.submit_self_assessment,
    "accept": services.accept_self_assessment,
    "return_to_team": services.return_self_assessment,
}


# Triggers are snake_case (`return_to_team`): the slug converter, for kebab-case keys, would answer 404.
@blp.route("/self-assessments/<id:assessment_id>/transitions/<string:trigger>", methods=["POST"])
@blp.arguments(FireSchema)
@blp.response(200, AssessmentSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], assessment_id: int, trigger: str) -> SelfAssessment:
    """Fire a trigger: 409 if not allowed from the current state, 422 with what is missing if a guard refuses."""
    assessment = _load(assessment_id)
    if trigger not in FIRE:
        raise ApiError(409, f"'{trigger}' cannot be fired through the API; allowed: {', '.join(FIRE)}")
    require(TRIGGER_ACTIONS[trigger], assessment)
    _check_version(assessment, body["version"])
    kwargs = {"reason": body["reason"] or ""} if trigger == "return_to_team" else {}
    with refusals_answered(assessment, changed=CHANGED,
                           guard_details=lambda: {"missing": assessment.unanswered_codes()}):
        FIRE[trigger](assessment, by=current_user, **kwargs)
    return queries.load_assessment(assessment.id)
