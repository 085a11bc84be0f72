"""GET /api/v1/coverage writes its body itself rather than through marshmallow: it must be, byte for byte, what
CoverageSchema (which the OpenAPI document describes) dumps from the same board."""
from __future__ import annotations

from datetime import date

import pytest
from flask import current_app

from accredit.api.coverage import CoverageSchema
from accredit.dashboards.facts import TeamScope
from accredit.dashboards.measures import Dashboard, build_dashboard
from accredit.dashboards.services import current_target, set_target
from accredit.extensions import db
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from tests.api.conftest import ApiClient
from tests.dashboards.conftest import AS_OF
from tests.factories import PASSWORD
from workflows.ratings import Domain
from workflows.scheme import Scheme


@pytest.fixture
def password() -> str:
    return PASSWORD


def schema_dump(board: Dashboard) -> dict:
    """The body as CoverageSchema dumps it from the board, field by field."""
    def ratings(by_domain: dict) -> dict:
        return {d.value: (r.value if (r := by_domain.get(d)) is not None else None) for d in Domain}

    return CoverageSchema().dump({
        "as_of": board.as_of, "period": board.period.label, "active_teams": len(board.active),
        "measures": [{"key": m.key, "title": m.title, "definition": m.definition, "available": m.available,
                      "note": m.note, "figures": [
                          {"key": f.key, "label": f.label, "count": f.count, "denominator": f.denominator,
                           "percent": f.percent, "team_ids": list(f.team_ids)} for f in m.figures]}
                     for m in board.measures.values()],
        "heatmap": [{"team_id": row.team.id, "self_assessed": ratings(row.self_assessed), "qrv": ratings(row.qrv),
                     "panel": ratings(row.panel)} for row in board.heatmap],
        "calibration": [{"domain": d.value, "mean_gap": gap, "teams_compared": n}
                        for d, (gap, n) in board.calibration.items()],
        "target": board.target,
    })


@pytest.mark.parametrize("target", [None, "outstanding_team"])
@pytest.mark.parametrize(("as_of", "in_medicine"), [(AS_OF, False), (AS_OF, True), (date(2026, 5, 15), False)])
def test_coverage_body_is_what_coverage_schema_dumps(client, history, target, as_of, in_medicine):
    h = history
    if target:
        set_target(percentage=60, award_kind=target, target_on=date(2027, 10, 31), by=h.quality_lead)
        db.session.commit()
    api = ApiClient(client)
    api.sign_in(h.quality_lead)
    division = h.medicine.id if in_medicine else None
    response = api.get(f"/api/v1/coverage?as_of={as_of.isoformat()}" + (f"&division={division}" if division else ""))
    assert response.status_code == 200
    scope = TeamScope(teams_in_scope_clause(h.quality_lead, Role.QUALITY_LEAD, Role.ADMIN), division_id=division)
    board = build_dashboard(scope, as_of, Scheme(), target=current_target(), with_trends=False)
    expected = current_app.json.response(schema_dump(board)).get_data(as_text=True)
    assert response.get_data(as_text=True) == expected
    body = response.get_json()
    assert ((body["target"] is None), body["active_teams"]) == (target is None, 4 if in_medicine else len(board.active))
    assert [row["team_id"] for row in body["heatmap"]] == list(board.active)
