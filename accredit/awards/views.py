"""Award pages: the award with its status and history, the certificate PDF, reinstating, and the public list."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from accredit.assessments.services import today_in_london
from accredit.awards import queries, services
from accredit.awards.certificate import certificate_filename, certificate_pdf
from accredit.core.views import render_diagram
from accredit.extensions import db
from accredit.permissions import authorise
from forms.awards import ReinstateAwardForm
from workflows.accreditation import AWARD_WORKFLOW
from workflows.base import WorkflowError

bp = Blueprint("awards", __name__)


@bp.app_template_global("team_award")
def team_award(team_id: int):
    """The team's current (active or suspended) award, for the team page."""
    return queries.current_award(team_id)


def _load(award_id: int, action: str = "award.view"):
    """The award, or 404 outside the user's scope, 403 if the user may see it but not do `action`."""
    award = queries.load_award(award_id)
    authorise(action, award, view_action="award.view")
    return award


@bp.route("/awards/<int:award_id>")
@login_required
def show(award_id: int):
    award = _load(award_id)
    return render_template("awards/show.html", award=award, history=queries.award_history(award.id),
                           diagram=render_diagram(AWARD_WORKFLOW, award.status), today=today_in_london())


@bp.route("/awards/<int:award_id>/certificate.pdf")
@login_required
def certificate(award_id: int):
    award = _load(award_id)
    return Response(certificate_pdf(award), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{certificate_filename(award)}"',
        "Cache-Control": "private, no-store"})


@bp.route("/awards/<int:award_id>/reinstate", methods=["GET", "POST"])
@login_required
def reinstate(award_id: int):
    award = _load(award_id, "award.reinstate")
    if award.status.value != "suspended":
        abort(404)
    form = ReinstateAwardForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            services.reinstate_award(award, reason=form.reason.data, by=current_user, today=today_in_london(),
                                     version=version)
        except WorkflowError as refused:
            db.session.rollback()
            form.reason.errors.append(refused.reason)
        else:
            db.session.commit()
            flash(f"The {award.kind.label} award of {award.team.name} is reinstated", "success")
            return redirect(url_for(".show", award_id=award.id))
    form.version.data = award.version
    return render_template("awards/reinstate.html", award=award, form=form)


@bp.route("/accredited-teams")
def public_list():
    """The trust's public list of accredited teams: no sign-in, no personal data."""
    return render_template("awards/public.html", awards=queries.public_list(), today=today_in_london())
