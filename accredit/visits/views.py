"""Visit pages: the overview, a team's visits, planning, the visit and its triggers, reviewers, ratings, actions
raised, the team lead's comments, cancelling."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.actions.services import ActionError
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise, require
from accredit.visits import queries, services
from accredit.visits.conflicts import STAFF_ROLES
from accredit.visits.permissions import blocked_triggers, triggers_for
from forms.assessments import ConfirmForm
from forms.errors import field_error
from forms.visits import (AssignReviewerForm, CancelVisitForm, CommentForm, PlanVisitForm, RaiseActionForm,
                          VisitRatingsForm)
from workflows.base import WorkflowError
from workflows.ratings import Domain, Rating
from workflows.visit import VISIT_WORKFLOW, VisitKind

bp = Blueprint("visits", __name__)


def _load(visit_id: int, action: str = "visit.view"):
    """The visit, or 404 outside the user's scope, 403 if the user may see it but not do `action`."""
    visit = queries.load_visit(visit_id)
    authorise(action, visit, view_action="visit.view")
    return visit


@bp.route("/visits")
@login_required
@require("visits.overview")
def overview():
    page = db.paginate(queries.overview_query(current_user), per_page=25, error_out=False)
    return render_template("visits/overview.html", page=page)


@bp.route("/teams/<int:team_id>/visits")
@login_required
def team_visits(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("team.view", team, view_action="team.view")
    page = db.paginate(queries.team_visits_query(team.id), per_page=25, error_out=False)
    return render_template("visits/team.html", team=team, page=page)


@bp.route("/teams/<int:team_id>/visits/new", methods=["GET", "POST"])
@login_required
def plan(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("visit.plan", team, view_action="team.view")
    form = PlanVisitForm()
    if form.validate_on_submit():
        try:
            visit = services.plan_visit(team, VisitKind(form.kind.data), form.visit_date.data, by=current_user)
        except services.VisitError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"{visit.kind.label} planned for {visit.visit_date:%-d %B %Y}. Now assign its reviewers.", "success")
            return redirect(url_for(".reviewers", visit_id=visit.id))
    return render_template("visits/plan.html", team=team, form=form)


@bp.route("/visits/<int:visit_id>")
@login_required
def show(visit_id: int):
    visit = _load(visit_id)
    today = today_in_london()
    return render_template(
        "visits/show.html", visit=visit, confirm=ConfirmForm(), actions=queries.actions_raised(visit.id),
        triggers=triggers_for(current_user, visit, today), blocked=blocked_triggers(current_user, visit, today),
        diagram=render_diagram(VISIT_WORKFLOW, visit.status), overall=queries.computed_overall(visit),
        comparison=queries.compare(queries.latest_self_assessment(visit.team_id), visit),
        loads=queries.reviewer_loads(visit.reviewer_ids()),
        comments_open=services.why_comments_closed(visit, today) is None,
        closes=services.factual_accuracy_closes(visit, today),
    )


#: The triggers fired by a plain button on the visit page (cancel asks for a reason on its own page).
BUTTONS = {
    "schedule": (services.schedule_visit, "The visit is scheduled"),
    "start": (services.start_visit, "The visit has started"),
    "draft": (services.draft_report, "The draft report is ready to send"),
    "send": (services.send_report, "The draft report has gone to the team lead for factual accuracy"),
    "publish": (services.publish_report, "The report is published"),
}
_TAKES_TODAY = {"send", "publish"}


@bp.route("/visits/<int:visit_id>/<any(schedule, start, draft, send, publish):trigger>", methods=["POST"])
@login_required
def fire(visit_id: int, trigger: str):
    visit = _load(visit_id, f"visit.{trigger}")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service, message = BUTTONS[trigger]
    kwargs = {"today": today_in_london()} if trigger in _TAKES_TODAY else {}
    try:
        service(visit, by=current_user, **kwargs)
    except WorkflowError as refused:
        db.session.rollback()
        flash(f"That could not be done: {refused.reason}")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".show", visit_id=visit.id))


