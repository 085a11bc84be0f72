"""Application pages, the team's side: the overview with its checklist, triggers, the portfolio editor per
standard, withdrawing and appealing. Panel pages are in panel_views.py, on the same blueprint."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from accredit.accreditation import appeals, portfolio, prepanel
from accredit.accreditation.common import ApplicationError
from accredit.accreditation.models import Application, PanelStage
from accredit.accreditation.permissions import blocked_triggers, triggers_for
from accredit.assessments.services import today_in_london
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise
from forms.accreditation import AppealForm, EntryForm, ReasonForm
from forms.assessments import ConfirmForm
from forms.errors import field_error
from workflows.accreditation import APPLICATION_WORKFLOW
from workflows.base import WorkflowError

bp = Blueprint("accreditation", __name__)


def load(application_id: int, action: str = "application.view") -> Application:
    """The application, or 404 outside the user's scope, 403 if the user may see it but not do `action`."""
    application = db.session.get(Application, application_id)
    authorise(action, application, view_action="application.view")
    return application


@bp.route("/teams/<int:team_id>/applications")
@login_required
def team_applications(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("team.view", team, view_action="team.view")
    rows = db.session.scalars(sa.select(Application).where(Application.team_id == team.id)
                              .options(selectinload(Application.decisions))  # each row shows its decision
                              .order_by(Application.invited_at.desc(), Application.id.desc())).all()
    return render_template("accreditation/team.html", team=team, applications=rows)


@bp.route("/applications/<int:application_id>")
@login_required
def show(application_id: int):
    application = load(application_id)
    today = today_in_london()
    return render_template(
        "accreditation/show.html", application=application, confirm=ConfirmForm(), today=today,
        triggers=triggers_for(current_user, application, today),
        blocked=blocked_triggers(current_user, application, today),
        diagram=render_diagram(APPLICATION_WORKFLOW, application.status), PanelStage=PanelStage,
        award=_award(application))


def _award(application: Application) -> Any:
    """The award this application's latest decision granted, if any."""
    from accredit.awards.models import Award

    if application.decision is None or application.decision.outcome is None:
        return None
    return db.session.scalar(sa.select(Award).where(Award.application_id == application.id)
                             .order_by(Award.id.desc()).limit(1))


#: Triggers fired by a plain button on the overview (the others ask for a reason on a page of their own).
BUTTONS = {
    "start": (portfolio.start_application, "The application has started: assemble the portfolio"),
    "decline": (portfolio.decline_invitation, "The invitation is declined"),
    "submit": (portfolio.submit_application, "The portfolio has gone to pre-panel"),
    "assure": (prepanel.assure_application, "The application is assured: it goes to the panel"),
}


@bp.route("/applications/<int:application_id>/<any(start, decline, submit, assure):trigger>", methods=["POST"])
@login_required
def fire(application_id: int, trigger: str):
    application = load(application_id, f"application.{trigger}")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service, message = BUTTONS[trigger]
    try:
        service(application, by=current_user)
    except WorkflowError as refused:
        db.session.rollback()
        flash(f"That could not be done: {refused.reason}")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".show", application_id=application.id))


REASON_PAGES = {
    "withdraw": ("Withdraw the application", "Why is the team withdrawing?", portfolio.withdraw_application,
                 "The application is withdrawn"),
    "return_to_team": ("Return the application to the team", "What must the team strengthen overall?",
                       prepanel.return_application, "The application is returned to the team"),
}


@bp.route("/applications/<int:application_id>/<any(withdraw, return_to_team):trigger>", methods=["GET", "POST"])
@login_required
def with_reason(application_id: int, trigger: str):
    application = load(application_id, f"application.{trigger}")
    title, label, service, message = REASON_PAGES[trigger]
    form = ReasonForm()
    form.reason.label.text = label
    if form.validate_on_submit():
        try:
            service(application, by=current_user, reason=form.reason.data)
        except WorkflowError as refused:
            db.session.rollback()
            form.reason.errors.append(refused.reason)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".show", application_id=application.id))
    return render_template("accreditation/reason.html", application=application, form=form, title=title,
                           button=title)


def _standard_or_404(application: Application, code: str) -> Any:
    standard = next((s for s in application.standards if s.code == code), None)
    if standard is None:
        abort(404)
    return standard


@bp.route("/applications/<int:application_id>/standards/<code>", methods=["GET", "POST"])
@login_required
def entry(application_id: int, code: str):
    application = load(application_id, "application.edit_portfolio")
    standard = _standard_or_404(application, code)
    current = application.entry_for(standard)
    form = EntryForm(data={"statement": current.statement if current else "",
                           "evidence": [e.id for e in current.evidence] if current else []})
    from accredit.evidence.queries import library_choices

    form.evidence.choices = library_choices(application.team_id)
    if form.validate_on_submit():
        try:
            portfolio.save_entry(application, standard.code, statement=form.statement.data,
                                 evidence_ids=form.evidence.data or [], by=current_user)
        except ApplicationError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"{standard.code} {standard.title} is saved", "success")
            return redirect(url_for(".show", application_id=application.id, _anchor="portfolio"))
    return render_template("accreditation/entry.html", application=application, standard=standard, form=form,
                           review=application.review_for(standard))


@bp.route("/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(application_id: int):
    application = load(application_id, "application.appeal")
    form = AppealForm()
    if form.validate_on_submit():
        try:
            appeals.lodge_appeal(application, statement=form.statement.data, by=current_user,
                                 today=today_in_london())
        except WorkflowError as refused:
            db.session.rollback()
            form.statement.errors.append(refused.reason)
        else:
            db.session.commit()
            flash("Your appeal is lodged", "success")
            return redirect(url_for(".show", application_id=application.id))
    return render_template("accreditation/appeal.html", application=application, form=form)

