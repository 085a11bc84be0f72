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

    # --- Constructed histories (Step-up risk): rows as they stand after their workflows, dated as asked --------

    def self_assessment(self, team: Team, period_start: Any, rating: Any = None, *, status: Any = None,
                        submitted_on: Any = None) -> Any:
        """The team's self-assessment for the month starting `period_start` (frameworks must be imported):
        every standard rated `rating`; `submitted_on` (a date) makes it submitted, else `status` (default open)."""
        from datetime import UTC, datetime, time

        from accredit.assessments.services import ensure_assessment
        from workflows.assessment import AssessmentStatus
        from workflows.periods import period_containing

        assessment, _ = ensure_assessment(team, period_containing(period_start))
        for response in assessment.responses:
            response.rating, response.narrative = rating, f"{response.standard.code}: as seen" if rating else ""
        if submitted_on is not None:
            assessment.submitted_at = datetime.combine(submitted_on, time(12), UTC)
            assessment.submitted_by_id = self.user().id
        assessment.status = status or (AssessmentStatus.SUBMITTED if submitted_on else AssessmentStatus.OPEN)
        if assessment.status is AssessmentStatus.MISSED:
            assessment.closed_at = datetime.combine(assessment.period_end, time(23), UTC)
        db.session.flush()
        return assessment

    def review(self, team: Team, visit_date: Any, overall: Any, *, kind: Any = None, status: Any = None) -> Any:
        """A visit of `kind` (default a peer review) to `team` on `visit_date`, every domain and overall rated
        `overall`, published that day unless `status` says otherwise."""
        from datetime import UTC, datetime, time

        from accredit.visits.models import Visit, VisitRating
        from workflows.ratings import Domain
        from workflows.visit import VisitKind, VisitStatus

        status = status or VisitStatus.PUBLISHED
        published = status is VisitStatus.PUBLISHED
        visit = Visit(team=team, kind=kind or VisitKind.PEER_REVIEW, status=status, visit_date=visit_date,
                      scheme_version="1", summary="", overall_rating=overall, overall_computed=overall,
                      published_at=datetime.combine(visit_date, time(15), UTC) if published else None,
                      ratings=[VisitRating(domain=d, rating=overall, findings="") for d in Domain])
        db.session.add(visit)
        db.session.flush()
        return visit

    def action(self, team: Team, *, due_on: Any, owner: Any = None, status: Any = None, raised_on: Any = None,
               title: str = "Audit hand hygiene weekly", visit: Any = None) -> Any:
        """An improvement action of `team` raised on `raised_on` (default now), in `status` (default open)."""
        from datetime import UTC, datetime, time

        from accredit.actions.models import Action, ActionSource
        from accredit.models_base import utcnow
        from workflows.action import ActionStatus

        status = status or ActionStatus.OPEN
        created = datetime.combine(raised_on, time(12), UTC) if raised_on else utcnow()
        action = Action(team_id=team.id, title=title, owner_id=(owner or self.user()).id, due_on=due_on, status=status,
                        source=ActionSource.VISIT if visit else ActionSource.STEPUP, visit=visit, created_at=created,
                        verified_at=created if status is ActionStatus.CLOSED else None)
        db.session.add(action)
        db.session.flush()
        return action

    def signal(self, team: Team, severity: Any, occurred_on: Any, *, kind: Any = None, by: Any = None,
               description: str = "Patient fall with harm") -> Any:
        """A risk signal recorded against `team`."""
        from accredit.stepup.models import RiskSignal
        from workflows.stepup import SignalKind

        signal = RiskSignal(team_id=team.id, kind=kind or SignalKind.INCIDENT, severity=severity,
                            occurred_on=occurred_on, description=description, recorded_by_id=getattr(by, "id", None))
        db.session.add(signal)
        db.session.flush()
        return signal

    def commit(self) -> None:
        db.session.commit()
