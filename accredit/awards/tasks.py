"""What awards ask of people on their home page: a quality lead decides whether a suspended award is reinstated."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import contains_eager

from accredit.awards.models import Award
from accredit.core.tasks import Task, task_source
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from workflows.accreditation import AwardStatus

MAX_TASKS = 20


@task_source
def review_suspended_awards(user: Any) -> list[Task]:
    """Suspended awards of the teams the user is a quality lead for, longest suspended first."""
    if not any(a.role is Role.QUALITY_LEAD for a in user.roles):
        return []
    awards = db.session.scalars(
        sa.select(Award).join(Team, Team.id == Award.team_id).options(contains_eager(Award.team))
        .where(Award.status == AwardStatus.SUSPENDED, teams_in_scope_clause(user, Role.QUALITY_LEAD))
        .order_by(Award.granted_on, Award.id).limit(MAX_TASKS)
    )
    return [Task(f"Decide whether to reinstate the suspended {a.kind.label} award",
                 url_for("awards.show", award_id=a.id), team=a.team.name)
            for a in awards]
