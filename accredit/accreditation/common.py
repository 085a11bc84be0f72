"""What every application service shares: the refusal it raises, firing a trigger with its audit row, clean text."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from accredit import audit
from accredit.models_base import utcnow
from workflows.accreditation import APPLICATION_WORKFLOW
from workflows.base import WorkflowError

MAX_TEXT = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ApplicationError(WorkflowError):
    """A refused change to an application; `field` names the form or API field it concerns, if any."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


class ConflictRefused(ApplicationError):
    """Panel members with a conflict of interest; `conflicts` maps each user id to every reason."""

    def __init__(self, conflicts: dict[int, list[str]], names: dict[int, str], field: str = "members"):
        sentences = [f"{names[uid]} cannot sit for this team: {'; '.join(why)}" for uid, why in conflicts.items()]
        super().__init__(". ".join(sentences), field=field)
        self.conflicts = conflicts


def clean(text: str | None, *, label: str, field: str, required: str | None = None,
          max_length: int = MAX_TEXT) -> str:
    """`text` stripped; ApplicationError naming `field` if missing when `required`, too long or unstorable."""
    value = (text or "").strip()
    if required and not value:
        raise ApplicationError(required, field)
    if _CONTROL.search(value):
        raise ApplicationError(f"The {label} contains characters that cannot be stored", field)
    if len(value) > max_length:
        raise ApplicationError(f"The {label} must be {max_length} characters or fewer", field)
    return value


def fire(application: Any, trigger: str, *, by: Any, reason: str | None = None, data: dict | None = None,
         **context: Any) -> datetime:
    """Fire `trigger` (IllegalTrigger / GuardRefused leave the application unchanged) and audit it as
    `application.<trigger>` with from, to, reason and workflow version. Returns the time it happened."""
    fired = APPLICATION_WORKFLOW.fire(application, trigger, by=by, reason=reason, **context)
    audit.record(f"application.{trigger}", application, by=by, from_state=fired.from_state, to_state=fired.to_state,
                 reason=reason, workflow_version=APPLICATION_WORKFLOW.version, data=data)
    return utcnow()
