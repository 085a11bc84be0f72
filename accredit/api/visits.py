"""Visits over the API: plan one, read it, rate it, set its reviewers (conflicts checked again), fire triggers."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user

from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import PersonSchema, RefSchema, enum_field, free_text
from accredit.api.workflow import WorkflowResourceSchema, refusals_answered
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import can
from accredit.visits import queries, services
from accredit.visits.models import Visit
from accredit.visits.permissions import triggers_for
from workflows.ratings import Domain, Rating
from workflows.visit import VISIT_WORKFLOW, VisitKind

blp = ApiBlueprint("api_visits", __name__, tag="visits",
                   description="Quality Review Visits and Step-up peer reviews: reviewers, ratings, the report")
Visit.api_label = "visit"
_text = [ma.validate.Length(max=services.MAX_TEXT), free_text]


class VisitReviewerSchema(ma.Schema):
    user = ma.fields.Nested(PersonSchema, required=True)
    is_lead = ma.fields.Boolean(required=True)
    conflict_override_reason = ma.fields.String(required=True, allow_none=True,
                                                metadata={"description": "Set when a quality lead overrode a conflict"})


class VisitDomainRatingSchema(ma.Schema):
    domain = enum_field(Domain)
    rating = enum_field(Rating, allow_none=True)
    findings = ma.fields.String(required=True)


def _ratings(visit: Visit) -> list[dict[str, Any]] | None:
    if not can(current_user, "visit.read_report", visit):
        return None
    rows = [{"domain": d, "rating": r.rating if r else None, "findings": r.findings if r else ""}
            for d in Domain for r in [visit.rating_for(d)]]
    return VisitDomainRatingSchema(many=True).dump(rows)


def _overall(visit: Visit) -> dict[str, Any] | None:
    if not can(current_user, "visit.read_report", visit):
        return None
    computed = queries.computed_overall(visit)
    return {"rating": visit.overall_rating.value if visit.overall_rating else None,
            "computed": computed.value.value if computed.value else None, "explanation": computed.explanation,
            "overridden": visit.overall_overridden, "override_reason": visit.override_reason}


class VisitSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    state = ma.fields.Function(lambda v: v.status.value, required=True, metadata={"type": "string"})
    kind = enum_field(VisitKind)
    visit_date = ma.fields.Date(required=True, allow_none=True)
    published_at = ma.fields.DateTime(required=True, allow_none=True)


class VisitSchema(WorkflowResourceSchema):
    workflow = VISIT_WORKFLOW
    action_prefix = "visit"

    team = ma.fields.Nested(RefSchema, required=True)
    kind = enum_field(VisitKind)
    visit_date = ma.fields.Date(required=True, allow_none=True)
    scheme_version = ma.fields.String(required=True)
    reviewers = ma.fields.List(ma.fields.Nested(VisitReviewerSchema), required=True)
    ratings = ma.fields.Function(_ratings, required=True, allow_none=True, metadata={
        "type": "array", "items": {"type": "object"},
        "description": "One per domain; null until the draft report is sent, unless you review the visit"})
    overall = ma.fields.Function(_overall, required=True, allow_none=True, metadata={"type": "object"})
    summary = ma.fields.Function(lambda v: v.summary if can(current_user, "visit.read_report", v) else None,
                                 required=True, allow_none=True, metadata={"type": "string"})
    factual_accuracy_due = ma.fields.Date(required=True, allow_none=True)
    team_comments = ma.fields.String(required=True, allow_none=True)
    team_comments_closed_at = ma.fields.DateTime(required=True, allow_none=True)
    published_at = ma.fields.DateTime(required=True, allow_none=True)
    cancel_reason = ma.fields.String(required=True, allow_none=True)

    def transitions_for(self, record: Any) -> list[str]:
        return triggers_for(current_user, record, today_in_london())


class PlanVisitSchema(ma.Schema):
    team = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    kind = ma.fields.Enum(VisitKind, by_value=True, load_default=VisitKind.QRV)
    visit_date = ma.fields.Date(required=True)


class VisitRatingInSchema(ma.Schema):
    domain = ma.fields.Enum(Domain, by_value=True, required=True)
    rating = ma.fields.Enum(Rating, by_value=True, allow_none=True, load_default=None)
    findings = ma.fields.String(load_default="", validate=_text)


class SaveVisitRatingsSchema(ma.Schema):
    version = ma.fields.Integer(required=True, metadata={"description": "The visit version you read"})
    ratings = ma.fields.List(ma.fields.Nested(VisitRatingInSchema), load_default=list,
                             validate=ma.validate.Length(max=5))
    overall = ma.fields.Enum(Rating, by_value=True, allow_none=True, load_default=None,
                             metadata={"description": "null: the computed rating; another needs override_reason"})
    override_reason = ma.fields.String(allow_none=True, load_default=None, validate=_text)
    summary = ma.fields.String(allow_none=True, load_default=None, validate=_text)


class VisitReviewerInSchema(ma.Schema):
    user = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    is_lead = ma.fields.Boolean(load_default=False)
    override_reason = ma.fields.String(allow_none=True, load_default=None, validate=_text,
                                       metadata={"description": "A quality lead's reason for overriding a conflict"})


class SetVisitReviewersSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})
    reviewers = ma.fields.List(ma.fields.Nested(VisitReviewerInSchema), required=True,
                               validate=ma.validate.Length(max=20))


class VisitFireSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=[ma.validate.Length(max=2000), free_text])
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


@blp.route("/teams/<id:team_id>/visits")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(VisitSummarySchema))
@blp.errors(404)
def list_for_team(args: dict[str, Any], team_id: int) -> dict[str, Any]:
    """A team's visits and reviews, newest date first."""
    team = get_or_404_in_scope(Team, team_id, "team.view")
    return paginate(queries.team_visits_query(team.id), args)


