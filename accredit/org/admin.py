"""Administering the organisation: divisions, services, teams, CSV import."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from accredit.permissions import require

bp = Blueprint("org_admin", __name__, url_prefix="/admin/organisation")


@bp.route("/")
@login_required
@require("org.manage")
def index():
    return render_template("org/admin/index.html")
