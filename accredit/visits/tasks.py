"""What visits ask of people on their home page: staff and schedule, review and report, comment on the draft."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for

from accredit.assessments.services import today_in_london
from accredit.core.tasks import Task, task_source
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from accredit.visits.models import Visit, VisitReviewer
from workflows.visit import VisitStatus

MAX_TASKS = 20  # a home page, not a worklist: the overview has the rest
MAX_PAUSE_DAYS = 367  #: the longest a deadline pause can move a date (accredit.deadlines.services.MAX_DAYS, and a day)

#: What an assigned reviewer does next, by the visit's state.
REVIEWER_STEPS = {
    VisitStatus.SCHEDULED: "Start the visit to {team}",
    VisitStatus.IN_PROGRESS: "Rate the visit to {team} and finish the draft report",
    VisitStatus.DRAFT_REPORT: "Send the draft report to {team}",
    VisitStatus.FACTUAL_ACCURACY: "Publish the report for {team} when factual accuracy closes",
}


def _visits(query: sa.Select) -> list[Visit]:
    return list(db.session.scalars(query.join(Team, Team.id == Visit.team_id)
                                   .order_by(Visit.visit_date, Team.name, Visit.id).limit(MAX_TASKS)))


@task_source
def staff_and_schedule_visits(user: Any) -> list[Task]:
    if not any(a.role is Role.QUALITY_LEAD for a in user.roles):
        return []
    planned = sa.select(Visit).where(Visit.status == VisitStatus.PLANNED,
                                     teams_in_scope_clause(user, Role.QUALITY_LEAD))
    return [Task(f"Assign reviewers and schedule the visit to {v.team.name}",
                 url_for("visits.show", visit_id=v.id), team=v.team.name, due=v.visit_date)
            for v in _visits(planned)]


@task_source
def review_visits(user: Any) -> list[Task]:
    if not any(a.role is Role.REVIEWER for a in user.roles):
        return []
    mine = sa.select(VisitReviewer.visit_id).where(VisitReviewer.user_id == user.id)
    query = sa.select(Visit).where(Visit.id.in_(mine), Visit.status.in_(list(REVIEWER_STEPS)))
    return [Task(REVIEWER_STEPS[v.status].format(team=v.team.name), url_for("visits.show", visit_id=v.id),
                 team=v.team.name, due=v.visit_date if v.status is VisitStatus.SCHEDULED else None)
            for v in _visits(query)]


@task_source
def comment_on_draft_reports(user: Any) -> list[Task]:
    if not any(a.role is Role.TEAM_LEAD for a in user.roles):
        return []
    from accredit.visits.services import factual_accuracy_closes, why_comments_closed

    today = today_in_london()
    query = sa.select(Visit).where(
        Visit.status == VisitStatus.FACTUAL_ACCURACY, Visit.team_comments_closed_at.is_(None),
        Visit.factual_accuracy_due >= today - timedelta(days=MAX_PAUSE_DAYS),  # a pause may have moved the close
        teams_in_scope_clause(user, Role.TEAM_LEAD))
    return [Task(f"Comment on the draft report of the visit to {v.team.name}",
                 url_for("visits.comments", visit_id=v.id), team=v.team.name, due=factual_accuracy_closes(v, today))
            for v in _visits(query) if why_comments_closed(v, today) is None]
