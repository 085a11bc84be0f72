"""Who may see and move an accreditation application; which triggers a user may fire now.

Workflow triggers have predicates named `application.<trigger>`, so the API's WorkflowResourceSchema finds them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from accredit.accreditation.models import PanelStage
from accredit.permissions import can, has_role, predicate
from accredit.roles import Role
from workflows.accreditation import APPLICATION_WORKFLOW, ApplicationStatus


def _on(user: Any, application: Any, stage: PanelStage) -> bool:
    return any(m.user_id == user.id for m in application.panel_of(stage))


def _team_lead(user: Any, application: Any) -> bool:
    return has_role(user, Role.TEAM_LEAD, team=application.team)


def _team_staff(user: Any, application: Any) -> bool:
    return has_role(user, Role.TEAM_LEAD, Role.TEAM_MEMBER, team=application.team)


def _quality_lead(user: Any, application: Any) -> bool:
    return has_role(user, Role.QUALITY_LEAD, team=application.team)


def _prepanel(user: Any, application: Any) -> bool:
    return _on(user, application, PanelStage.PRE_PANEL)


def _chair(user: Any, application: Any) -> bool:
    chair = application.chair
    return chair is not None and chair.user_id == user.id


@predicate("application.view")
def can_view_application(user: Any, application: Any) -> bool:
    """Anyone who may see the team, and the application's own pre-panel and panel members."""
    return application is not None and (can(user, "team.view", application.team)
                                        or any(m.user_id == user.id for m in application.members))


for _action in ("application.start", "application.decline", "application.withdraw", "application.submit",
                "application.appeal"):
    predicate(_action)(_team_lead)

predicate("application.edit_portfolio")(_team_staff)
for _action in ("application.assign_prepanel", "application.set_panel"):
    predicate(_action)(_quality_lead)
for _action in ("application.review", "application.assure", "application.return_to_team"):
    predicate(_action)(_prepanel)
predicate("application.decide")(_chair)


@predicate("application.declare")
def can_record_declaration(user: Any, application: Any) -> bool:
    """A quality lead covering the team, or the panel's chair, records declarations and recusals."""
    return _quality_lead(user, application) or _chair(user, application)


def _resolve(user: Any, application: Any) -> bool:
    """A quality lead or panel chair covering the team who never sat on this application's panel."""
    return has_role(user, Role.QUALITY_LEAD, Role.PANEL_CHAIR, team=application.team) \
        and not application.sat_on_panel(user.id)


for _action in ("application.uphold", "application.dismiss"):
    predicate(_action)(_resolve)


@predicate("application.expire")
def can_expire(user: Any, application: Any) -> bool:
    """Nobody: invitations lapse by the scheduler."""
    return False


#: Triggers whose reason is asked for on a page of its own, so they are listed before it is typed.
REASONED = {"withdraw", "return_to_team", "appeal", "uphold", "dismiss"}


def triggers_for(user: Any, application: Any, today: date) -> list[str]:
    """Triggers this user may fire now: legal from the state, guards passing, permitted by role."""
    available = APPLICATION_WORKFLOW.available(application, today=today, reason="(to be given)")
    return [t for t in available if can(user, f"application.{t}", application)]


def blocked_triggers(user: Any, application: Any, today: date) -> dict[str, list[str]]:
    """Triggers legal and permitted whose guards refuse now: trigger -> what is missing."""
    blocked = {}
    for trigger in APPLICATION_WORKFLOW.triggers_from(application.status):
        if trigger in REASONED - {"appeal"} or not can(user, f"application.{trigger}", application):
            continue
        reasons = APPLICATION_WORKFLOW.check(application, trigger, today=today, reason="(to be given)")
        if reasons:
            blocked[trigger] = reasons
    return blocked


def is_live(application: Any) -> bool:
    return application.status not in (ApplicationStatus.CLOSED, ApplicationStatus.DECIDED)
