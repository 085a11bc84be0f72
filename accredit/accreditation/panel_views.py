"""Panel pages: pre-panel members and their verdict per standard, the panel's date and members, declarations,
the decision (outcome shown before it is confirmed) and deciding an appeal."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.accreditation import appeals, membership, panels, prepanel
from accredit.accreditation.common import ApplicationError
from accredit.accreditation.models import PanelStage, Verdict
from accredit.accreditation.views import _standard_or_404, bp, load
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.extensions import db
from forms.accreditation import (DecisionForm, DeclarationForm, MemberForm, PanelForm, ResolveAppealForm,
                                 VerdictForm, member_choices)
from forms.errors import field_error
from workflows.base import WorkflowError
from workflows.ratings import Domain, Rating


@bp.route("/applications/<int:application_id>/prepanel", methods=["GET", "POST"])
@login_required
def prepanel_members(application_id: int):
    application = load(application_id, "application.assign_prepanel")
    people = membership.candidates(application.team)
    form = MemberForm()
    form.member.choices = member_choices(people, membership.conflicts_for(application.team, [u.id for u in people]),
                                         "Choose a panel member")
    if form.validate_on_submit():
        user = db.session.get(User, form.member.data)
        try:
            if user is None:
                raise ApplicationError("Choose a panel member from the list", "member")
            prepanel.assign_prepanel_member(application, user, by=current_user,
                                            override_reason=form.override_reason.data)
        except ApplicationError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"{user.name} is on the pre-panel", "success")
            return redirect(url_for(".prepanel_members", application_id=application.id))
    return render_template("accreditation/prepanel.html", application=application, form=form,
                           members=application.panel_of(PanelStage.PRE_PANEL))


@bp.route("/applications/<int:application_id>/review/<code>", methods=["GET", "POST"])
@login_required
def review(application_id: int, code: str):
    application = load(application_id, "application.review")
    standard = _standard_or_404(application, code)
    current = application.review_for(standard)
    form = VerdictForm(data={"verdict": current.verdict.value if current else None,
                             "comment": current.comment if current else ""})
    if form.validate_on_submit():
        try:
            prepanel.review_standard(application, standard.code, verdict=Verdict(form.verdict.data),
                                     comment=form.comment.data, by=current_user)
        except ApplicationError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"{standard.code} is marked {Verdict(form.verdict.data).label.lower()}", "success")
            return redirect(url_for(".show", application_id=application.id, _anchor="portfolio"))
    return render_template("accreditation/review.html", application=application, standard=standard, form=form,
                           entry=application.entry_for(standard))


@bp.route("/applications/<int:application_id>/panel", methods=["GET", "POST"])
@login_required
def panel(application_id: int):
    application = load(application_id, "application.set_panel")
    team, sitting = application.team, application.panel_of(PanelStage.PANEL)
    chairs, people = membership.candidates(team, chair=True), membership.candidates(team)
    found = membership.conflicts_for(team, {u.id for u in chairs + people})
    chair = application.chair
    form = PanelForm(data={"panel_date": application.panel_date, "chair": chair.user_id if chair else None,
                           "members": [m.user_id for m in sitting if not m.is_chair]})
    form.chair.choices = member_choices(chairs, found, "Choose the chair")
    form.members.choices = [(c, t) for c, t in member_choices(people, found, "")[1:]]
    if form.validate_on_submit():
        chosen = db.session.get(User, form.chair.data)
        members = [db.session.get(User, uid) for uid in form.members.data or []]
        overrides = {uid: form.override_reason.data for uid in found} if form.override_reason.data else {}
        try:
            panels.set_panel(application, panel_date=form.panel_date.data, chair=chosen,
                             members=[m for m in members if m is not None], by=current_user,
                             today=today_in_london(), overrides=overrides)
        except ApplicationError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash("The panel is set", "success")
            return redirect(url_for(".panel", application_id=application.id))
    declaration = DeclarationForm(prefix="declare")
    declaration.member.choices = member_choices([m.user for m in sitting], {}, "Choose the panel member")
    return render_template("accreditation/panel.html", application=application, form=form, sitting=sitting,
                           declaration=declaration)


@bp.route("/applications/<int:application_id>/declarations", methods=["POST"])
@login_required
def declare(application_id: int):
    application = load(application_id, "application.declare")
    form = DeclarationForm(prefix="declare")
    form.member.choices = member_choices([m.user for m in application.panel_of(PanelStage.PANEL)], {}, "")
    if form.validate_on_submit():
        user = db.session.get(User, form.member.data)
        try:
            if user is None:
                raise ApplicationError("Choose the panel member", "member")
            panels.record_declaration(application, user, declaration=form.declaration.data,
                                      recused=form.recused.data, recusal_reason=form.recusal_reason.data,
                                      by=current_user)
        except ApplicationError as refused:
            db.session.rollback()
            flash(f"That could not be recorded: {refused.reason}")
        else:
            db.session.commit()
            flash(f"The declaration of {user.name} is recorded", "success")
    else:
        flash("That could not be recorded: " + "; ".join(e for errs in form.errors.values() for e in errs))
    target = ".panel" if application.status.value != "decided" else ".show"
    return redirect(url_for(target, application_id=application.id))


@bp.route("/applications/<int:application_id>/decision", methods=["GET", "POST"])
@login_required
def decision(application_id: int):
    application = load(application_id, "application.decide")
    form = DecisionForm()
    outcome = None
    if form.validate_on_submit():
        ratings = {d: Rating(r) for d, r in form.ratings().items() if r}
        reasons = {d: form[d.value].reasons.data for d in Domain}
        try:
            panels.check_decision_input(application, ratings, reasons, current_user)
            outcome = panels.preview_outcome(ratings)
            if request.form.get("action") == "confirm" and form.previewed.data == form.fingerprint():
                panels.confirm_decision(application, ratings, reasons, by=current_user, today=today_in_london())
                db.session.commit()
                flash(outcome.explanation, "success")
                return redirect(url_for(".show", application_id=application.id, _anchor="decision"))
            form.previewed.data = form.fingerprint()
        except WorkflowError as refused:
            db.session.rollback()
            field_error(form, refused)
            outcome = None
    return render_template("accreditation/decision.html", application=application, form=form, outcome=outcome)


@bp.route("/applications/<int:application_id>/appeal/decide", methods=["GET", "POST"])
@login_required
def resolve(application_id: int):
    application = load(application_id, "application.uphold")
    form = ResolveAppealForm()
    if form.validate_on_submit():
        try:
            appeals.resolve_appeal(application, upheld=form.outcome.data == "upheld", reason=form.reason.data,
                                   by=current_user)
        except WorkflowError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"The appeal is {form.outcome.data}", "success")
            return redirect(url_for(".show", application_id=application.id))
    return render_template("accreditation/resolve.html", application=application, form=form)
