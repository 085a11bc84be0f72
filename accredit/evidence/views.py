"""The evidence pages: a team's library with its upload form, an item's page, and the download."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.evidence import queries, retention, services
from accredit.evidence.download import download_response, local_today
from accredit.evidence.errors import EvidenceConflict, EvidenceError
from accredit.evidence.models import Evidence
from accredit.evidence.usage import usages_for
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import authorise
from forms.evidence import DeleteEvidenceForm, EditEvidenceForm, UploadEvidenceForm

bp = Blueprint("evidence", __name__)


@bp.route("/teams/<int:team_id>/evidence", methods=["GET", "POST"])
@login_required
def library(team_id: int):
    team = db.session.get(Team, team_id)
    authorise("team.view", team, view_action="team.view")
    form, status = UploadEvidenceForm(), 200
    if request.method == "POST":
        authorise("evidence.upload", team, view_action="team.view")
        if form.validate_on_submit():
            upload = form.file.data
            try:
                evidence = services.upload_evidence(team, upload.stream, filename=upload.filename, title=form.title.data,
                                                    review_by=form.review_by.data, by=current_user)
            except EvidenceError as refused:
                status = _show_error(form, refused)
            else:
                db.session.commit()
                flash(f"{evidence.title} has been added to the evidence library", "success")
                return redirect(url_for(".show", evidence_id=evidence.id))
    page = db.paginate(queries.library_query(team), per_page=50, error_out=False)
    usage = usages_for([item.id for item in page.items])
    return render_template("evidence/library.html", team=team, page=page, usage=usage, form=form,
                           today=local_today()), status


@bp.route("/evidence/<int:evidence_id>", methods=["GET", "POST"])
@login_required
def show(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    authorise("evidence.view", evidence, view_action="evidence.view")
    form, status = EditEvidenceForm(obj=evidence), 200
    if request.method == "POST":
        authorise("evidence.edit", evidence, view_action="evidence.view")
        if form.validate_on_submit():
            try:
                services.update_evidence(evidence, title=form.title.data, review_by=form.review_by.data,
                                         by=current_user, version=_as_int(form.version.data))
            except EvidenceError as refused:
                status = _show_error(form, refused)
                if isinstance(refused, EvidenceConflict):
                    form.version.data = str(evidence.version)
            else:
                db.session.commit()
                flash(f"{evidence.title} has been updated", "success")
                return redirect(url_for(".show", evidence_id=evidence.id))
    usage = usages_for([evidence.id])[evidence.id]
    return render_template("evidence/show.html", evidence=evidence, usage=usage, form=form,
                           today=local_today()), status


@bp.route("/evidence/<int:evidence_id>/delete", methods=["GET", "POST"])
@login_required
def delete(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    authorise("evidence.delete", evidence, view_action="evidence.view")
    form, status = DeleteEvidenceForm(version=str(evidence.version)), 200
    if form.validate_on_submit():
        try:
            retention.delete_evidence(evidence, reason=form.reason.data, by=current_user,
                                      version=_as_int(form.version.data))
        except EvidenceError as refused:
            status = _show_error(form, refused)
            form.version.data = str(evidence.version)
        else:
            db.session.commit()
            flash(f"{evidence.title} has been deleted", "success")
            return redirect(url_for(".library", team_id=evidence.team_id))
    elif form.errors:
        status = 400
    return render_template("evidence/delete.html", evidence=evidence, form=form,
                           retention_days=retention.retention_days()), status


@bp.route("/evidence/<int:evidence_id>/download")
@login_required
def download(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    authorise("evidence.view", evidence, view_action="evidence.view")
    return download_response(evidence)


def _show_error(form: Any, refused: EvidenceError) -> int:
    """Put a service's refusal next to its field (or above the form) and return the status to answer with."""
    if refused.field in form and refused.field != "version":
        form[refused.field].errors = [*form[refused.field].errors, refused.message]
    else:
        form.form_errors.append(refused.message)
    return refused.http_status


def _as_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1
