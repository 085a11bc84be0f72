"""Improvement action state changes: raise, update, start, complete, verify, reopen; a support plan's actions."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.actions.models import Action, ActionSource
from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.frameworks.models import Standard
from accredit.frameworks.services import current_version
from accredit.models_base import utcnow
from accredit.permissions import has_role
from accredit.roles import Role
from workflows.action import ACTION_WORKFLOW, ActionStatus
from workflows.base import WorkflowError
from workflows.ratings import Domain

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_REASON = 2000
#: Who may own an action: the team's own staff, or a quality lead covering the team.
OWNER_ROLES = (Role.TEAM_MEMBER, Role.TEAM_LEAD, Role.QUALITY_LEAD)
# Line breaks and tabs belong in free text; other control characters never do (PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ActionError(WorkflowError):
    """A refused change to an action; `field` names the form or API field it concerns, if any."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


class StaleAction(ActionError):
    """The caller read an older version of the action than the one stored."""

    def __init__(self, action: Action):
        super().__init__("This action has changed since you opened it: check it and try again", field="version")
        self.current_version = action.version


@dataclass(frozen=True)
class ActionSpec:
    """One action of a support plan (see raise_support_plan)."""

    title: str
    owner: Any
    due_on: date
    finding: str = ""
    description: str = ""
    domain: Domain | None = None
    standard_code: str | None = None


def _text(value: str | None, *, field: str, label: str, max_length: int = MAX_TEXT,
          required: str | None = None, single_line: bool = False) -> str:
    """`value` stripped; ActionError (naming `field`) if missing when `required`, too long or unstorable."""
    text = (value or "").strip()
    if required and not text:
        raise ActionError(required, field)
    if _CONTROL.search(text) or (single_line and re.search(r"[\r\n\t]", text)):
        raise ActionError(f"The {label} contains characters that cannot be stored", field)
    if len(text) > max_length:
        raise ActionError(f"The {label} must be {max_length} characters or fewer", field)
    return text


def may_own(user: Any, team: Any) -> bool:
    """Whether `user` may own an action of `team`: active, and a team role or quality lead covering it."""
    return user is not None and user.is_active and has_role(user, *OWNER_ROLES, team=team)


def _check_owner(owner: Any, team: Any) -> None:
    if owner is None:
        raise ActionError("Choose who owns the action", "owner")
    if not may_own(owner, team):
        raise ActionError(f"{owner.name} cannot own an action of {team.name}: choose one of its staff", "owner")


def _check_due(due_on: date | None, today: date) -> None:
    if due_on is None:
        raise ActionError("Enter the date the action is due", "due_on")
    if due_on < today:
        raise ActionError("The due date must be today or later", "due_on")


def resolve_focus(team: Any, domain: Domain | None, standard_code: str | None) -> tuple[Domain, str | None]:
    """The (domain, standard code) an action is for; a standard, if given, sets the domain.

    Raises ActionError if neither is given, if the code is not a standard of the current version of the team's
    framework, or if it belongs to another domain than the one given.
    """
    code = (standard_code or "").strip()
    if not code:
        if domain is None:
            raise ActionError("Choose the domain or standard the action is for", "domain")
        return domain, None
    version = current_version(team.framework_key)
    standard = None if version is None else db.session.scalar(
        sa.select(Standard).where(Standard.framework_version_id == version.id,
                                  sa.func.upper(Standard.code) == code.upper())
    )
    if standard is None:
        framework = version.title if version is not None else team.framework_key
        raise ActionError(f"{code[:16]} is not a standard of {framework}", "standard_code")
    if domain is not None and domain is not standard.domain:
        raise ActionError(f"{standard.code} is a {standard.domain.label} standard, not {domain.label}: "
                          "choose a standard of that domain, or leave the standard out", "standard_code")
    return standard.domain, standard.code


