"""Home, health check, accessibility statement and the audit trail browser."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from accredit.audit import AuditEvent
from accredit.core.tasks import tasks_for
from accredit.extensions import db
from accredit.org.queries import teams_for
from accredit.permissions import require
from accredit.security import allow_inline_styles
from forms.core import AuditFilterForm

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def home():
    teams = teams_for(current_user, limit=50)
    return render_template("core/home.html", teams=teams, tasks=tasks_for(current_user))


@bp.route("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")


@bp.route("/audit")
@login_required
@require("audit.view")
def audit():
    form = AuditFilterForm(request.args, meta={"csrf": False})
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.validate():
        query = form.apply(query)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("core/audit.html", form=form, page=page)


def render_diagram(workflow, current) -> str:
    """The mermaid source for a workflow with `current` highlighted; relaxes inline styles for the SVG."""
    allow_inline_styles()
    return workflow.mermaid(current)
