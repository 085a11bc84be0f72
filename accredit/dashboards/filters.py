"""What a dashboard shows: the caller's scope narrowed by division, service, team type, and the as-of date.

A division or service outside the caller's scope answers 404, as everywhere else: its existence is not revealed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from accredit.dashboards.facts import TeamScope
from accredit.dashboards.permissions import DASHBOARD_ROLES
from accredit.extensions import db
from accredit.org.models import Division, Service, Team, TeamType
from accredit.permissions import teams_in_scope_clause


class OutOfScope(LookupError):
    """A filter names a division or service the caller cannot see (or that does not exist)."""


@dataclass(frozen=True)
class Filters:
    as_of: date
    division: Division | None = None
    service: Service | None = None
    team_type: TeamType | None = None

    def scope(self, user: Any) -> TeamScope:
        return TeamScope(teams_in_scope_clause(user, *DASHBOARD_ROLES),
                         division_id=self.division.id if self.division else None,
                         service_id=self.service.id if self.service else None,
                         team_type=self.team_type)

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (for links to exports, drill-downs and other views)."""
        args = {"as_of": self.as_of.isoformat()}
        if self.division:
            args["division"] = str(self.division.id)
        if self.service:
            args["service"] = str(self.service.id)
        if self.team_type:
            args["team_type"] = self.team_type.value
        return args

    @property
    def label(self) -> str:
        """'Medicine division, inpatient wards, as of 1 December 2026'."""
        parts = [self.service.name if self.service else self.division.name if self.division else "All teams you cover"]
        if self.team_type:
            parts.append(self.team_type.label)
        return f"{', '.join(parts)}, as of {self.as_of:%-d %B %Y}"


def services_in_scope(user: Any) -> list[Service]:
    """Services holding at least one team the caller's dashboard roles cover, by division and name."""
    in_scope = sa.select(Team.service_id).where(teams_in_scope_clause(user, *DASHBOARD_ROLES))
    return list(db.session.scalars(
        sa.select(Service).join(Service.division).options(contains_eager(Service.division))
        .where(Service.id.in_(in_scope)).order_by(Division.name, Service.name)
    ))


def divisions_in_scope(services: list[Service]) -> list[Division]:
    seen: dict[int, Division] = {}
    for service in services:
        seen.setdefault(service.division_id, service.division)
    return list(seen.values())


def resolve(user: Any, *, as_of: date, division_id: int | None, service_id: int | None,
            team_type: TeamType | None) -> Filters:
    """Filters from ids; raises OutOfScope for a division or service the caller does not cover."""
    services = services_in_scope(user)
    division = service = None
    if division_id is not None:
        division = next((d for d in divisions_in_scope(services) if d.id == division_id), None)
        if division is None:
            raise OutOfScope("division")
    if service_id is not None:
        service = next((s for s in services if s.id == service_id), None)
        if service is None or (division is not None and service.division_id != division.id):
            raise OutOfScope("service")
    return Filters(as_of=as_of, division=division, service=service, team_type=team_type)