def _prepare(team: Any, *, title: str, owner: Any, due_on: date | None, description: str, finding: str,
             domain: Domain | None, standard_code: str | None, visit: Any, today: date) -> dict[str, Any]:
    """Every column of a new action, checked; raises ActionError (with its field) and adds nothing."""
    if not team.is_active:
        raise ActionError(f"{team.name} is {team.status.value}: actions are raised for active teams only")
    if visit is not None and visit.team_id != team.id:
        raise ActionError("That visit was to another team", "visit")
    fields = {
        "title": _text(title, field="title", label="title", max_length=MAX_TITLE, single_line=True,
                       required="Enter what must change"),
        "description": _text(description, field="description", label="description"),
        "finding": _text(finding, field="finding", label="finding"),
    }
    _check_owner(owner, team)
    _check_due(due_on, today)
    fields["domain"], fields["standard_code"] = resolve_focus(team, domain, standard_code)
    return {**fields, "owner": owner, "due_on": due_on, "visit": visit}


def _add(team: Any, fields: dict[str, Any], *, source: ActionSource, by: Any) -> Action:
    action = Action(team=team, source=source, status=ACTION_WORKFLOW.initial, created_by_id=getattr(by, "id", None),
                    **fields)
    db.session.add(action)
    db.session.flush()
    audit.record("action.raise", action, by=by, to_state=action.status, workflow_version=ACTION_WORKFLOW.version,
                 data={**_snapshot(action), "source": source.value, "visit_id": action.visit_id})
    return action


def _snapshot(action: Action) -> dict[str, Any]:
    """The fields people change, as the audit stores them."""
    return {
        "title": action.title, "description": action.description, "finding": action.finding,
        "owner_id": action.owner_id, "due_on": action.due_on.isoformat(),
        "domain": action.domain.value if action.domain else None, "standard_code": action.standard_code,
    }


def raise_action(team: Any, *, title: str, owner: Any, due_on: date | None, by: Any, description: str = "",
                 finding: str = "", domain: Domain | None = None, standard_code: str | None = None,
                 source: ActionSource = ActionSource.TEAM, visit: Any = None, today: date | None = None) -> Action:
    """Put a new, open action into `team`'s improvement plan and return it.

    The owner must be active and hold a team role (team member or lead) or be a quality lead covering the team;
    the due date must be `today` (default: today in London) or later; a standard code must be one of the current
    version of the team's framework, and sets the domain. Raises ActionError, with the `field` it concerns, and
    adds nothing. Side effects: the action row (created_by), audit `action.raise` with its fields and source.
    """
    fields = _prepare(team, title=title, owner=owner, due_on=due_on, description=description, finding=finding,
                      domain=domain, standard_code=standard_code, visit=visit, today=today or today_in_london())
    return _add(team, fields, source=source, by=by)


def raise_support_plan(team: Any, actions_spec: Sequence[ActionSpec], *, by: Any, visit: Any = None,
                       today: date | None = None) -> list[Action]:
    """Raise every action of a support plan (source SUPPORT_PLAN) for `team`, all or none.

    Every spec is checked as raise_action checks one before any is added: the first refusal raises ActionError
    and nothing is added. Side effects: the action rows, an `action.raise` audit row each.
    """
    if not actions_spec:
        raise ActionError("A support plan needs at least one action")
    day = today or today_in_london()
    prepared = [
        _prepare(team, title=s.title, owner=s.owner, due_on=s.due_on, description=s.description, finding=s.finding,
                 domain=s.domain, standard_code=s.standard_code, visit=visit, today=day)
        for s in actions_spec
    ]
    return [_add(team, fields, source=ActionSource.SUPPORT_PLAN, by=by) for fields in prepared]


