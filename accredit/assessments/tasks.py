"""What self-assessments ask of people on their home page: complete this period's, review submitted ones."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for

from accredit.assessments.models import SelfAssessment
from accredit.assessments.services import today_in_london
from accredit.core.tasks import Task, task_source
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from workflows.assessment import EDITABLE, AssessmentStatus

MAX_TASKS = 20  # a home page, not a worklist: the rest is one click away


def _assessments(user: Any, roles: tuple[Role, ...], states: list[AssessmentStatus]) -> list[SelfAssessment]:
    return list(db.session.scalars(
        sa.select(SelfAssessment).join(Team, Team.id == SelfAssessment.team_id)
        .where(teams_in_scope_clause(user, *roles), SelfAssessment.status.in_(states))
        .order_by(SelfAssessment.due_on, Team.name).limit(MAX_TASKS)
    ))


@task_source
def complete_self_assessments(user: Any) -> list[Task]:
    if not any(a.role in (Role.TEAM_MEMBER, Role.TEAM_LEAD) for a in user.roles):
        return []
    today = today_in_london()
    return [
        Task(f"Complete the {a.period_label} self-assessment", url_for("assessments.show", assessment_id=a.id),
             team=a.team.name, due=a.due_on, overdue=a.is_overdue(today))
        for a in _assessments(user, (Role.TEAM_MEMBER, Role.TEAM_LEAD), sorted(EDITABLE, key=lambda s: s.value))
    ]


@task_source
def review_self_assessments(user: Any) -> list[Task]:
    if not any(a.role in (Role.REVIEWER, Role.QUALITY_LEAD) for a in user.roles):
        return []
    return [
        Task(f"Review the {a.period_label} self-assessment", url_for("assessments.show", assessment_id=a.id),
             team=a.team.name)
        for a in _assessments(user, (Role.REVIEWER, Role.QUALITY_LEAD), [AssessmentStatus.SUBMITTED])
    ]
