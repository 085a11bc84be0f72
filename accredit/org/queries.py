"""Reusable selects over the organisation, always narrowed to what the user's roles cover."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from accredit.extensions import db
from accredit.org.models import Division, Service, Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import ScopeKind
from workflows.team import TeamStatus


def teams_query(user: Any, *, include_closed: bool = False) -> sa.Select:
    """Teams in the user's scope, with service and division loaded, ordered by division, service, name."""
    query = (
        sa.select(Team)
        .join(Team.service)
        .join(Service.division)
        .options(joinedload(Team.service).joinedload(Service.division))
        .where(teams_in_scope_clause(user))
        .order_by(Division.name, Service.name, Team.name)
    )
    if not include_closed:
        query = query.where(Team.status == TeamStatus.ACTIVE)
    return query


def teams_for(user: Any, *, limit: int | None = None) -> list[Team]:
    query = teams_query(user)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def scope_name(kind: ScopeKind, scope_id: int | None) -> str:
    """A human name for a scope: 'the whole trust', 'Surgery division', 'Ward 7 (team)'."""
    if kind is ScopeKind.TRUST:
        return "the whole trust"
    model = {ScopeKind.DIVISION: Division, ScopeKind.SERVICE: Service, ScopeKind.TEAM: Team}[kind]
    thing = db.session.get(model, scope_id)
    name = thing.name if thing is not None else f"#{scope_id} (removed)"
    return f"{name} ({kind.value})"


def preload_scopes(grants: Iterable[Any]) -> list[Any]:
    """Load every division, service and team the grants name in one query per kind, so that scope_name
    answers from the session instead of one query per grant. Keep the returned list while rendering: the
    session holds its objects only as long as something else does."""
    wanted: dict[ScopeKind, set[int]] = {}
    for grant in grants:
        if grant.scope_kind is not ScopeKind.TRUST and grant.scope_id is not None:
            wanted.setdefault(grant.scope_kind, set()).add(grant.scope_id)
    models = {ScopeKind.DIVISION: Division, ScopeKind.SERVICE: Service, ScopeKind.TEAM: Team}
    return [thing for kind, ids in wanted.items()
            for thing in db.session.scalars(sa.select(models[kind]).where(models[kind].id.in_(ids)))]


def scope_choices() -> list[tuple[str, str]]:
    """Every scope a role can be granted for, as (`kind:id`, label) pairs for a select list."""
    choices = [("trust", "The whole trust")]
    for division in db.session.scalars(sa.select(Division).order_by(Division.name)):
        choices.append((f"division:{division.id}", f"Division: {division.name}"))
    for service in db.session.scalars(sa.select(Service).order_by(Service.name)):
        choices.append((f"service:{service.id}", f"Service: {service.name}"))
    for team in db.session.scalars(sa.select(Team).where(Team.status == TeamStatus.ACTIVE).order_by(Team.name)):
        choices.append((f"team:{team.id}", f"Team: {team.name}"))
    return choices


def parse_scope(value: str) -> tuple[ScopeKind, int | None]:
    """`trust` or `kind:id` as written on the command line; raises ValueError with a reason."""
    if value == "trust":
        return ScopeKind.TRUST, None
    kind, _, raw_id = value.partition(":")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise ValueError(f"scope {value!r}: the kind must be trust, division, service or team") from None
    if scope_kind is ScopeKind.TRUST or not raw_id.isdigit():
        raise ValueError(f"scope {value!r}: write it as {kind}:<id>, for example team:12")
    return scope_kind, int(raw_id)
