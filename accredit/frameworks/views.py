"""Browsing frameworks: their versions, domains and standards."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import login_required

from accredit.extensions import db
from accredit.frameworks.models import Framework, FrameworkVersion
from accredit.permissions import require

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.route("/")
@login_required
@require("frameworks.view")
def index():
    frameworks = db.session.scalars(sa.select(Framework).order_by(Framework.kind.desc(), Framework.title)).all()
    return render_template("frameworks/index.html", frameworks=frameworks)


@bp.route("/<key>/<version>")
@login_required
@require("frameworks.view")
def show(key: str, version: str):
    found = db.session.scalar(
        sa.select(FrameworkVersion).join(Framework).where(Framework.key == key, FrameworkVersion.version == version)
    )
    if found is None:
        abort(404)
    return render_template("frameworks/show.html", version=found, by_domain=found.standards_by_domain())
