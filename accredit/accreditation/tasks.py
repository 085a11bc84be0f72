"""What applications ask of people on their home page: start or finish the application, review the portfolio,
set the panel, record the decision, decide an appeal."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for

from accredit.accreditation.models import Application, PanelMember, PanelStage
from accredit.core.tasks import Task, task_source
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from workflows.accreditation import ApplicationStatus as S

MAX_TASKS = 20


def _apps(query: sa.Select) -> list[Application]:
    return list(db.session.scalars(query.join(Team, Team.id == Application.team_id)
                                   .order_by(Team.name, Application.id).limit(MAX_TASKS)))


def _task(text: str, application: Application, due=None) -> Task:
    return Task(text, url_for("accreditation.show", application_id=application.id), team=application.team.name,
                due=due)


def _holds(user: Any, *roles: Role) -> bool:
    return any(a.role in roles for a in user.roles)


@task_source
def team_lead_applications(user: Any) -> list[Task]:
    if not _holds(user, Role.TEAM_LEAD):
        return []
    query = sa.select(Application).where(Application.status.in_([S.INVITED, S.PREPARING]),
                                         teams_in_scope_clause(user, Role.TEAM_LEAD))
    return [_task("Start the application for accreditation", a, a.invitation_expires_on)
            if a.status is S.INVITED else _task("Assemble the accreditation portfolio and submit it", a)
            for a in _apps(query)]


@task_source
def panel_work(user: Any) -> list[Task]:
    if not _holds(user, Role.PANEL_MEMBER, Role.PANEL_CHAIR):
        return []
    seats = sa.select(PanelMember.application_id).where(PanelMember.user_id == user.id)
    tasks = []
    for a in _apps(sa.select(Application).where(Application.id.in_(seats),
                                                Application.status.in_([S.PRE_PANEL, S.PANEL_READY]))):
        if a.status is S.PRE_PANEL and any(m.user_id == user.id for m in a.panel_of(PanelStage.PRE_PANEL)):
            tasks.append(_task("Review the accreditation portfolio", a))
        elif a.status is S.PANEL_READY and a.chair is not None and a.chair.user_id == user.id:
            tasks.append(_task("Record the accreditation panel's decision", a, a.panel_date))
    return tasks


@task_source
def quality_lead_applications(user: Any) -> list[Task]:
    if not _holds(user, Role.QUALITY_LEAD, Role.PANEL_CHAIR):
        return []
    tasks = []
    if _holds(user, Role.QUALITY_LEAD):
        query = sa.select(Application).where(Application.status.in_([S.PRE_PANEL, S.PANEL_READY]),
                                             teams_in_scope_clause(user, Role.QUALITY_LEAD))
        for a in _apps(query):
            if a.status is S.PRE_PANEL and not a.panel_of(PanelStage.PRE_PANEL):
                tasks.append(_task("Assign the pre-panel for the accreditation application", a))
            elif a.status is S.PANEL_READY and a.quorum_problems():
                tasks.append(_task("Set the accreditation panel's date and members", a))
    appealed = sa.select(Application).where(Application.status == S.APPEALED,
                                            teams_in_scope_clause(user, Role.QUALITY_LEAD, Role.PANEL_CHAIR))
    tasks += [_task("Decide the appeal against the accreditation decision", a)
              for a in _apps(appealed) if not a.sat_on_panel(user.id)]
    return tasks
