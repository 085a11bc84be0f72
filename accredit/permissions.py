"""Who may do what: roles held for scopes, one named predicate per action, and the view decorators.

Every "may this user do this to this thing" question in pages, API and jobs is answered by `can()`.
Domains register their predicates with `@predicate("team.view")` in their own permissions.py.
A thing outside the user's scope is answered with 404 (its existence is not revealed); a thing in
scope with a forbidden action with 403.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from accredit.roles import Role, ScopeKind

Predicate = Callable[[Any, Any], bool]
PREDICATES: dict[str, Predicate] = {}


def predicate(action: str) -> Callable[[Predicate], Predicate]:
    """Register `fn(user, obj) -> bool` as the one answer for `action`."""

    def register(fn: Predicate) -> Predicate:
        if action in PREDICATES:
            raise ValueError(f"predicate for {action!r} registered twice")
        PREDICATES[action] = fn
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` to `obj`; anonymous and inactive users may do nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return PREDICATES[action](user, obj)


def _assignments(user: Any, roles: Iterable[Role] | None = None) -> list[Any]:
    wanted = set(roles) if roles else None
    return [a for a in user.roles if wanted is None or a.role in wanted]


def covers(assignment: Any, team: Any) -> bool:
    """Whether one role assignment's scope includes `team`."""
    kind, scope_id = assignment.scope_kind, assignment.scope_id
    if kind is ScopeKind.TRUST:
        return True
    if kind is ScopeKind.DIVISION:
        return team.service.division_id == scope_id
    if kind is ScopeKind.SERVICE:
        return team.service_id == scope_id
    return team.id == scope_id


def roles_for(user: Any, team: Any) -> set[Role]:
    """The roles `user` holds whose scope covers `team`."""
    return {a.role for a in user.roles if covers(a, team)}


def has_role(user: Any, *roles: Role, team: Any = None) -> bool:
    """True if the user holds one of `roles` for `team` (or, with no team, anywhere)."""
    if team is None:
        return bool(_assignments(user, roles))
    return any(covers(a, team) for a in _assignments(user, roles))


def has_trust_role(user: Any, *roles: Role) -> bool:
    """True if the user holds one of `roles` for the whole trust."""
    return any(a.scope_kind is ScopeKind.TRUST for a in _assignments(user, roles))


def teams_in_scope_clause(user: Any, *roles: Role) -> sa.ColumnElement[bool]:
    """A WHERE clause over Team (joined to nothing) selecting the teams the user's roles cover.

    One clause, one query, however many teams: pages list teams with it instead of testing each.
    """
    from accredit.org.models import Service, Team  # models import this module's enums at import time

    grants = _assignments(user, roles or None)
    if any(a.scope_kind is ScopeKind.TRUST for a in grants):
        return sa.true()
    ids = {kind: [a.scope_id for a in grants if a.scope_kind is kind] for kind in ScopeKind}
    clauses = []
    if ids[ScopeKind.TEAM]:
        clauses.append(Team.id.in_(ids[ScopeKind.TEAM]))
    if ids[ScopeKind.SERVICE]:
        clauses.append(Team.service_id.in_(ids[ScopeKind.SERVICE]))
    if ids[ScopeKind.DIVISION]:
        in_division = sa.select(Service.id).where(Service.division_id.in_(ids[ScopeKind.DIVISION]))
        clauses.append(Team.service_id.in_(in_division))
    return sa.or_(*clauses) if clauses else sa.false()


def require(action: str) -> Callable:
    """View decorator for actions that concern no particular record: 403 unless `can(user, action)`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def authorise(action: str, obj: Any, *, view_action: str) -> None:
    """Abort 404 if `obj` is outside the user's scope (`view_action`), 403 if `action` is forbidden."""
    if obj is None or not can(current_user, view_action, obj):
        abort(404)
    if action != view_action and not can(current_user, action, obj):
        abort(403)
