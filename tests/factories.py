"""Test data factories: `create_x(**overrides)` builds and flushes one real row with sensible defaults."""
from __future__ import annotations

import itertools
from typing import Any

from accredit.auth import services as accounts
from accredit.auth.models import User
from accredit.extensions import db
from accredit.org import services as org
from accredit.org.models import Division, Service, Team, TeamType
from accredit.roles import Role, ScopeKind

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


class Factory:
    """One per test (the `factory` fixture); every object is flushed so it has an id."""

    def division(self, name: str | None = None, code: str | None = None) -> Division:
        n = next(_seq)
        return org.create_division(code or f"DIV{n}", name or f"Division {n}")

    def service(self, division: Division | None = None, name: str | None = None) -> Service:
        n = next(_seq)
        return org.create_service(division or self.division(), f"SVC{n}", name or f"Service {n}")

    def team(self, service: Service | None = None, name: str | None = None,
             team_type: TeamType = TeamType.INPATIENT_WARD, **kwargs: Any) -> Team:
        n = next(_seq)
        return org.create_team(service or self.service(), f"TEAM{n}", name or f"Ward {n}", team_type, **kwargs)

    def user(self, email: str | None = None, name: str | None = None, password: str = PASSWORD,
             role: Role | None = None, scope: Any = "trust") -> User:
        """A user; with `role`, held for `scope` ("trust", or a Division, Service or Team object)."""
        n = next(_seq)
        user = accounts.create_user(email or f"user{n}@test.nhs.uk", name or f"User {n}", password=password)
        if role is not None:
            self.grant(user, role, scope)
        return user

    def grant(self, user: User, role: Role, scope: Any = "trust") -> None:
        if scope == "trust":
            accounts.grant_role(user, role, ScopeKind.TRUST, None)
            return
        kind = {Division: ScopeKind.DIVISION, Service: ScopeKind.SERVICE, Team: ScopeKind.TEAM}[type(scope)]
        accounts.grant_role(user, role, kind, scope.id)

    def commit(self) -> None:
        db.session.commit()
