"""Improvement plan pages: a team's plan by state, raise and edit an action, start, complete, verify and reopen it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from accredit.actions import queries, services
from accredit.actions.permissions import triggers_for
from accredit.assessments.services import today_in_london
from accredit.auth.models import User
from accredit.core.views import render_diagram
from accredit.evidence.queries import library_choices
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise, can
from forms.actions import (
    CompleteActionForm, ConfirmForm, EditActionForm, PlanFilterForm, RaiseActionForm, ReopenActionForm, parse_focus,
)
from forms.errors import field_error
from workflows.action import ACTION_WORKFLOW, ActionStatus
from workflows.base import WorkflowError

bp = Blueprint("actions", __name__)

#: A service's field name -> the form field showing its refusal.
#: the services' names for fields the form calls otherwise (None: not a field, shown above the form)
FORM_FIELDS = {"domain": "focus", "standard_code": "focus", "version": None}
CHANGED = "Someone changed this action at the same moment. Check it and try again."


def _team(team_id: int, action: str = "team.view") -> Team:
    team = db.session.get(Team, team_id)
    authorise(action, team, view_action="team.view")
    return team


def _load(action_id: int, action: str = "action.view"):
    found = queries.load_action(action_id)
    authorise(action, found, view_action="action.view")
    return found


def _standard_titles(team: Team) -> dict[str, str]:
    return {s.code: s.title for s in queries.standards_for(team)}


@bp.route("/teams/<int:team_id>/actions")
@login_required
def plan(team_id: int):
    team = _team(team_id)
    form = PlanFilterForm(request.args)
    form.set_owners(queries.owners_in_plan(team.id))
    state, owner = (form.chosen_state, form.owner.data) if form.validate() else (None, None)
    grouped = queries.plan(team.id, states=[state] if state else (), owner_id=owner)
    return render_template("actions/plan.html", team=team, form=form, grouped=grouped, today=today_in_london(),
                           filtered=bool(state or owner), standards=_standard_titles(team))


@bp.route("/teams/<int:team_id>/actions/new", methods=["GET", "POST"])
@login_required
def new(team_id: int):
    team = _team(team_id, "action.raise")
    form = RaiseActionForm()
    form.set_choices(queries.staff(team), queries.standards_for(team))
    if form.validate_on_submit():
        domain, code = parse_focus(form.focus.data)
        try:
            action = services.raise_action(
                team, title=form.title.data, owner=db.session.get(User, form.owner.data), due_on=form.due_on.data,
                by=current_user, description=form.description.data, finding=form.finding.data, domain=domain,
                standard_code=code)
        except services.ActionError as refused:
            db.session.rollback()
            field_error(form, refused, FORM_FIELDS)
        else:
            db.session.commit()
            flash(f"Action raised for {action.owner.name}: {action.title}", "success")
            return redirect(url_for(".show", action_id=action.id))
    return render_template("actions/new.html", team=team, form=form)


@bp.route("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    action = _load(action_id)
    return render_template(
        "actions/show.html", action=action, triggers=triggers_for(current_user, action), confirm=ConfirmForm(),
        history=queries.history(action), diagram=render_diagram(ACTION_WORKFLOW, action.status),
        today=today_in_london(), standards=_standard_titles(action.team),
        may_edit=action.status is not ActionStatus.CLOSED and can(current_user, "action.edit", action),
    )


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit(action_id: int):
    action = _load(action_id, "action.edit")
    if action.status is ActionStatus.CLOSED:
        flash("This action is closed and can no longer be changed")
        return redirect(url_for(".show", action_id=action.id))
    form = EditActionForm(data={"title": action.title, "description": action.description, "owner": action.owner_id,
                                "due_on": action.due_on, "version": str(action.version)})
    owners = queries.staff(action.team)
    form.set_choices(owners if action.owner in owners else [action.owner, *owners])
    if form.validate_on_submit():
        try:
            _save_edit(action, form)
        except services.ActionError as refused:
            db.session.rollback()
            field_error(form, refused, FORM_FIELDS)
            if isinstance(refused, services.StaleAction):
                form.version.data = str(refused.current_version)  # saving again keeps what was typed
        else:
            return redirect(url_for(".show", action_id=action.id))
    return render_template("actions/edit.html", action=action, form=form)


def _save_edit(action, form) -> None:
    """Save the edit and commit; a change committed meanwhile by someone else raises StaleAction."""
    try:
        changed = services.update_action(
            action, by=current_user, version=int(form.version.data), title=form.title.data,
            description=form.description.data, owner=db.session.get(User, form.owner.data), due_on=form.due_on.data)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise services.StaleAction(db.session.get(type(action), action.id)) from None
    flash("Action updated" if changed else "Nothing was changed", "success")


@bp.route("/actions/<int:action_id>/<any(start, verify):trigger>", methods=["POST"])
@login_required
def fire(action_id: int, trigger: str):
    action = _load(action_id, f"action.{trigger}")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service, message = BUTTONS[trigger]
    return _apply(action, lambda: service(action, by=current_user), message)


BUTTONS: dict[str, tuple[Callable[..., None], str]] = {
    "start": (services.start_action, "Action started"),
    "verify": (services.verify_action, "Action verified and closed"),
}


@bp.route("/actions/<int:action_id>/complete", methods=["GET", "POST"])
@login_required
def complete(action_id: int):
    action = _load(action_id, "action.complete")
    if "complete" not in ACTION_WORKFLOW.triggers_from(action.status):
        return _not_now(action)
    form = CompleteActionForm(data={"evidence": [e.id for e in action.evidence]})
    form.evidence.choices = library_choices(action.team_id)
    if form.validate_on_submit():
        done = _apply(action, lambda: services.complete_action(
            action, by=current_user, note=form.note.data, evidence_ids=form.evidence.data or []),
            "Action completed: it now waits for verification", form)
        if done is not None:
            return done
    return render_template("actions/complete.html", action=action, form=form)


@bp.route("/actions/<int:action_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(action_id: int):
    action = _load(action_id, "action.reopen")
    if "reopen" not in ACTION_WORKFLOW.triggers_from(action.status):
        return _not_now(action)
    form = ReopenActionForm()
    if form.validate_on_submit():
        done = _apply(action, lambda: services.reopen_action(action, by=current_user, reason=form.reason.data),
                      "Action reopened: it is back in progress", form)
        if done is not None:
            return done
    return render_template("actions/reopen.html", action=action, form=form)


def _not_now(action):
    flash(f"That cannot be done now: the action is {action.status.label.lower()}")
    return redirect(url_for(".show", action_id=action.id))


def _apply(action, change: Callable[[], None], message: str, form: Any = None):
    """Run `change` and commit, then redirect to the action with `message`; a refusal is flashed instead.

    A refusal about one of `form`'s fields goes next to it and None is returned: the caller shows the form again.
    """
    try:
        change()
        db.session.commit()
    except services.ActionError as refused:
        db.session.rollback()
        if form is not None and refused.field and refused.field in form:
            field_error(form, refused, FORM_FIELDS)
            return None
        flash(f"That could not be done: {refused.reason}")
    except WorkflowError as refused:
        db.session.rollback()
        flash(f"That could not be done: {refused.reason}")
    except StaleDataError:
        db.session.rollback()
        flash(f"That could not be done: {CHANGED}")
    else:
        flash(message, "success")
    return redirect(url_for(".show", action_id=action.id))
