"""The measures of DESIGN.md §8 for the caller's scope, as the dashboard pages show them."""
from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from flask_login import current_user

from accredit.api.access import require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.errors import ApiError
from accredit.assessments.services import today_in_london
from accredit.dashboards import filters, measures, services
from accredit.org.models import TeamType
from accredit.schemes.services import current_scheme
from workflows.ratings import Domain

blp = ApiBlueprint("api_coverage", __name__, tag="coverage",
                   description="Coverage measures (DESIGN.md §8) for the teams the caller watches")

_id = {"validate": ma.validate.Range(min=1, max=MAX_ID)}


class CoverageArgsSchema(ma.Schema):
    division = ma.fields.Integer(**_id, metadata={"description": "Only teams in this division (id)"})
    service = ma.fields.Integer(**_id, metadata={"description": "Only teams in this service (id)"})
    team_type = ma.fields.Enum(TeamType, by_value=True)
    as_of = ma.fields.Date(metadata={"description": "The figures as they stood on this day (default: today)"})


class FigureSchema(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "e.g. `qrv.covered`; the page /dashboard/teams?"
                                                    "figure=<key> lists the same teams"})
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)
    denominator = ma.fields.Integer(required=True, allow_none=True,
                                    metadata={"description": "Active teams, for a share; null otherwise"})
    percent = ma.fields.Float(required=True, allow_none=True)
    team_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={"description": "The teams behind it"})


class MeasureSchema(ma.Schema):
    key = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    definition = ma.fields.String(required=True)
    available = ma.fields.Boolean(required=True)
    note = ma.fields.String(required=True)
    figures = ma.fields.List(ma.fields.Nested(FigureSchema), required=True)


class TargetSchema(ma.Schema):
    summary = ma.fields.String(required=True)
    award_kind = ma.fields.String(required=True, attribute="kind")
    percentage = ma.fields.Integer(required=True)
    target_on = ma.fields.Date(required=True)
    current = ma.fields.Float(required=True, allow_none=True)
    projected = ma.fields.Float(required=True, allow_none=True)
    monthly_change = ma.fields.Float(required=True, allow_none=True)
    meets = ma.fields.Boolean(required=True, allow_none=True)
    explanation = ma.fields.String(required=True)


class CalibrationSchema(ma.Schema):
    domain = ma.fields.String(required=True)
    mean_gap = ma.fields.Float(required=True, allow_none=True)
    teams_compared = ma.fields.Integer(required=True)


class HeatmapRowSchema(ma.Schema):
    team_id = ma.fields.Integer(required=True)
    self_assessed = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True), required=True)
    qrv = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True), required=True)
    panel = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True), required=True)


class CoverageSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    period = ma.fields.String(required=True, metadata={"description": "The self-assessment period compliance is on"})
    active_teams = ma.fields.Integer(required=True)
    measures = ma.fields.List(ma.fields.Nested(MeasureSchema), required=True)
    heatmap = ma.fields.List(ma.fields.Nested(HeatmapRowSchema), required=True)
    calibration = ma.fields.List(ma.fields.Nested(CalibrationSchema), required=True)
    target = ma.fields.Nested(TargetSchema, required=True, allow_none=True)


@blp.route("/coverage")
@blp.arguments(CoverageArgsSchema, location="query")
@blp.response(200, CoverageSchema)
@blp.errors(403, 404)
def coverage(args: dict[str, Any]) -> Response:
    """Every measure of the coverage dashboard, with the teams behind each figure. Quality leads and administrators
    only; a division or service outside the caller's scope answers 404."""
    require("dashboards.view")
    as_of: date = args.get("as_of") or today_in_london()
    if as_of > today_in_london():
        raise ApiError(400, "The query parameters are not valid: see details",
                       details={"as_of": ["Must be today or in the past."]})
    try:
        chosen = filters.resolve(current_user, as_of=as_of, division_id=args.get("division"),
                                 service_id=args.get("service"), team_type=args.get("team_type"))
    except filters.OutOfScope as missing:
        raise ApiError(404, f"There is no {missing} with that id that you can see") from None
    board = measures.build_dashboard(chosen.scope(current_user), as_of, current_scheme(),
                                     target=services.current_target(), with_trends=False)
    # Written here rather than dumped by CoverageSchema, which still documents it: for a trust, marshmallow's
    # field-by-field dump of 10,000 heatmap rows and every figure's team ids took longer than the measures.
    # tests/dashboards/test_api.py holds this body to exactly what CoverageSchema().dump gives.
    return jsonify(coverage_body(board))


def coverage_body(board: measures.Dashboard) -> dict[str, Any]:
    """The response body for `board`, in JSON types, as CoverageSchema dumps it."""
    return {
        "as_of": board.as_of.isoformat(), "period": board.period.label, "active_teams": len(board.active),
        "measures": [{"key": m.key, "title": m.title, "definition": m.definition, "available": m.available,
                      "note": m.note, "figures": [_figure(f) for f in m.figures]} for m in board.measures.values()],
        "heatmap": _heatmap(board.heatmap),
        "calibration": [{"domain": d.value, "mean_gap": _float(gap), "teams_compared": n}
                        for d, (gap, n) in board.calibration.items()],
        "target": _target(board.target),
    }


def _figure(figure: measures.Figure) -> dict[str, Any]:
    return {"key": figure.key, "label": figure.label, "count": figure.count, "denominator": figure.denominator,
            "percent": _float(figure.percent), "team_ids": list(figure.team_ids)}


def _heatmap(rows: list[measures.HeatRow]) -> list[dict[str, Any]]:
    # Teams with the same ratings share one dict (facts.py): each is written once, by identity.
    written: dict[int, dict[str, str | None]] = {}

    def ratings(by_domain: dict) -> dict[str, str | None]:
        found = written.get(id(by_domain))
        if found is None:
            found = written[id(by_domain)] = {
                d.value: (r.value if (r := by_domain.get(d)) is not None else None) for d in Domain}
        return found

    return [{"team_id": row.team.id, "self_assessed": ratings(row.self_assessed), "qrv": ratings(row.qrv),
             "panel": ratings(row.panel)} for row in rows]


def _target(target: measures.TargetProgress | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"summary": target.summary, "award_kind": target.kind, "percentage": target.percentage,
            "target_on": target.target_on.isoformat(), "current": _float(target.current),
            "projected": _float(target.projected), "monthly_change": _float(target.monthly_change),
            "meets": target.meets, "explanation": target.explanation}


def _float(value: float | None) -> float | None:
    return float(value) if value is not None else None
