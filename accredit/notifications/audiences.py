"""Who a notification goes to: an audience (`team_lead`, `division_quality_lead`, ...) resolved to people.

Roles are loaded once per sweep, so resolving an audience for a thousand teams costs one query; within one run
of the scheduler's sweeps (`shared_for_run`), once for the whole run.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from accredit.auth.models import RoleAssignment, User
from accredit.bulk import one_of
from accredit.extensions import db
from accredit.notifications.modes import NotificationMode
from accredit.roles import Role, ScopeKind

#: How an email says why this person is told ("You are told because you are the team lead for Ward 7").
AUDIENCE_LABELS = {
    "owner": "its owner", "team": "a member of the team", "team_lead": "the team lead",
    "division_quality_lead": "a quality lead for the division", "trust_quality_lead": "a quality lead for the trust",
}


#: Who each audience is: the roles it takes, held for which of the scopes that cover a team.
_COVERING = (ScopeKind.TRUST, ScopeKind.DIVISION, ScopeKind.SERVICE, ScopeKind.TEAM)
_WHO: dict[str, tuple[tuple[Role, ...], tuple[ScopeKind, ...]]] = {
    "team": ((Role.TEAM_MEMBER, Role.TEAM_LEAD), _COVERING),
    "team_lead": ((Role.TEAM_LEAD,), _COVERING),
    "division_quality_lead": ((Role.QUALITY_LEAD,), (ScopeKind.DIVISION,)),
    "trust_quality_lead": ((Role.QUALITY_LEAD,), (ScopeKind.TRUST,)),
}


@dataclass(frozen=True)
class Person:
    """What a notification needs of a person it goes to (as a User has them), read with the grants: plain values,
    so that they stay valid after the sweep that read them commits."""

    id: int
    name: str
    email: str
    active: bool
    notification_mode: NotificationMode

    def as_user(self) -> User:
        """The User this person is, loaded by id: for where a relationship needs one (an action's owner)."""
        return db.session.get(User, self.id)


_Holders = dict[tuple[ScopeKind, int | None, Role], list[Person]]


class _Shared:
    """Every grant of the trust, read once in a run of the sweeps (shared_for_run) by whichever sweep asks first.
    When the run's sweeps are worker processes (scheduling.runner), a worker forked after the reading has it, and
    the worker that read it hands it back (share_grants) for those forked later."""

    def __init__(self) -> None:
        self.holders: _Holders | None = None

    def holders_read_by(self, read: Callable[[], _Holders]) -> _Holders:
        if self.holders is None:
            self.holders = read()
        return self.holders


_RUN: ContextVar[_Shared | None] = ContextVar("audience_grants_of_run", default=None)


@contextmanager
def shared_for_run() -> Iterator[None]:
    """Within this block, every trust-wide Audiences() shares one reading of the grants: the scheduler's run
    (scheduling.runner.run_all) asks for them in three sweeps, each its own transaction, and each reading of a
    trust's 30,000 grants costs about a second. A grant changed during the run (seconds) is seen by the next run;
    delivery checks that the person is still active before it sends."""
    token = _RUN.set(_Shared())
    try:
        yield
    finally:
        _RUN.reset(token)


def shared_grants() -> _Holders | None:
    """The grants this run has read so far (shared_for_run), or None: not read yet, or not in a run."""
    run = _RUN.get()
    return None if run is None else run.holders


def share_grants(holders: _Holders) -> None:
    """Keep `holders`, read by one of the run's worker processes, for the rest of the run (unless it has some)."""
    run = _RUN.get()
    if run is not None:
        run.holders_read_by(lambda: holders)


class Audiences:
    """Active people by the roles they hold; `people(team, audience)` answers from memory.

    The grants are read on the first question, not before: a sweep with nothing owed reads nothing. Given
    `teams`, only the grants that can reach those teams are read (the trust's, and their divisions', services'
    and own), and a question about another team is refused; without, every grant is read (a month-end sweep
    asks about every team, and loading a whole trust's 30,000 grants with their people costs about a second),
    once for the whole run inside shared_for_run().
    """

    def __init__(self, teams: Iterable[Any] | None = None) -> None:
        self._teams = None if teams is None else {team.id: team for team in teams}
        self._holders: _Holders | None = None

    def people(self, team: Any, audience: str) -> list[Person]:
        """The active people in `audience` for `team`, ordered by email; ValueError for an unknown audience, or
        a team these audiences were not made for."""
        if audience not in _WHO:
            raise ValueError(f"unknown audience {audience!r}")
        if self._teams is not None and team.id not in self._teams:
            raise ValueError(f"these audiences were read for other teams than {team.name}")
        holders = self._grants()
        roles, kinds = _WHO[audience]
        scope_of = {ScopeKind.TRUST: None, ScopeKind.DIVISION: team.service.division_id,
                    ScopeKind.SERVICE: team.service_id, ScopeKind.TEAM: team.id}
        found = {user.id: user for kind in kinds for role in roles
                 for user in holders.get((kind, scope_of[kind], role), ())}
        return sorted(found.values(), key=lambda u: u.email)

    def _grants(self) -> _Holders:
        if self._holders is None:
            run = _RUN.get() if self._teams is None else None
            if run is not None:
                self._holders = run.holders_read_by(lambda: _read_grants(None))
            else:
                self._holders = _read_grants(None if self._teams is None else _reaching(self._teams.values()))
        return self._holders


def _read_grants(where: sa.ColumnElement[bool] | None) -> _Holders:
    """The active holders of the grants `where` selects (all without), by scope and role, so that a team's
    audience is a few dictionary look-ups, not a pass over the grants of its four scopes: a month-end sweep asks
    for 10,000 teams in a trust of 30,000 grants. A person holding several grants is one Person."""
    query = (sa.select(RoleAssignment.scope_kind, RoleAssignment.scope_id, RoleAssignment.role, User.id, User.name,
                       User.email, User.active, User.notification_mode)
             .join(RoleAssignment.user).where(User.active.is_(True)))
    if where is not None:
        query = query.where(where)
    holders: _Holders = defaultdict(list)
    people: dict[int, Person] = {}
    for kind, scope_id, role, *person in db.session.execute(query).tuples():
        found = people.get(person[0])
        if found is None:
            found = people[person[0]] = Person(*person)
        holders[(kind, scope_id, role)].append(found)
    return holders


def _reaching(teams: Iterable[Any]) -> sa.ColumnElement[bool]:
    """Grants whose scope covers one of `teams`: the trust, or the teams' divisions, services or the teams."""
    teams = list(teams)
    scopes = {ScopeKind.DIVISION: {t.service.division_id for t in teams},
              ScopeKind.SERVICE: {t.service_id for t in teams}, ScopeKind.TEAM: {t.id for t in teams}}
    return sa.or_(RoleAssignment.scope_kind == ScopeKind.TRUST,
                  *[sa.and_(RoleAssignment.scope_kind == kind, one_of(RoleAssignment.scope_id, sorted(ids)))
                    for kind, ids in scopes.items() if ids])
