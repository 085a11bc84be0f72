"""Teams: the list in the user's scope and each team's page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from accredit.accreditation.queries import latest_application
from accredit.accreditation.services import current_eligibility
from accredit.audit import AuditEvent
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.org.models import Service, Team
from accredit.org.queries import teams_query
from accredit.permissions import authorise, require
from accredit.visits.queries import self_vs_visit
from workflows.team import TEAM_WORKFLOW

bp = Blueprint("org", __name__)


@bp.route("/teams")
@login_required
@require("teams.list")
def teams():
    include_closed = request.args.get("closed") == "1"
    page = db.paginate(teams_query(current_user, include_closed=include_closed), per_page=50, error_out=False)
    return render_template("org/teams.html", page=page, include_closed=include_closed)


@bp.route("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    # The page shows the service and division, and the scope check reads them: one query with the team.
    team = db.session.get(Team, team_id, options=[joinedload(Team.service).joinedload(Service.division)])
    authorise("team.view", team, view_action="team.view")
    history = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "teams", AuditEvent.subject_id == team.id)
        .order_by(AuditEvent.id.desc()).limit(20).options(selectinload(AuditEvent.actor))
    ).all()
    diagram = render_diagram(TEAM_WORKFLOW, team.status)
    return render_template("org/team.html", team=team, history=history, diagram=diagram,
                           eligibility=current_eligibility(team), application=latest_application(team.id),
                           comparison=self_vs_visit(team))
