"""Eligibility for accreditation and the invitation it brings (DESIGN.md §4.3); the hook a published visit calls.

The rest of the application has a module per stage: portfolio.py (start, entries, submit, withdraw, decline,
lapse), prepanel.py, panels.py (panel, declarations, the decision) and appeals.py; awards live in accredit/awards.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from accredit import audit
from accredit.accreditation import notices
from accredit.accreditation.models import Application, EligibilityCheck
from accredit.accreditation.queries import latest_check, live_application, published_qrvs
from accredit.extensions import db
from accredit.org.models import Team
from accredit.schemes.services import current_scheme
from workflows.accreditation import APPLICATION_WORKFLOW, ApplicationStatus
from workflows.rules import RuleResult, eligibility
from workflows.scheme import Scheme
from workflows.visit import VisitKind


def current_eligibility(team: Team, scheme: Scheme | None = None) -> RuleResult[bool]:
    """The team's eligibility computed now from its published QRVs, with the explanation; stores nothing."""
    scheme = scheme or current_scheme()
    return eligibility(published_qrvs(team.id), needed=scheme.eligibility_visits_needed)


def record_eligibility(team: Team, *, by: Any = None) -> EligibilityCheck:
    """Compute the team's eligibility and keep it. Side effects: an EligibilityCheck row (its inputs and the
    scheme version, so the result can be recomputed later), audit `eligibility.compute`."""
    scheme = current_scheme()
    result = current_eligibility(team, scheme)
    check = EligibilityCheck(team_id=team.id, is_eligible=result.value, explanation=result.explanation,
                             inputs={**result.inputs, "rule": result.rule}, scheme_version=scheme.version)
    db.session.add(check)
    db.session.flush()
    audit.record("eligibility.compute", check, by=by, data={"team_id": team.id, "is_eligible": result.value})
    return check


def invite_team(team: Team, check: EligibilityCheck, *, today: date, by: Any = None) -> Application:
    """Invite an eligible team to apply: an application in state invited, lapsing after the scheme's
    `invitation_valid_days`. Raises ValueError if the check is not eligible or the team already has a live
    application. Side effects: the application row, audit `application.invite` (to invited); the team lead
    notified (DESIGN.md §6)."""
    if not check.is_eligible:
        raise ValueError("only an eligible team is invited")
    if live_application(team.id) is not None:
        raise ValueError(f"{team.name} already has an application under way")
    scheme = current_scheme()
    application = Application(team_id=team.id, status=ApplicationStatus.INVITED, eligibility_id=check.id,
                              invitation_expires_on=today + timedelta(days=scheme.invitation_valid_days),
                              scheme_version=scheme.version)
    db.session.add(application)
    db.session.flush()
    audit.record("application.invite", application, by=by, to_state=application.status, reason=check.explanation,
                 workflow_version=APPLICATION_WORKFLOW.version,
                 data={"eligibility_id": check.id, "expires_on": application.invitation_expires_on.isoformat()})
    notices.send(application, "invited", notices.team_leads(application))
    return application


def on_visit_published(visit: Any, *, today: date, by: Any = None) -> Application | None:
    """What a published visit means for accreditation; returns the invitation it brought, if any.

    For a QRV: the team's eligibility is computed and stored, and a team that has just become eligible (its
    previous check was not eligible, or there was none) and has no live application is invited. Peer and
    objective reviews do not count towards eligibility.

    A published QRV rated below Good while the team holds an active award suspends that award and opens a
    support plan of actions (DESIGN.md §4.4): `accredit.awards.services.on_qrv_published`.
    """
    from accredit.awards.services import on_qrv_published

    if visit.kind is not VisitKind.QRV:
        return None
    team = visit.team
    on_qrv_published(visit, today=today, by=by)
    previous = latest_check(team.id)
    check = record_eligibility(team, by=by)
    newly = check.is_eligible and not (previous is not None and previous.is_eligible)
    if newly and live_application(team.id) is None:
        return invite_team(team, check, today=today, by=by)
    return None

