"""Changes to the organisation: divisions, services, teams and their open/close/merge lifecycle."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.extensions import db
from accredit.org.models import Division, Service, Team, TeamType
from workflows.team import TEAM_WORKFLOW, TeamStatus


class OrgError(ValueError):
    """A refused organisation change; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _code_taken(model: type, code: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(model.id).where(sa.func.upper(model.code) == code.upper())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def create_division(code: str, name: str, *, by: Any = None) -> Division:
    """Add a division. Raises OrgError if the code or name is taken. Audited."""
    code, name = code.strip().upper(), name.strip()
    if _code_taken(Division, code):
        raise OrgError(f"A division with the code {code} already exists", field="code")
    if db.session.scalar(sa.select(Division.id).where(Division.name == name)) is not None:
        raise OrgError(f"A division called {name} already exists", field="name")
    division = Division(code=code, name=name)
    db.session.add(division)
    db.session.flush()
    audit.record("division.create", division, by=by, data={"code": code, "name": name})
    return division


def create_service(division: Division, code: str, name: str, *, by: Any = None) -> Service:
    """Add a service to a division. Raises OrgError if the code is taken. Audited."""
    code, name = code.strip().upper(), name.strip()
    if _code_taken(Service, code):
        raise OrgError(f"A service with the code {code} already exists", field="code")
    service = Service(code=code, name=name, division=division)
    db.session.add(service)
    db.session.flush()
    audit.record("service.create", service, by=by, data={"code": code, "name": name, "division": division.code})
    return service


def create_team(
    service: Service, code: str, name: str, team_type: TeamType, *, by: Any = None,
    opened_on: date | None = None, framework_key: str = "cqc-kloe-2017",
) -> Team:
    """Open a new, active team in a service. Raises OrgError if the code is taken. Audited."""
    code, name = code.strip().upper(), name.strip()
    if _code_taken(Team, code):
        raise OrgError(f"A team with the code {code} already exists", field="code")
    team = Team(
        code=code, name=name, service=service, team_type=team_type, status=TeamStatus.ACTIVE,
        opened_on=opened_on or date.today(), framework_key=framework_key,
    )
    db.session.add(team)
    db.session.flush()
    audit.record("team.open", team, by=by, to_state=team.status, data={"code": code, "service": service.code})
    return team


def update_team(team: Team, *, name: str, team_type: TeamType, service: Service, by: Any = None) -> Team:
    """Rename, retype or move a team to another service; its history stays with it. Audited."""
    before = {"name": team.name, "team_type": team.team_type.value, "service": team.service.code}
    team.name, team.team_type, team.service = name.strip(), team_type, service
    after = {"name": team.name, "team_type": team_type.value, "service": service.code}
    if before != after:
        audit.record("team.update", team, by=by, data={"before": before, "after": after})
    db.session.flush()
    return team


def _fire(team: Team, trigger: str, *, by: Any, reason: str, **context: Any) -> None:
    fired = TEAM_WORKFLOW.fire(team, trigger, reason=reason, **context)
    audit.record(
        trigger if "." in trigger else f"team.{trigger}", team, by=by, from_state=fired.from_state,
        to_state=fired.to_state, reason=reason, workflow_version=TEAM_WORKFLOW.version,
        data={"into": context["into"].code} if context.get("into") else None,
    )


def close_team(team: Team, *, by: Any, reason: str, on: date | None = None) -> None:
    """Close an active team (trigger `close`): it leaves every list of active teams but keeps its history.

    Side effects: status closed, closed_on set, one audit row. Raises WorkflowError if refused.
    """
    with db.session.no_autoflush:  # status and closing date reach the database together (check constraint)
        _fire(team, "close", by=by, reason=reason)
        team.closed_on = on or date.today()
    db.session.flush()


def reopen_team(team: Team, *, by: Any, reason: str) -> None:
    """Reopen a closed team (trigger `reopen`). Side effects: status active, closed_on cleared, audit row."""
    with db.session.no_autoflush:
        _fire(team, "reopen", by=by, reason=reason)
        team.closed_on = None
    db.session.flush()


def merge_team(team: Team, *, into: Team, by: Any, reason: str, on: date | None = None) -> None:
    """Merge `team` into `into` (trigger `merge`): the old team keeps its history and points at the new one.

    Side effects: status merged, merged_into and closed_on set, one audit row. Raises WorkflowError if refused.
    """
    with db.session.no_autoflush:
        _fire(team, "merge", by=by, reason=reason, into=into)
        team.merged_into = into
        team.closed_on = on or date.today()
    db.session.flush()
