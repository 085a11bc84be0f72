"""Administering the organisation: divisions, services, teams, CSV import."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from accredit.extensions import db
from accredit.org import services as org
from accredit.org.imports import COLUMNS, ImportResult, OrgImportError, import_org_csv
from accredit.org.models import Division, Service, Team, TeamType
from accredit.permissions import require
from forms.org import (
    CloseTeamForm, DivisionForm, EditTeamForm, MergeTeamForm, OrgImportForm, ReopenTeamForm, ServiceForm, TeamForm,
)
from workflows.base import WorkflowError
from workflows.team import TEAM_WORKFLOW

bp = Blueprint("org_admin", __name__, url_prefix="/admin/organisation")

#: What each lifecycle trigger is called on buttons and which form it takes; *whether* it is offered
#: comes from TEAM_WORKFLOW.triggers_from(team.status), never from here.
TEAM_CHANGES = {
    "close": ("Close team", CloseTeamForm),
    "reopen": ("Reopen team", ReopenTeamForm),
    "merge": ("Merge into another team", MergeTeamForm),
}

#: The columns of the import file (the importer's COLUMNS, in order), what each holds, and an example value.
IMPORT_COLUMNS = {
    "division_code": ("The division's short code", "MED"),
    "division_name": ("The division's name", "Medicine"),
    "service_code": ("The service's short code, unique in the trust", "MED-ACUTE"),
    "service_name": ("The service's name", "Acute and emergency medicine"),
    "team_code": ("The team's short code, unique in the trust", "MED-ACUTE-01"),
    "team_name": ("The team's name", "Ward 7 Respiratory"),
    "team_type": ("One of: " + ", ".join(t.value for t in TeamType), "inpatient_ward"),
}
EXAMPLE_ROWS = [
    ["MED", "Medicine", "MED-ACUTE", "Acute and emergency medicine", "MED-ACUTE-01", "Ward 7 Respiratory", "inpatient_ward"],
    ["MED", "Medicine", "MED-ACUTE", "Acute and emergency medicine", "MED-ACUTE-02", "Acute Medical Unit", "inpatient_ward"],
    ["MH", "Mental health", "MH-ADULT", "Adult mental health", "MH-ADULT-01", "Crisis Resolution Team", "crisis_team"],
]


@bp.before_request
@login_required
@require("org.manage")
def _check_access() -> None:
    """Every page and form here is for trust administrators only."""


@bp.route("/")
def index():
    divisions = db.session.scalars(
        sa.select(Division).options(selectinload(Division.services)).order_by(Division.name)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for service_id, status, n in db.session.execute(
        sa.select(Team.service_id, Team.status, sa.func.count()).group_by(Team.service_id, Team.status)
    ):
        counts[service_id][status.value] = n
    return render_template("org/admin/index.html", divisions=divisions, counts=counts)


@bp.route("/divisions/new", methods=["GET", "POST"])
def new_division():
    form = DivisionForm()
    if form.validate_on_submit():
        try:
            division = org.create_division(form.code.data, form.name.data, by=current_user)
        except org.OrgError as refused:
            _show_error(form, refused)
        else:
            db.session.commit()
            flash(f"Division {division.name} has been added", "success")
            return redirect(url_for(".index"))
    return render_template("org/admin/new_division.html", form=form)


@bp.route("/services/new", methods=["GET", "POST"])
def new_service():
    form = ServiceForm(division_id=request.args.get("division", type=int))
    if form.validate_on_submit():
        division = db.get_or_404(Division, form.division_id.data)
        try:
            service = org.create_service(division, form.code.data, form.name.data, by=current_user)
        except org.OrgError as refused:
            _show_error(form, refused)
        else:
            db.session.commit()
            flash(f"Service {service.name} has been added to {division.name}", "success")
            return redirect(url_for(".service", service_id=service.id))
    return render_template("org/admin/new_service.html", form=form)


@bp.route("/services/<int:service_id>")
def service(service_id: int):
    service = db.get_or_404(Service, service_id)
    teams = db.session.scalars(
        sa.select(Team).where(Team.service_id == service.id).order_by(Team.status, Team.name)
    ).all()
    return render_template("org/admin/service.html", service=service, teams=teams)


@bp.route("/teams/new", methods=["GET", "POST"])
def new_team():
    form = TeamForm(service_id=request.args.get("service", type=int))
    if form.validate_on_submit():
        service = db.get_or_404(Service, form.service_id.data)
        try:
            team = org.create_team(service, form.code.data, form.name.data, form.team_type.data,
                                   framework_key=form.framework_key.data, by=current_user)
        except org.OrgError as refused:
            _show_error(form, refused)
        else:
            db.session.commit()
            flash(f"{team.name} has been added to {service.name}", "success")
            return redirect(url_for(".team", team_id=team.id))
    return render_template("org/admin/new_team.html", form=form)


@bp.route("/teams/<int:team_id>")
def team(team_id: int):
    team = db.get_or_404(Team, team_id)
    changes = [(trigger, TEAM_CHANGES[trigger][0]) for trigger in TEAM_WORKFLOW.triggers_from(team.status)]
    return render_template("org/admin/team.html", team=team, changes=changes)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
def edit_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = EditTeamForm(obj=team)
    if form.validate_on_submit():
        if form.version.data != str(team.version):
            form.form_errors.append("Someone else changed this team while you were editing. "
                                    "Check the details below and save again.")
            form.version.data = str(team.version)
        else:
            service = db.get_or_404(Service, form.service_id.data)
            org.update_team(team, name=form.name.data, team_type=form.team_type.data, service=service,
                            by=current_user)
            db.session.commit()
            flash(f"{team.name} has been updated", "success")
            return redirect(url_for(".team", team_id=team.id))
    return render_template("org/admin/edit_team.html", form=form, team=team)


@bp.route("/teams/<int:team_id>/<any(close, reopen, merge):trigger>", methods=["GET", "POST"])
def change_team(team_id: int, trigger: str):
    """Close, reopen or merge a team; the workflow decides whether it may, and says why not."""
    team = db.get_or_404(Team, team_id)
    title, form_class = TEAM_CHANGES[trigger]
    if request.method == "GET" and trigger not in TEAM_WORKFLOW.triggers_from(team.status):
        flash(f"{team.name} is {team.status.value}: that change is not possible now", "info")
        return redirect(url_for(".team", team_id=team.id))
    form = form_class(team=team)
    if form.validate_on_submit():
        try:
            message = _apply_change(team, trigger, form)
        except WorkflowError as refused:
            form.show_refusal(refused)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".team", team_id=team.id))
    return render_template("org/admin/change_team.html", form=form, team=team, trigger=trigger, title=title)


def _apply_change(team: Team, trigger: str, form: Any) -> str:
    """Call the one service for `trigger`; returns the success message. Raises WorkflowError if refused."""
    if trigger == "close":
        org.close_team(team, by=current_user, reason=form.reason.data, on=form.on.data)
        return f"{team.name} has been closed. Its history is kept."
    if trigger == "reopen":
        org.reopen_team(team, by=current_user, reason=form.reason.data)
        return f"{team.name} has been reopened"
    into = db.session.get(Team, form.into.data)
    org.merge_team(team, into=into, by=current_user, reason=form.reason.data, on=form.on.data)
    return f"{team.name} has been merged into {into.name}. Its history is kept."


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    form = OrgImportForm()
    problems = None
    if form.validate_on_submit():
        try:
            result = import_org_csv(form.text, by=current_user)
        except OrgImportError as refused:
            db.session.rollback()  # all or nothing: rows flushed before the bad one go too
            problems = refused.problems
            form.form_errors.append(f"{form.file.data.filename} was not imported, and nothing was changed. "
                                    f"Correct the {_plural(len(problems), 'problem')} below and upload it again.")
        else:
            db.session.commit()
            flash(_import_summary(result), "success")
            return redirect(url_for(".index"))
    return render_template("org/admin/import.html", form=form, problems=problems, columns=IMPORT_COLUMNS,
                           max_mb=2)


@bp.route("/import/example.csv")
def import_example():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE_ROWS)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=organisation-example.csv"})


def _import_summary(result: ImportResult) -> str:
    added, updated = len(result.created), result.teams - len(result.created)
    return (f"Import complete: {_plural(result.divisions, 'division')}, {_plural(result.services, 'service')} "
            f"and {_plural(added, 'team')} added; {_plural(updated, 'team')} updated; "
            f"{_plural(result.unchanged, 'row')} unchanged")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _show_error(form: Any, refused: org.OrgError) -> None:
    """A refusal next to the field it names, or at the top of the form."""
    field = getattr(form, refused.field, None) if refused.field else None
    (field.errors if field is not None else form.form_errors).append(str(refused))