@blp.route("/visits", methods=["POST"])
@blp.arguments(PlanVisitSchema)
@blp.response(201, VisitSchema)
@blp.errors(403, 404, 422)
def plan_visit(body: dict[str, Any]) -> tuple[Visit, int, dict[str, str]]:
    """Plan a visit to a team (a quality lead covering it); then set its reviewers and schedule it."""
    team = get_or_404_in_scope(Team, body["team"], "team.view", "visit.plan")
    try:
        visit = services.plan_visit(team, body["kind"], body["visit_date"], by=current_user)
    except services.VisitError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason) from None
    db.session.commit()
    return queries.load_visit(visit.id), 201, {"Location": f"/api/v1/visits/{visit.id}"}


def _load(visit_id: int, action: str | None = None) -> Visit:
    visit = get_or_404_in_scope(Visit, visit_id, "visit.view", action)
    return queries.load_visit(visit.id)


CHANGED = "This visit has changed since you read it: read it again"


def _check_version(visit: Visit, version: int | None) -> None:
    if version is not None and version != visit.version:
        raise ApiError(409, CHANGED, details={"version": visit.version})


@blp.route("/visits/<id:visit_id>")
@blp.response(200, VisitSchema)
@blp.errors(404)
def get_visit(visit_id: int) -> Visit:
    """One visit: its state, reviewers, ratings (once you may read the report) and the triggers you may fire."""
    return _load(visit_id)


@blp.route("/visits/<id:visit_id>/ratings", methods=["PUT"])
@blp.arguments(SaveVisitRatingsSchema)
@blp.response(200, VisitSchema)
@blp.errors(403, 404, 409, 422)
def save_ratings(body: dict[str, Any], visit_id: int) -> Visit:
    """Rate domains (those left out stay as they are), the overall rating and the summary; `version` must be
    current (else 409, nothing saved). An overall rating other than the computed one needs `override_reason`."""
    visit = _load(visit_id, "visit.rate")
    _check_version(visit, body["version"])
    if visit.status not in services.RATEABLE:
        raise ApiError(409, f"The ratings cannot be changed once the visit is {visit.status.label.lower()}")
    ratings = {r["domain"]: (r["rating"], r["findings"]) for r in body["ratings"]}
    try:
        services.save_ratings(visit, ratings, by=current_user, overall=body["overall"],
                              override_reason=body["override_reason"], summary=body["summary"])
    except services.VisitError as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": refused.field}) from None
    db.session.commit()
    return queries.load_visit(visit.id)


