"""Self-assessment pages: a team's history, the long form (saved as you go), submit, accept and return."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from accredit.assessments import queries, services
from accredit.assessments.permissions import triggers_for
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise, can
from accredit.schemes.services import current_scheme
from forms.assessments import ConfirmForm, ReturnForm, build_assessment_form
from workflows.assessment import ASSESSMENT_WORKFLOW, EDITABLE
from workflows.base import IllegalTrigger, WorkflowError
from workflows.periods import period_containing
from workflows.ratings import Rating

bp = Blueprint("assessments", __name__)


def _load(assessment_id: int, action: str = "assessment.view"):
    """The assessment with its answers (written first if nobody has read it yet: services.ensure_answers), once
    the current user may do `action` to it (403/404 otherwise)."""
    assessment = queries.load_assessment(assessment_id)
    authorise(action, assessment, view_action="assessment.view")
    if services.ensure_answers(assessment):
        db.session.commit()
        queries.load_assessment(assessment_id)  # the answers just written, into the same object
    return assessment


def _evidence_choices(team_id: int) -> list[tuple[int, str]]:
    from accredit.evidence.queries import library_choices

    return library_choices(team_id)


@bp.route("/teams/<int:team_id>/self-assessments")
@login_required
def history(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("team.view", team, view_action="team.view")
    scheme = current_scheme()
    rows = [(a, queries.domain_results(a, scheme), queries.overall_result(a, scheme)) for a in queries.team_history(team.id)]
    latest = rows[0][0] if rows else None
    diagram = render_diagram(ASSESSMENT_WORKFLOW, latest.status) if latest else None
    return render_template("assessments/history.html", team=team, rows=rows, diagram=diagram, latest=latest)


@bp.route("/teams/<int:team_id>/self-assessments/current")
@login_required
def current(team_id: int):
    """Open (creating if the scheduler has not yet) this period's self-assessment and go to it."""
    team = db.session.get(Team, team_id)
    authorise("team.view", team, view_action="team.view")
    scheme = current_scheme()
    period = period_containing(services.today_in_london(), scheme.assessment_cadence, scheme.assessment_due_after_days)
    try:
        assessment, _ = services.ensure_assessment(team, period)
    except services.AssessmentError as refused:
        flash(refused.reason)
        return redirect(url_for("org.team", team_id=team.id))
    db.session.commit()  # what it created, and its empty answers (written even if another request opened it first)
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/self-assessments/<int:assessment_id>", methods=["GET", "POST"])
@login_required
def show(assessment_id: int):
    assessment = _load(assessment_id)
    editable = assessment.status in EDITABLE and can(current_user, "assessment.edit", assessment)
    form = build_assessment_form(assessment, _evidence_choices(assessment.team_id),
                                 formdata=request.form if request.method == "POST" else None)
    conflicts: list[Any] = []
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate():
            saved, conflicts = _save_form(assessment, form)
            if saved and not conflicts:
                return _after_save(assessment)
    return _render_form(assessment, form, editable, conflicts)


def _answers_from(form, assessment) -> list[services.Answer]:
    answers = []
    for response in assessment.responses:
        sub = form[response.standard.code]
        version = int(sub.version.data) if str(sub.version.data or "").isdigit() else None
        rating = Rating(sub.rating.data) if sub.rating.data else None
        answers.append(services.Answer(response.standard.code, rating, (sub.narrative.data or "").strip(),
                                       list(sub.evidence.data or []), version))
    return answers


def _commit_saving(assessment, save: Callable[[Any], Any]) -> Any:
    """Run `save(assessment)`, commit, and return what it returned.

    Every save moves the assessment row's version on, so a save of another standard committed meanwhile (two
    people, or two fields saved at once) makes the flush fail with StaleDataError: roll back and run `save` once
    more on the fresh row. A real conflict is still caught, by the standard's own version. Errors propagate.
    """
    try:
        result = save(assessment)
        db.session.commit()
        return result
    except StaleDataError:
        db.session.rollback()
    queries.load_assessment(assessment.id)  # the fresh row and answers, into the same object
    result = save(assessment)
    db.session.commit()
    return result


def _save_form(assessment, form) -> tuple[bool, list[Any]]:
    """Save what can be saved. Returns (saved, the responses someone else changed meanwhile: their edit kept);
    not saved when the service refused an answer, whose reason is then put next to its narrative."""

    def save(current) -> list[Any]:
        clean, conflicts = services.split_conflicts(current, _answers_from(form, current))
        services.save_answers(current, clean, by=current_user)
        return conflicts

    try:
        conflicts = _commit_saving(assessment, save)
    except services.AssessmentError as refused:
        db.session.rollback()
        target = form[refused.field].narrative if refused.field in form else None
        (target.errors if target is not None else form.form_errors).append(refused.reason)
        return False, []
    # Every version in the page becomes the stored one: for conflicts the page offers their answer beside yours
    # and saving again keeps yours; for what was just saved, a later change is no conflict with yourself.
    for response in assessment.responses:
        form[response.standard.code].version.data = str(response.version)
    return True, conflicts


