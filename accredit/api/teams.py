"""Teams in the caller's scope: the list, and one team's current position."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from accredit.accreditation.services import current_eligibility
from accredit.api.access import get_or_404_in_scope, require
from accredit.api.blueprint import MAX_ID, ApiBlueprint
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.api.schemas import RefSchema, enum_field
from accredit.org.models import Service, Team, TeamType
from accredit.org.queries import teams_query
from workflows.team import TeamStatus

blp = ApiBlueprint("api_teams", __name__, tag="teams", description="Teams in the caller's scope")


class TeamSchema(ma.Schema):
    """A team as every list shows it."""

    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    team_type = enum_field(TeamType)
    status = enum_field(TeamStatus)
    service = ma.fields.Nested(RefSchema, required=True)
    division = ma.fields.Nested(RefSchema, required=True)
    opened_on = ma.fields.Date(required=True)
    closed_on = ma.fields.Date(required=True, allow_none=True)
    merged_into = ma.fields.Integer(required=True, allow_none=True, attribute="merged_into_id",
                                    metadata={"description": "Id of the team this one merged into"})
    version = ma.fields.Integer(required=True, metadata={"description": "Send it back with a write: stale -> 409"})


class EligibilitySchema(ma.Schema):
    eligible = ma.fields.Boolean(required=True, attribute="value")
    explanation = ma.fields.String(required=True, metadata={
        "description": "e.g. 'Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding'"})


class TeamDetailSchema(TeamSchema):
    """One team's current position. Each domain adds its part here as it arrives: latest ratings, award,
    eligibility with its explanation, Step-up level (API.md), as nested fields computed from the team."""

    eligibility = ma.fields.Function(lambda team: EligibilitySchema().dump(current_eligibility(team)), required=True,
                                     metadata={"type": "object", "description": "Accreditation eligibility, computed "
                                               "now from the team's published Quality Review Visits"})
    award = ma.fields.Function(lambda team: _award(team), required=True, allow_none=True, metadata={
        "type": "object", "description": "The award the team holds now (active or suspended), or null; "
                                         "GET /api/v1/awards/{id} has the rest"})
    stepup = ma.fields.Function(lambda team: _stepup(team), required=True, metadata={
        "type": "object", "description": "Step-up level and since when; GET /api/v1/teams/{id}/stepup has the rest"})


def _award(team: Team) -> dict | None:
    from accredit.awards.queries import current_award

    award = current_award(team.id)
    if award is None:
        return None
    return {"id": award.id, "kind": award.kind.value, "state": award.status.value,
            "granted_on": award.granted_on.isoformat(), "valid_until": award.valid_until.isoformat()}


def _stepup(team: Team) -> dict:
    from accredit.stepup.queries import regulation_for
    from workflows.stepup import DEFAULT_LEVEL

    regulation = regulation_for(team.id)
    level, since = (regulation.level, regulation.since) if regulation else (DEFAULT_LEVEL, team.opened_on)
    return {"level": level.value, "since": since.isoformat()}


_id = {"validate": ma.validate.Range(min=1, max=MAX_ID)}


class TeamFilterSchema(PageArgsSchema):
    division = ma.fields.Integer(**_id, metadata={"description": "Only teams in this division (id)"})
    service = ma.fields.Integer(**_id, metadata={"description": "Only teams in this service (id)"})
    team_type = ma.fields.Enum(TeamType, by_value=True)
    status = ma.fields.Enum(TeamStatus, by_value=True, metadata={"description": "Default: active teams only"})


@blp.route("/teams")
@blp.arguments(TeamFilterSchema, location="query")
@blp.response(200, page_schema(TeamSchema))
@blp.errors(403)
def list_teams(filters: dict[str, Any]) -> dict[str, Any]:
    """Teams the caller's roles cover, by division, service and name."""
    require("teams.list")
    query = teams_query(current_user, include_closed="status" in filters)
    if "status" in filters:
        query = query.where(Team.status == filters["status"])
    if "division" in filters:
        query = query.where(Service.division_id == filters["division"])
    if "service" in filters:
        query = query.where(Team.service_id == filters["service"])
    if "team_type" in filters:
        query = query.where(Team.team_type == filters["team_type"])
    return paginate(query, filters)


@blp.route("/teams/<id:team_id>")
@blp.response(200, TeamDetailSchema)
@blp.errors(404)
def get_team(team_id: int) -> Team:
    """One team, if the caller's roles cover it; otherwise 404, exactly as for a team that does not exist."""
    return get_or_404_in_scope(Team, team_id, "team.view")
