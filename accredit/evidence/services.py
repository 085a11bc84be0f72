"""Changes to the evidence library: uploading a file into a team's library and editing what is said about it."""
from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from accredit import audit
from accredit.evidence import sniff
from accredit.evidence.errors import EvidenceConflict, EvidenceError
from accredit.evidence.models import Evidence
from accredit.evidence.storage import Storage, get_storage
from accredit.extensions import db

TITLE_LIMIT = 200


def upload_evidence(team: Any, fileobj: BinaryIO, *, filename: str | None, title: str, review_by: date | None,
                    by: Any, storage: Storage | None = None) -> Evidence:
    """Check, store and record one file in `team`'s library, and return its new (flushed) Evidence row.

    Side effects: the file is stored under its SHA-256 (once, however often the same bytes are uploaded); an
    Evidence row; the audit record `evidence.upload`. The type comes from the bytes (see sniff.py); the
    cleaned original name is kept only in the row.
    Raises EvidenceError (field "title"; field "file" for a name with folders or control characters),
    FileEmpty (400), FileTooLarge (413) or FileRefused (415), having stored nothing. The file is moved into the
    store only after the row is flushed: if the row cannot be written, the session is rolled back, nothing is
    stored and the database error is re-raised. (Should the request's commit fail afterwards, the unreferenced
    blob is removed by the store sweep; see retention.py.)
    """
    title = _checked_title(title)
    if problem := sniff.name_problem(filename):  # a path or control characters: refused, not quietly cleaned
        raise EvidenceError(problem, field="file")
    name = sniff.clean_filename(filename)
    storage = storage or get_storage()
    with storage.staged(fileobj, max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                        check=lambda path: sniff.detect(path, name)) as staged:
        blob = staged.blob
        detected: sniff.Detected = blob.checked
        evidence = Evidence(
            team=team, title=title, original_name=detected.filename, content_hash=blob.sha256, size_bytes=blob.size,
            media_type=detected.kind.media_type, review_by=review_by, uploaded_by_id=getattr(by, "id", None),
        )
        try:
            db.session.add(evidence)
            db.session.flush()
            audit.record("evidence.upload", evidence, by=by, data={
                "team": team.code, "title": title, "name": detected.filename, "sha256": blob.sha256,
                "size": blob.size, "media_type": evidence.media_type,
            })
            db.session.flush()
        except SQLAlchemyError:
            db.session.rollback()
            raise
        # Only now, with the row written, does the file go into the store: a process killed before this point
        # leaves a temporary file at most (the store sweep removes it), never a blob that no row names.
        staged.commit()
    return evidence


def update_evidence(evidence: Evidence, *, title: str, review_by: date | None, by: Any,
                    version: int | None = None) -> Evidence:
    """Change an item's title and review-by date; the file itself never changes (upload a new one instead).

    Side effects: the audit record `evidence.update` with before and after, when anything changed.
    Raises EvidenceConflict if `version` is given and someone else has changed the item since it was read,
    EvidenceError (field "title") for a missing or too long title.
    """
    if version is not None and version != evidence.version:
        raise EvidenceConflict("Someone else changed this evidence while you were editing. "
                               "Check the details below and save again.", field="version")
    title = _checked_title(title)
    before = _described(evidence)
    evidence.title, evidence.review_by = title, review_by
    after = _described(evidence)
    if before != after:
        audit.record("evidence.update", evidence, by=by, data={"before": before, "after": after})
        db.session.flush()
    return evidence


def _checked_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise EvidenceError("Enter a title for the evidence", field="title")
    if len(title) > TITLE_LIMIT:
        raise EvidenceError(f"The title must be {TITLE_LIMIT} characters or fewer", field="title")
    return title


def _described(evidence: Evidence) -> dict[str, Any]:
    return {"title": evidence.title, "review_by": evidence.review_by.isoformat() if evidence.review_by else None}
