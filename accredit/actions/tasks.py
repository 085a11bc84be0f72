"""What improvement actions ask of people on their home page: owners work theirs, reviewers verify completed ones."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from accredit.actions.models import Action
from accredit.assessments.services import today_in_london
from accredit.core.tasks import Task, task_source
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from workflows.action import ActionStatus

MAX_TASKS = 20  # a home page, not a worklist: the improvement plan has the rest

#: What the owner does next, by the action's state.
OWNER_STEPS = {
    ActionStatus.OPEN: "Start your action: {title}",
    ActionStatus.IN_PROGRESS: "Complete your action: {title}",
}
REVIEW_ROLES = (Role.REVIEWER, Role.QUALITY_LEAD)


def _actions(query: sa.Select) -> list[Action]:
    """One query: the actions with their teams, soonest due first, at most MAX_TASKS."""
    return list(db.session.scalars(
        query.join(Team, Team.id == Action.team_id).options(contains_eager(Action.team))
        .order_by(Action.due_on, Team.name, Action.id).limit(MAX_TASKS)
    ))


@task_source
def work_on_actions(user: Any) -> list[Task]:
    """The user's own actions still with them, in teams they can see, due dates shown and overdue flagged."""
    query = sa.select(Action).where(Action.owner_id == user.id, Action.status.in_(list(OWNER_STEPS)),
                                    teams_in_scope_clause(user))
    today = today_in_london()
    return [Task(OWNER_STEPS[a.status].format(title=a.title), url_for("actions.show", action_id=a.id),
                 team=a.team.name, due=a.due_on, overdue=a.is_overdue(today))
            for a in _actions(query)]


@task_source
def verify_actions(user: Any) -> list[Task]:
    """Actions awaiting verification in the reviewer's or quality lead's scope, except their own."""
    if not any(a.role in REVIEW_ROLES for a in user.roles):
        return []
    query = sa.select(Action).where(Action.status == ActionStatus.AWAITING_EVIDENCE, Action.owner_id != user.id,
                                    teams_in_scope_clause(user, *REVIEW_ROLES))
    return [Task(f"Verify the action: {a.title}", url_for("actions.show", action_id=a.id), team=a.team.name)
            for a in _actions(query)]
