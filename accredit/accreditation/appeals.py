"""Appeals: the team lead appeals a decision on procedural grounds within the appeal period; someone who did
not sit on the panel upholds it (back to the panel for a new decision) or dismisses it (the decision stands)."""
from __future__ import annotations

from datetime import date
from typing import Any

from accredit.accreditation import notices
from accredit.accreditation.common import ApplicationError, clean, fire
from accredit.accreditation.models import Appeal, AppealOutcome, Application
from accredit.extensions import db
from accredit.models_base import utcnow


def lodge_appeal(application: Application, *, statement: str, by: Any, today: date) -> Appeal:
    """Trigger `appeal` (the team lead, with a statement of the procedural grounds): decided -> appealed, on or
    before the decision's appeal deadline (GuardRefused says when it ended). Side effects: the appeal row,
    audit row with the statement."""
    text = clean(statement, label="statement", field="statement")
    decision = application.decision
    fire(application, "appeal", by=by, reason=text, today=today,
         data={"decision_id": decision.id if decision else None, "deadline": application.appeal_deadline.isoformat()
               if application.appeal_deadline else None})
    appeal = Appeal(decision_id=decision.id, decision=decision, statement=text, lodged_on=today,
                    lodged_by_id=getattr(by, "id", None))
    application.appeals.append(appeal)
    db.session.flush()
    return appeal


def resolve_appeal(application: Application, *, upheld: bool, reason: str, by: Any) -> Appeal:
    """Trigger `uphold` (appealed -> panel_ready: a new sitting, whose panel makes a new decision) or `dismiss`
    (appealed -> decided: the decision stands), with the reason.

    Refused (ApplicationError) for anyone who sat on this application's panel, at any sitting. Side effects: the
    appeal's outcome, reason, decided_at/by; when upheld, the next sitting with no panel date yet; audit row;
    the team notified.
    """
    if by is not None and application.sat_on_panel(by.id):
        raise ApplicationError("Someone who sat on this application's panel cannot decide its appeal")
    appeal = application.open_appeal
    text = clean(reason, label="reason", field="reason", max_length=2000)
    fire(application, "uphold" if upheld else "dismiss", by=by, reason=text,
         data={"appeal_id": appeal.id if appeal else None})
    appeal.outcome = AppealOutcome.UPHELD if upheld else AppealOutcome.DISMISSED
    appeal.outcome_reason, appeal.decided_at, appeal.decided_by_id = text, utcnow(), getattr(by, "id", None)
    if upheld:
        application.sitting += 1
        application.panel_date = None
    db.session.flush()
    notices.send(application, "appeal_resolved", notices.team(application), detail=str(appeal.id),
                 context={"appeal": appeal})
    return appeal