def update_action(action: Action, *, by: Any, version: int | None, title: str | None = None,
                  description: str | None = None, owner: Any = None, due_on: date | None = None,
                  today: date | None = None) -> list[str]:
    """Change an action's title, description, owner or due date (None leaves a field as it is).

    Returns the names of the fields changed, in that order ([] changes nothing). Raises StaleAction if `version`
    is given and is not the action's current version, ActionError for a closed action, a new owner who may not
    own it, or a new due date in the past (an unchanged one may be). Side effects: the fields, the version moves
    on, audit `action.update` with the before and after of each changed field. A new due date starts the due and
    overdue reminders afresh (their keys carry the due date).
    """
    if version is not None and version != action.version:
        raise StaleAction(action)
    if action.status is ActionStatus.CLOSED:
        raise ActionError("This action is closed and can no longer be changed")
    wanted: dict[str, Any] = {}
    if title is not None:
        wanted["title"] = _text(title, field="title", label="title", max_length=MAX_TITLE, single_line=True,
                                required="Enter what must change")
    if description is not None:
        wanted["description"] = _text(description, field="description", label="description")
    if owner is not None and owner.id != action.owner_id:
        _check_owner(owner, action.team)
        wanted["owner_id"] = owner.id
    if due_on is not None and due_on != action.due_on:
        _check_due(due_on, today or today_in_london())
        wanted["due_on"] = due_on
    changed = {name: value for name, value in wanted.items() if getattr(action, name) != value}
    if not changed:
        return []
    before = {name: _plain(getattr(action, name)) for name in changed}
    for name, value in changed.items():
        setattr(action, name, value)
    if "owner_id" in changed:
        action.owner = owner
    db.session.flush()
    after = {name: _plain(value) for name, value in changed.items()}
    audit.record("action.update", action, by=by, data={"before": before, "after": after})
    return [name.removesuffix("_id") for name in changed]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _fire(action: Action, trigger: str, *, by: Any, reason: str | None = None, data: dict | None = None,
          **changes: Any) -> None:
    """Fire `trigger`, set `changes` on the action and audit it, all reaching the database in one flush: one
    version step, and the state with its timestamps together (check constraints)."""
    with db.session.no_autoflush:
        fired = ACTION_WORKFLOW.fire(action, trigger, reason=reason, by=by)
        for name, value in changes.items():
            setattr(action, name, value)
        audit.record(f"action.{trigger}", action, by=by, from_state=fired.from_state, to_state=fired.to_state,
                     reason=reason, workflow_version=ACTION_WORKFLOW.version, data=data)
    db.session.flush()


def start_action(action: Action, *, by: Any) -> None:
    """Trigger `start`: open -> in_progress. Side effects: started_at, audit row. IllegalTrigger from other states."""
    _fire(action, "start", by=by, started_at=utcnow())


def _team_evidence(action: Action, evidence_ids: Iterable[int]) -> list[Any]:
    """The evidence rows for `evidence_ids`; ActionError unless every one is in the action's team's library."""
    from accredit.evidence.models import Evidence

    ids = set(evidence_ids)
    if not ids:
        return []
    found = list(db.session.scalars(
        sa.select(Evidence).where(Evidence.id.in_(ids), Evidence.team_id == action.team_id,
                                  Evidence.deleted_at.is_(None))
    ))
    if {e.id for e in found} != ids:
        raise ActionError("Evidence can only come from this team's library", "evidence")
    return found


def complete_action(action: Action, *, by: Any, note: str, evidence_ids: Iterable[int] = ()) -> None:
    """Trigger `complete`: in_progress -> awaiting_evidence, with a note of what was done and the evidence for it.

    IllegalTrigger from any other state (checked first); ActionError without a note, or for evidence not in the
    team's library. Side effects: completed_at, completion_note, the evidence links (replacing any earlier ones),
    the reason it was last reopened cleared, audit row (the note as its reason, the evidence ids in its data).
    """
    ACTION_WORKFLOW.check(action, "complete")
    note = _text(note, field="note", label="note", required="Say what was done to complete the action")
    evidence = _team_evidence(action, evidence_ids)
    _fire(action, "complete", by=by, reason=note, data={"evidence": sorted(e.id for e in evidence)},
          completed_at=utcnow(), completion_note=note, reopen_reason=None, evidence=evidence)


def verify_action(action: Action, *, by: Any) -> None:
    """Trigger `verify`: awaiting_evidence -> closed. Side effects: verified_at/by, audit row."""
    _fire(action, "verify", by=by, verified_at=utcnow(), verified_by_id=getattr(by, "id", None))


def reopen_action(action: Action, *, by: Any, reason: str) -> None:
    """Trigger `reopen`: awaiting_evidence -> in_progress, with the reason the team sees on the action.

    IllegalTrigger from any other state; GuardRefused without a reason; ActionError for a reason too long.
    Side effects: reopen_reason, completed_at cleared (the note and evidence stay), audit row with the reason.
    """
    ACTION_WORKFLOW.check(action, "reopen", reason=reason)
    reason = _text(reason, field="reason", label="reason", max_length=MAX_REASON)
    _fire(action, "reopen", by=by, reason=reason, reopen_reason=reason, completed_at=None)
