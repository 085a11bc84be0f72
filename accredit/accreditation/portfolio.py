"""The team's side of an application: start, assemble the portfolio, submit, withdraw, decline; and the lapse.

Every function flushes, never commits, and leaves an audit row; each trigger has exactly one function here.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.accreditation.common import ApplicationError, clean, fire
from accredit.accreditation.models import Application, PortfolioEntry
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.models_base import utcnow

#: The framework the portfolio is assembled against (frameworks/accreditation-standards.yaml).
STANDARDS_KEY = "accreditation-standards"
#: States in which the team may change its portfolio.
EDITABLE = frozenset({"preparing"})


def start_application(application: Application, *, by: Any) -> None:
    """Trigger `start`: invited -> preparing, against the current version of the accreditation standards.

    Raises ApplicationError when no accreditation standards are loaded. Side effects: framework_version_id,
    started_at, audit `application.start`.
    """
    version = current_version(STANDARDS_KEY)
    if version is None:
        raise ApplicationError("The accreditation standards are not loaded: ask an administrator to import them")
    fire(application, "start", by=by, data={"framework_version_id": version.id})
    application.framework_version_id, application.framework_version = version.id, version
    application.started_at = utcnow()
    db.session.flush()


def decline_invitation(application: Application, *, by: Any, reason: str | None = None) -> None:
    """Trigger `decline`: invited -> closed. Side effects: closed_at, close_reason, audit row."""
    reason = clean(reason, label="reason", field="reason", max_length=2000) or "The team declined the invitation"
    fire(application, "decline", by=by, reason=reason)
    application.closed_at, application.close_reason = utcnow(), reason
    db.session.flush()


def lapse_invitation(application: Application, *, today: date) -> None:
    """Trigger `expire` (the scheduler, nobody in person): invited -> closed once the invitation has lapsed.
    Side effects: closed_at, close_reason, audit row by the system."""
    reason = f"The invitation lapsed after {application.invitation_expires_on:%-d %B %Y}"
    fire(application, "expire", by=None, reason=reason, data={"today": today.isoformat()})
    application.closed_at, application.close_reason = utcnow(), reason
    db.session.flush()


def withdraw_application(application: Application, *, by: Any, reason: str) -> None:
    """Trigger `withdraw` (the team lead, with a reason): preparing -> closed; the portfolio is kept.
    GuardRefused without a reason. Side effects: closed_at, close_reason, audit row with the reason."""
    reason = clean(reason, label="reason", field="reason", max_length=2000)
    fire(application, "withdraw", by=by, reason=reason)
    application.closed_at, application.close_reason = utcnow(), reason
    db.session.flush()


def _standard(application: Application, code: str) -> Any:
    standard = next((s for s in application.standards if s.code.upper() == (code or "").upper()), None)
    if standard is None:
        raise ApplicationError(f"{code} is not one of the accreditation standards", "standard")
    return standard


def _team_evidence(application: Application, evidence_ids: Iterable[int]) -> list[Any]:
    from accredit.evidence.models import Evidence

    ids = set(evidence_ids)
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(Evidence).where(
        Evidence.id.in_(ids), Evidence.team_id == application.team_id, Evidence.deleted_at.is_(None))))
    if {e.id for e in found} != ids:
        raise ApplicationError("Evidence can only come from this team's library", "evidence")
    return found


def save_entry(application: Application, code: str, *, statement: str, evidence_ids: Iterable[int],
               by: Any) -> PortfolioEntry:
    """The team's statement and evidence (from its own library) for standard `code`, replacing what was there.

    Refused (ApplicationError) unless the application is preparing, for an unknown standard, too long a
    statement, or evidence from outside the team's library. Side effects: the entry row and its evidence links,
    the application's version, audit `application.save_entry` with the standard and evidence ids.
    """
    if application.status.value not in EDITABLE:
        raise ApplicationError(f"The portfolio cannot be changed while the application is "
                               f"{application.status.label.lower()}")
    standard = _standard(application, code)
    text = clean(statement, label="statement", field="statement")
    evidence = _team_evidence(application, evidence_ids)
    entry = application.entry_for(standard)
    if entry is None:
        entry = PortfolioEntry(standard_id=standard.id, standard=standard, statement="")
        application.entries.append(entry)
    entry.statement, entry.evidence = text, evidence
    entry.updated_at, entry.updated_by_id = utcnow(), getattr(by, "id", None)
    db.session.flush()
    audit.record("application.save_entry", application, by=by,
                 data={"standard": standard.code, "evidence": sorted(e.id for e in evidence),
                       "has_statement": bool(text)})
    return entry


def submit_application(application: Application, *, by: Any) -> None:
    """Trigger `submit` (the team lead): preparing -> pre_panel, once every standard has a statement and at least
    one item of evidence (GuardRefused names each standard still missing). Starts a new pre-panel round.
    Side effects: round + 1, submitted_at, return_reason cleared, audit row."""
    fire(application, "submit", by=by, data={"round": application.round + 1})
    application.round += 1
    application.submitted_at, application.return_reason = utcnow(), None
    db.session.flush()
