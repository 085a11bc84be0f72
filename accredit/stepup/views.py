"""Step-up pages: the quality lead's board, a team's Step-up page, recording a signal, deciding a proposal."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from accredit.assessments.services import today_in_london
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise, can, require
from accredit.schemes.services import current_scheme
from accredit.stepup import queries, services
from accredit.stepup.models import LevelProposal
from forms.stepup import DecisionForm, SignalForm
from forms.errors import field_error
from workflows.base import GuardRefused, WorkflowError
from workflows.stepup import STEPUP_WORKFLOW, DEFAULT_LEVEL, Severity, SignalKind

bp = Blueprint("stepup", __name__)


@bp.app_template_global()
def stepup_summary(team: Team) -> dict[str, Any]:
    """What the team page shows of Step-up: the level and since when (no row yet: standard since opening)."""
    regulation = queries.regulation_for(team.id)
    return {"level": regulation.level if regulation else DEFAULT_LEVEL,
            "since": regulation.since if regulation else team.opened_on,
            "pending": regulation.pending_proposal if regulation else None}


@bp.route("/stepup")
@login_required
@require("stepup.board")
def board():
    return render_template("stepup/board.html", board=queries.board(current_user),
                           pending=queries.pending_proposals(current_user))


@bp.route("/teams/<int:team_id>/stepup")
@login_required
def team(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("stepup.view", team, view_action="stepup.view")
    today, scheme = today_in_london(), current_scheme()
    found = queries.position(team, today, scheme)
    risk_visible = can(current_user, "stepup.view_risk", team)
    return render_template(
        "stepup/team.html", team=team, found=found, scheme=scheme, risk_visible=risk_visible,
        signals=queries.signals_for(team.id) if risk_visible else [], changes=queries.level_changes(team.id),
        diagram=render_diagram(STEPUP_WORKFLOW, found.level),
    )


@bp.route("/teams/<int:team_id>/stepup/signals/new", methods=["GET", "POST"])
@login_required
def record_signal(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("stepup.record_signal", team, view_action="stepup.view")
    form = SignalForm()
    if form.validate_on_submit():
        try:
            services.record_signal(team, kind=SignalKind(form.kind.data), severity=Severity(form.severity.data),
                                   occurred_on=form.occurred_on.data, description=form.description.data,
                                   by=current_user, today=today_in_london())
        except services.StepupError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            db.session.commit()
            flash(f"Signal recorded for {team.name}. The daily Step-up review takes it into account.", "success")
            return redirect(url_for(".team", team_id=team.id))
    return render_template("stepup/signal.html", team=team, form=form)


@bp.route("/stepup/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def proposal(proposal_id: int):
    proposal = db.session.get(LevelProposal, proposal_id)
    authorise("stepup.view_risk", proposal, view_action="stepup.view")
    if request.method == "POST" and not can(current_user, "stepup.decide", proposal):
        abort(403)
    decidable = proposal.status.value == "pending" and can(current_user, "stepup.decide", proposal)
    form = DecisionForm()
    if decidable and form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            if approve:
                services.approve_proposal(proposal, by=current_user, note=form.note.data, today=today_in_london(),
                                          scheme=current_scheme())
            else:
                services.reject_proposal(proposal, by=current_user, note=form.note.data)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash("Someone else changed this team's level meanwhile: look again before deciding")
            return redirect(url_for(".proposal", proposal_id=proposal_id))
        except GuardRefused as refused:
            db.session.rollback()
            form.decision.errors.append(f"The change cannot be made now: {refused.reason}")
        except WorkflowError as refused:
            db.session.rollback()
            field_error(form, refused)
        else:
            team = proposal.team
            if approve:
                flash(f"Approved: {team.name} is now at {proposal.to_level.label}", "success")
            else:
                flash(f"Rejected: {team.name} stays at {proposal.from_level.label}", "success")
            return redirect(url_for(".board"))
    return render_template("stepup/proposal.html", proposal=proposal, form=form, decidable=decidable)