@blp.route("/visits/<id:visit_id>/reviewers", methods=["PUT"])
@blp.arguments(SetVisitReviewersSchema)
@blp.response(200, VisitSchema)
@blp.errors(403, 404, 409, 422)
def set_reviewers(body: dict[str, Any], visit_id: int) -> Visit:
    """Make the visit's reviewers exactly these. Each new one is checked for conflicts of interest as the page
    checks them: a conflict answers 422 with `details.reviewers` naming every reason per user id, and nothing
    changes, unless a quality lead gives that reviewer an `override_reason`."""
    visit = _load(visit_id, "visit.assign")
    _check_version(visit, body["version"])
    if visit.status not in services.STAFFABLE:
        raise ApiError(409, f"Reviewers cannot be changed once the visit is {visit.status.label.lower()}")
    wanted = {item["user"]: item for item in body["reviewers"]}
    leads = [user_id for user_id, item in wanted.items() if item["is_lead"]]
    if len(leads) > 1:
        raise ApiError(422, "Only one reviewer can be the lead", details={"reviewers": {}})
    problems = _assign_new(visit, wanted)
    if not problems:
        problems = _remove_and_lead(visit, wanted, leads[0] if leads else None)
    if problems:
        db.session.rollback()
        message = next(iter(problems.values()))[1] if len(problems) == 1 else \
            f"{len(problems)} reviewers cannot be assigned: see details"
        raise ApiError(422, message, details={"reviewers": {k: v[0] for k, v in problems.items()}})
    db.session.commit()
    return queries.load_visit(visit.id)


Problems = dict[str, tuple[list[str], str]]  # user id -> (reasons, the sentence people read)


def _assign_new(visit: Visit, wanted: dict[int, dict[str, Any]]) -> Problems:
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(wanted))))}
    problems: Problems = {}
    for user_id, item in wanted.items():
        if user_id in visit.reviewer_ids():
            continue
        if user_id not in users:
            problems[str(user_id)] = (["there is no such user"], f"There is no user {user_id}")
            continue
        try:
            services.assign_reviewer(visit, users[user_id], by=current_user, is_lead=item["is_lead"],
                                     override_reason=item["override_reason"])
        except services.ConflictRefused as refused:
            problems[str(user_id)] = (refused.reasons, refused.reason)
        except services.VisitError as refused:
            problems[str(user_id)] = ([refused.reason], refused.reason)
    return problems


def _remove_and_lead(visit: Visit, wanted: dict[int, dict[str, Any]], lead: int | None) -> Problems:
    try:
        for assignment in list(visit.reviewers):
            if assignment.user_id not in wanted:
                services.remove_reviewer(visit, assignment.user, by=current_user)
        current = visit.lead_reviewer
        if lead is not None and (current is None or current.user_id != lead):
            services.set_lead_reviewer(visit, db.session.get(User, lead), by=current_user)
    except services.VisitError as refused:
        return {"_visit": ([refused.reason], refused.reason)}
    return {}


FIRE = {
    "schedule": services.schedule_visit,
    "start": services.start_visit,
    "draft": services.draft_report,
    "send": services.send_report,
    "publish": services.publish_report,
    "cancel": services.cancel_visit,
}


@blp.route("/visits/<id:visit_id>/transitions/<slug:trigger>", methods=["POST"])
@blp.arguments(VisitFireSchema)
@blp.response(200, VisitSchema)
@blp.errors(403, 404, 409, 422)
def fire(body: dict[str, Any], visit_id: int, trigger: str) -> Visit:
    """Fire a trigger: 409 if not allowed from the current state, 422 with what is missing if a guard refuses.
    `cancel` needs a `reason`."""
    visit = _load(visit_id)
    if trigger not in FIRE:
        raise ApiError(409, f"'{trigger}' is not a trigger of visits; triggers: {', '.join(FIRE)}")
    require(f"visit.{trigger}", visit)
    _check_version(visit, body["version"])
    kwargs: dict[str, Any] = {}
    if trigger == "cancel":
        kwargs["reason"] = body["reason"] or ""
    if trigger in {"send", "publish"}:
        kwargs["today"] = today_in_london()
    with refusals_answered(visit, changed=CHANGED):
        FIRE[trigger](visit, by=current_user, **kwargs)
    return queries.load_visit(visit.id)