def _after_save(assessment):
    if request.form.get("action") == "submit":
        return redirect(url_for("assessments.submit", assessment_id=assessment.id))
    flash("Your answers have been saved", "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


def _render_form(assessment, form, editable: bool, conflicts: list[Any]):
    scheme = current_scheme()
    return render_template(
        "assessments/form.html", assessment=assessment, form=form, editable=editable, conflicts=conflicts,
        progress=queries.progress_by_domain(assessment), domains=queries.domain_results(assessment, scheme),
        overall=queries.overall_result(assessment, scheme), triggers=triggers_for(current_user, assessment),
        confirm=ConfirmForm(), previous=services.previous_assessment(assessment) if editable else None,
        by_domain=assessment.framework_version.standards_by_domain(),
    )


@bp.route("/self-assessments/<int:assessment_id>/responses/<code>", methods=["POST"])
@login_required
def autosave(assessment_id: int, code: str):
    """Save one standard as the user types (static/js/autosave.js); answers JSON, 409 on a conflict."""
    assessment = _load(assessment_id, "assessment.edit")
    form = build_assessment_form(assessment, _evidence_choices(assessment.team_id), formdata=request.form)
    if assessment.response_for(code) is None or not form[code].validate(form):
        return jsonify({"error": {"code": "bad_request", "message": "That answer could not be read", "details": {}}}), 400
    answer = next(a for a in _answers_from(form, assessment) if a.code == code)
    try:
        _commit_saving(assessment, lambda current: services.save_answers(current, [answer], by=current_user))
    except services.EditConflict as conflict:
        db.session.rollback()
        return jsonify(_conflict_body(conflict)), 409
    except services.AssessmentError as refused:
        db.session.rollback()
        return jsonify({"error": {"code": "unprocessable", "message": refused.reason, "details": {}}}), 422
    response = assessment.response_for(code)
    return jsonify({"code": code, "version": response.version, "answered": response.is_answered,
                    "saved_at": response.updated_at.isoformat() if response.updated_at else None})


def _conflict_body(conflict: services.EditConflict) -> dict:
    theirs = conflict.theirs
    return {"error": {"code": "conflict", "message": conflict.reason, "details": {
        "version": theirs.version, "rating": theirs.rating.value if theirs.rating else None,
        "rating_label": theirs.rating.label if theirs.rating else "No rating", "narrative": theirs.narrative,
        "by": theirs.updated_by.name if theirs.updated_by else None}}}


@bp.route("/self-assessments/<int:assessment_id>/copy-forward", methods=["POST"])
@login_required
def copy_forward(assessment_id: int):
    assessment = _load(assessment_id, "assessment.edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        copied = services.copy_forward(assessment, by=current_user)
    except services.AssessmentError as refused:
        db.session.rollback()
        flash(refused.reason)
    else:
        db.session.commit()
        flash(f"Copied {len(copied)} answers from last period. Change what has changed, then submit.", "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))


@bp.route("/self-assessments/<int:assessment_id>/submit", methods=["GET", "POST"])
@login_required
def submit(assessment_id: int):
    assessment = _load(assessment_id, "assessment.submit")
    form = ConfirmForm()
    try:
        reasons = ASSESSMENT_WORKFLOW.check(assessment, "submit")
    except IllegalTrigger:
        reasons = [f"It is {assessment.status.label.lower()}, not in progress"]
    if form.validate_on_submit() and not reasons:
        return _fire_and_redirect(assessment, services.submit_self_assessment, "Self-assessment submitted")
    return render_template("assessments/submit.html", assessment=assessment, form=form, reasons=reasons)


@bp.route("/self-assessments/<int:assessment_id>/accept", methods=["POST"])
@login_required
def accept(assessment_id: int):
    assessment = _load(assessment_id, "assessment.review")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _fire_and_redirect(assessment, services.accept_self_assessment, "Self-assessment accepted")


@bp.route("/self-assessments/<int:assessment_id>/return", methods=["GET", "POST"])
@login_required
def return_to_team(assessment_id: int):
    assessment = _load(assessment_id, "assessment.review")
    form = ReturnForm()
    if form.validate_on_submit():
        return _fire_and_redirect(assessment, services.return_self_assessment, "Returned to the team",
                                  reason=form.reason.data)
    return render_template("assessments/return.html", assessment=assessment, form=form)


def _fire_and_redirect(assessment, service, message: str, **kwargs: Any):
    try:
        service(assessment, by=current_user, **kwargs)
        db.session.commit()
    except WorkflowError as refused:
        db.session.rollback()
        flash(f"That could not be done: {refused.reason}")
    except StaleDataError:
        db.session.rollback()
        flash("That could not be done: someone changed this self-assessment at the same moment. Check it and try again.")
    else:
        flash(message, "success")
    return redirect(url_for("assessments.show", assessment_id=assessment.id))
