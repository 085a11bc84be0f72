"""Dashboard pages: coverage, heatmap and calibration, trends, the teams behind a figure, exports, the board
report, the trust's target. Every page reads one Dashboard built by measures.build_dashboard."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.assessments.services import today_in_london
from accredit.dashboards import exports, filters, measures, services
from accredit.dashboards.board_report import board_report
from accredit.dashboards.charts import line_chart
from accredit.extensions import db
from accredit.org.models import TeamType
from accredit.permissions import require
from accredit.schemes.services import current_scheme
from forms.dashboards import FilterForm, TargetForm
from workflows.ratings import Domain

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def _id(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        abort(404)
    return int(value)


def _filters() -> tuple[FilterForm, filters.Filters]:
    """The filter form read from the query string, and the filters it gives (404 outside the caller's scope)."""
    form = FilterForm(request.args)
    services_ = filters.services_in_scope(current_user)
    form.fill_choices(filters.divisions_in_scope(services_), services_)
    as_of = form.as_of.data if form.validate() and form.as_of.data else today_in_london()
    team_type = request.args.get("team_type") or None
    if team_type is not None and team_type not in {t.value for t in TeamType}:
        abort(404)
    try:
        chosen = filters.resolve(current_user, as_of=as_of, division_id=_id(request.args.get("division")),
                                 service_id=_id(request.args.get("service")),
                                 team_type=TeamType(team_type) if team_type else None)
    except filters.OutOfScope:
        abort(404)
    return form, chosen


def _dashboard(chosen: filters.Filters, *, with_trends: bool) -> measures.Dashboard:
    return measures.build_dashboard(chosen.scope(current_user), chosen.as_of, current_scheme(),
                                    target=services.current_target(), with_trends=with_trends)


def _page(template: str, *, with_trends: bool = False, **extra: Any) -> str:
    form, chosen = _filters()
    board = _dashboard(chosen, with_trends=with_trends)
    return render_template(f"dashboards/{template}", form=form, chosen=chosen, board=board, args=chosen.as_args(),
                           **extra)


@bp.route("")
@login_required
@require("dashboards.view")
def index():
    return _page("index.html")


@bp.route("/heatmap")
@login_required
@require("dashboards.view")
def heatmap():
    return _page("heatmap.html", domains=list(Domain))


@bp.route("/trends")
@login_required
@require("dashboards.view")
def trends():
    return _page("trends.html", with_trends=True, line_chart=line_chart)


@bp.route("/teams")
@login_required
@require("dashboards.view")
def teams():
    if not request.args.get("figure"):
        return redirect(url_for(".index", **request.args))  # nothing to drill into: the figures to choose from
    form, chosen = _filters()
    board = _dashboard(chosen, with_trends=False)
    figure = board.figure(request.args.get("figure", ""))
    if figure is None:
        abort(404)
    return render_template("dashboards/teams.html", form=form, chosen=chosen, board=board, figure=figure,
                           args=chosen.as_args())


@bp.route("/export/<any(summary, heatmap, calibration, trends, teams):view>.<any(csv, xlsx):fmt>")
@login_required
@require("dashboards.view")
def export(view: str, fmt: str):
    _, chosen = _filters()
    board = _dashboard(chosen, with_trends=view == "trends")
    figure = None
    if view == "teams":
        figure = board.figure(request.args.get("figure", ""))
        if figure is None:
            abort(404)
    table = exports.table_for(view, board, figure)
    name = f"accredit-{view}-{chosen.as_of.isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(table), "text/csv"  # Flask adds "; charset=utf-8"
    else:
        body = exports.to_xlsx(table, chosen.label)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return current_app.response_class(body, mimetype=mimetype,
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/board-report.pdf")
@login_required
@require("dashboards.view")
def report():
    _, chosen = _filters()
    board = _dashboard(chosen, with_trends=True)
    title = f"Accreditation board report, {chosen.as_of:%B %Y}"
    body = board_report(board, title=title, scope_label=f"{current_app.config['TRUST_NAME']}: {chosen.label}")
    name = f"accredit-board-report-{chosen.as_of.isoformat()}.pdf"
    return current_app.response_class(body, mimetype="application/pdf",
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/target", methods=["GET", "POST"])
@login_required
@require("dashboards.set_target")
def target():
    current = services.current_target()
    form = TargetForm(obj=current) if request.method == "GET" and current else TargetForm()
    if form.validate_on_submit():
        services.set_target(percentage=form.percentage.data, award_kind=form.award_kind.data,
                            target_on=form.target_on.data, by=current_user)
        db.session.commit()
        flash("The accreditation target is set", "success")
        return redirect(url_for(".index"))
    return render_template("dashboards/target.html", form=form, current=current)
