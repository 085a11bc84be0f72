"""What Step-up asks of people on their home page: quality leads decide the level changes the engine proposes."""
from __future__ import annotations

from typing import Any

from flask import url_for

from accredit.core.tasks import Task, task_source
from accredit.roles import Role
from accredit.stepup.queries import pending_proposals

MAX_TASKS = 20  # the Step-up board has the rest


@task_source
def decide_proposals(user: Any) -> list[Task]:
    """Proposals waiting in the teams the user covers as a quality lead, oldest first."""
    if not any(a.role is Role.QUALITY_LEAD for a in user.roles):
        return []
    return [Task(f"Decide the Step-up proposal: {p.title}", url_for("stepup.proposal", proposal_id=p.id),
                 team=p.team.name)
            for p in pending_proposals(user)[:MAX_TASKS]]
