"""The body every workflow resource shares (API.md): id, state, version, transitions, history.

A resource subclasses WorkflowResourceSchema, names its workflow and the prefix of its permission predicates,
and adds its own fields:

    class VisitSchema(WorkflowResourceSchema):
        workflow = VISIT_WORKFLOW
        action_prefix = "visit"          # `transitions` asks can(current_user, "visit.<trigger>", visit)
        team = ma.fields.Nested(RefSchema, required=True)

`transitions` lists the triggers this caller may fire now: allowed from the record's state, guards passing
(given `guard_context`) and the caller permitted. `history` is the record's audit rows that moved its state.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from accredit.api.errors import ApiError
from accredit.api.schemas import PersonSchema
from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.permissions import can
from workflows.base import GuardRefused, IllegalTrigger, Workflow, WorkflowError


class HistoryEntrySchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    by = ma.fields.Nested(PersonSchema, required=True, allow_none=True, metadata={"description": "null: the system"})
    trigger = ma.fields.String(required=True)
    from_state = ma.fields.String(required=True, allow_none=True, data_key="from")
    to_state = ma.fields.String(required=True, allow_none=True, data_key="to")
    reason = ma.fields.String(required=True, allow_none=True)


def history_for(record: Any) -> list[dict[str, Any]]:
    """The state changes of `record`, oldest first, from the audit trail (subject = its table and id)."""
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.subject_type == record.__tablename__, AuditEvent.subject_id == record.id,
               AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {"at": row.at, "by": row.actor, "trigger": row.action.rsplit(".", 1)[-1], "from_state": row.from_state,
         "to_state": row.to_state, "reason": row.reason}
        for row in rows
    ]


class _WorkflowView:
    """The record as the schema dumps it: its own attributes plus the computed workflow fields."""

    def __init__(self, record: Any, computed: dict[str, Any]):
        self._record, self._computed = record, computed

    def __getattr__(self, name: str) -> Any:
        computed = self.__dict__["_computed"]
        return computed[name] if name in computed else getattr(self.__dict__["_record"], name)


class WorkflowResourceSchema(ma.Schema):
    workflow: ClassVar[Workflow]
    action_prefix: ClassVar[str]

    id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True, metadata={"description": "The workflow state, by value"})
    version = ma.fields.Integer(required=True, metadata={"description": "Send it back with a write: stale -> 409"})
    transitions = ma.fields.List(
        ma.fields.String(), required=True,
        metadata={"description": "Triggers this caller may fire now: POST .../transitions/<trigger>"},
    )
    history = ma.fields.List(ma.fields.Nested(HistoryEntrySchema), required=True)

    def guard_context(self, record: Any) -> dict[str, Any]:
        """What the workflow's guards see when listing transitions; override to add more."""
        return {"by": current_user}

    def may_fire(self, record: Any, trigger: str) -> bool:
        """Whether the caller may fire `trigger` on `record`: the `<action_prefix>.<trigger>` predicate."""
        return can(current_user, f"{self.action_prefix}.{trigger}", record)

    def transitions_for(self, record: Any) -> list[str]:
        available = self.workflow.available(record, **self.guard_context(record))
        return [trigger for trigger in available if self.may_fire(record, trigger)]

    @ma.pre_dump
    def _add_workflow_fields(self, record: Any, **kwargs: Any) -> _WorkflowView:
        status = getattr(record, self.workflow.status_attr)
        return _WorkflowView(record, {
            "state": status.value,
            "transitions": self.transitions_for(record),
            "history": history_for(record),
        })


@contextmanager
def refusals_answered(record: Any, *, changed: str, errors: type[WorkflowError] | tuple = (),
                      state: Callable[[], str] | None = None,
                      guard_details: Callable[[], dict[str, Any]] | None = None) -> Iterator[None]:
    """Run the service calls inside, then commit; a refusal rolls back and answers in the API's terms (API.md):

    - the record changed under us (a stale version at commit): 409 `changed`, with the version now stored;
    - the trigger is not allowed from the state: 409, with the `state` (default `record.status`) and what is allowed;
    - a guard refused: 422 with every reason (plus `guard_details()`, read after the rollback);
    - the service refused (one of `errors`): 422 naming the `field`.
    """
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, changed, details={"version": db.session.get(type(record), record.id).version}) from None
    except IllegalTrigger as refused:
        db.session.rollback()
        now = state() if state else record.status.value
        raise ApiError(409, refused.reason, details={"state": now, "allowed": refused.allowed}) from None
    except GuardRefused as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason,
                       details={**(guard_details() if guard_details else {}), "reasons": refused.reasons}) from None
    except errors as refused:
        db.session.rollback()
        raise ApiError(422, refused.reason, details={"field": getattr(refused, "field", None)}) from None