@bp.route("/visits/<int:visit_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(visit_id: int):
    visit = _load(visit_id, "visit.cancel")
    form = CancelVisitForm()
    if form.validate_on_submit():
        try:
            services.cancel_visit(visit, by=current_user, reason=form.reason.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.reason.errors.append(refused.reason)
        else:
            db.session.commit()
            flash("The visit is cancelled", "success")
            return redirect(url_for(".show", visit_id=visit.id))
    return render_template("visits/cancel.html", visit=visit, form=form)


@bp.route("/visits/<int:visit_id>/comments", methods=["GET", "POST"])
@login_required
def comments(visit_id: int):
    visit = _load(visit_id, "visit.comment")
    today = today_in_london()
    closed = services.why_comments_closed(visit, today)
    if closed:
        flash(closed)
        return redirect(url_for(".show", visit_id=visit.id))
    form = CommentForm(data={"comments": visit.team_comments or ""})
    if form.validate_on_submit():
        finished = request.form.get("action") == "finish"
        try:
            services.comment_on_report(visit, form.comments.data, by=current_user, today=today, finished=finished)
        except services.VisitError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash("Thank you: you have no further comments" if finished else "Your comments have been saved",
                  "success")
            return redirect(url_for(".show", visit_id=visit.id))
    return render_template("visits/comments.html", visit=visit, form=form,
                           closes=services.factual_accuracy_closes(visit, today))


@bp.route("/visits/<int:visit_id>/reviewers", methods=["GET", "POST"])
@login_required
def reviewers(visit_id: int):
    visit = _load(visit_id, "visit.assign")
    candidates = queries.reviewer_candidates(visit)
    form = AssignReviewerForm()
    form.set_candidates(candidates)
    if form.validate_on_submit():
        user = db.session.get(User, form.reviewer.data)
        try:
            if user is None:
                raise services.VisitError("Choose a reviewer from the list", field="reviewer")
            services.assign_reviewer(visit, user, by=current_user, is_lead=form.is_lead.data,
                                     override_reason=form.override_reason.data)
        except services.VisitError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"{user.name} is a reviewer for this visit", "success")
            return redirect(url_for(".reviewers", visit_id=visit.id))
    return render_template("visits/reviewers.html", visit=visit, form=form, candidates=candidates,
                           confirm=ConfirmForm(), loads=queries.reviewer_loads(visit.reviewer_ids()))


@bp.route("/visits/<int:visit_id>/reviewers/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_reviewer(visit_id: int, user_id: int):
    visit = _load(visit_id, "visit.assign")
    user = db.session.get(User, user_id)
    if user is None or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_reviewer(visit, user, by=current_user)
    except services.VisitError as refused:
        db.session.rollback()
        flash(f"That could not be done: {refused.reason}")
    else:
        db.session.commit()
        flash(f"{user.name} is no longer a reviewer for this visit", "success")
    return redirect(url_for(".reviewers", visit_id=visit.id))


def _ratings_data(visit) -> dict:
    data = {d.value: {"rating": r.rating.value if (r := visit.rating_for(d)) and r.rating else None,
                      "findings": r.findings if r else ""} for d in Domain}
    overridden = visit.overall_overridden and visit.overall_rating is not None
    return {**data, "overall": visit.overall_rating.value if overridden else "",
            "override_reason": visit.override_reason or "", "summary": visit.summary, "version": str(visit.version)}


@bp.route("/visits/<int:visit_id>/ratings", methods=["GET", "POST"])
@login_required
def ratings(visit_id: int):
    visit = _load(visit_id, "visit.rate")
    if visit.status not in services.RATEABLE:
        flash(f"The ratings cannot be changed once the visit is {visit.status.label.lower()}")
        return redirect(url_for(".show", visit_id=visit.id))
    form = VisitRatingsForm(data=_ratings_data(visit))
    if form.validate_on_submit():
        if form.version.data and int(form.version.data) != visit.version:
            form.form_errors.append("Someone else changed this visit's ratings since you opened it: your changes "
                                    "are below; check theirs on the visit page, then save again to keep yours")
            form.version.data = str(visit.version)
        elif _save_ratings(visit, form):
            return redirect(url_for(".show", visit_id=visit.id))
    assessment = queries.latest_self_assessment(visit.team_id)
    return render_template("visits/ratings.html", visit=visit, form=form, assessment=assessment,
                           mine=queries.self_assessed_by_domain(assessment), overall=queries.computed_overall(visit),
                           evidence=_evidence(visit.team_id))


def _save_ratings(visit, form) -> bool:
    values = {d: (Rating(form[d.value].rating.data) if form[d.value].rating.data else None,
                  form[d.value].findings.data or "") for d in Domain}
    try:
        services.save_ratings(visit, values, by=current_user,
                              overall=Rating(form.overall.data) if form.overall.data else None,
                              override_reason=form.override_reason.data, summary=form.summary.data or "")
    except services.VisitError as refused:
        db.session.rollback()
        field_error(form, refused)
        return False
    db.session.commit()
    flash("The ratings have been saved", "success")
    return True


def _evidence(team_id: int) -> list[tuple[int, str]]:
    from accredit.evidence.queries import library_choices

    return library_choices(team_id)


@bp.route("/visits/<int:visit_id>/actions/new", methods=["GET", "POST"])
@login_required
def raise_action(visit_id: int):
    visit = _load(visit_id, "visit.raise_action")
    form = RaiseActionForm(data={"domain": request.args.get("domain", "")})
    staff = queries.holders(visit.team, *STAFF_ROLES)
    form.owner.choices = [(None, "Choose an owner"), *((u.id, u.name) for u in staff)]
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner.data)
        try:
            services.raise_visit_action(
                visit, by=current_user, title=form.title.data, finding=form.finding.data,
                domain=Domain(form.domain.data), owner=owner, due_on=form.due_on.data, today=today_in_london(),
                standard_code=form.standard_code.data)
        except (services.VisitError, ActionError) as refused:  # the actions service's refusal, field and all
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"Action raised for {owner.name}: {form.title.data}", "success")
            return redirect(url_for(".show", visit_id=visit.id, _anchor="actions"))
    return render_template("visits/raise_action.html", visit=visit, form=form)
