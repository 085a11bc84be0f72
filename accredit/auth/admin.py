"""Administering users: create, deactivate, grant and revoke roles."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from accredit.permissions import require

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.route("/")
@login_required
@require("users.manage")
def index():
    return render_template("auth/users/index.html")
