"""A team's deadline pauses: the quality lead's page to add one and to end one early."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from accredit.assessments.services import today_in_london
from accredit.deadlines import queries, services
from accredit.deadlines.models import DeadlinePause
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise
from forms.deadlines import PauseForm
from forms.notifications import ActionForm

bp = Blueprint("deadlines", __name__)


def _team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    authorise("deadlines.pause", team, view_action="team.view")
    return team


@bp.route("/teams/<int:team_id>/deadlines", methods=["GET", "POST"])
@login_required
def index(team_id: int):
    team = _team(team_id)
    today = today_in_london()
    form = PauseForm(data={"starts_on": today})
    if form.validate_on_submit():
        try:
            pause = services.pause_deadlines(team, reason=form.reason.data, starts_on=form.starts_on.data,
                                             until=form.until.data, by=current_user)
        except services.PauseError as refused:
            db.session.rollback()
            getattr(form, refused.field or "reason").errors.append(refused.reason)
        else:
            db.session.commit()
            flash(f"{team.name}'s deadlines are paused until {pause.ends_on.strftime('%-d %B %Y')}", "success")
            return redirect(url_for("deadlines.index", team_id=team.id))
    return render_template("deadlines/index.html", team=team, form=form, action=ActionForm(), today=today,
                           pauses=queries.team_pauses(team.id))


@bp.route("/teams/<int:team_id>/deadlines/<int:pause_id>/end", methods=["POST"])
@login_required
def end(team_id: int, pause_id: int):
    team = _team(team_id)
    pause = db.session.get(DeadlinePause, pause_id)
    if pause is None or pause.team_id != team.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end_pause(pause, by=current_user, today=today_in_london())
    except services.PauseError as refused:
        db.session.rollback()
        flash(refused.reason)
    else:
        db.session.commit()
        flash(f"The pause has ended: {team.name}'s deadlines run again from today", "success")
    return redirect(url_for("deadlines.index", team_id=team.id))
