"""Deleting evidence and keeping the store tidy: the soft delete, the purge after the retention period, and the
sweep that removes files no row names (left by a process that died between storing a file and committing).

Deleting is a soft delete: the row keeps its links and its audit trail, and is hidden from lists, downloads and
links at once. After EVIDENCE_RETENTION_DAYS the purge blanks the row's content and no longer counts its file;
the store sweep then removes every file no remaining row names. The audit records are never touched.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from accredit import audit
from accredit.evidence import queries
from accredit.evidence.errors import EvidenceConflict, EvidenceError
from accredit.evidence.models import Evidence
from accredit.evidence.storage import Storage, get_storage
from accredit.extensions import db
from accredit.models_base import utcnow

REASON_LIMIT = 500
#: A stored file or temporary file younger than this is left alone by the store sweep: it may belong to an
#: upload still in flight (the file is written first, the row committed a moment later).
STORE_GRACE = timedelta(hours=1)
PURGED_TITLE = "Deleted evidence"
PURGED_NAME = "deleted"


def delete_evidence(evidence: Evidence, *, reason: str, by: Any, at: datetime | None = None,
                    version: int | None = None) -> Evidence:
    """Soft-delete an item: hidden from the library, downloads and links from now on; purged after retention.

    Side effects: deleted_at, deleted_by, delete_reason; the audit record `evidence.delete` (with the title,
    file name, hash and reason, so the trail still says what was deleted after the purge). The file stays in
    the store until the retention sweep. Flushes.
    Raises EvidenceError (field "reason") for a missing or too long reason or an item already deleted,
    EvidenceConflict if `version` is given and is not the item's current version.
    """
    if version is not None and version != evidence.version:
        raise EvidenceConflict("Someone else changed this evidence since you opened it. Check it and try again.",
                               field="version")
    if evidence.deleted_at is not None:
        raise EvidenceError("This evidence has already been deleted", field="reason", http_status=409)
    reason = " ".join((reason or "").split())
    if not reason:
        raise EvidenceError("Enter why the evidence is being deleted", field="reason")
    if len(reason) > REASON_LIMIT:
        raise EvidenceError(f"The reason must be {REASON_LIMIT} characters or fewer", field="reason")
    evidence.deleted_at = at or utcnow()
    evidence.deleted_by_id = getattr(by, "id", None)
    evidence.delete_reason = reason
    audit.record("evidence.delete", evidence, by=by, reason=reason, data={
        "team": evidence.team.code, "title": evidence.title, "name": evidence.original_name,
        "sha256": evidence.content_hash, "retention_days": retention_days(),
    })
    db.session.flush()
    return evidence


def retention_days() -> int:
    return int(current_app.config["EVIDENCE_RETENTION_DAYS"])


def purge_deleted_evidence(now: datetime) -> int:
    """Purge every item deleted more than EVIDENCE_RETENTION_DAYS before `now`; returns how many.

    Side effects per item: title and file name blanked, purged_at set, the audit record `evidence.purge` (by
    the system). The row itself stays, so links and the audit trail still resolve; its file stops counting as
    used, and the store sweep (which runs next) removes it unless another item holds the same bytes.
    Items already purged are not selected again. Flushes.
    """
    cutoff = now - timedelta(days=retention_days())
    items = db.session.scalars(queries.due_for_purge(cutoff)).all()
    for evidence in items:
        audit.record("evidence.purge", evidence, data={"deleted_at": evidence.deleted_at.isoformat(),
                                                       "retention_days": retention_days()})
        evidence.title, evidence.original_name, evidence.purged_at = PURGED_TITLE, PURGED_NAME, now
    db.session.flush()
    return len(items)


def sweep_store(now: datetime, storage: Storage | None = None) -> int:
    """Remove stored files that no unpurged row names, and leftover temporary files; returns how many.

    Only files last written more than STORE_GRACE before `now` are considered, so an upload in flight is never
    touched. Deleting a file that is already gone is harmless, so the sweep may run anywhere, any number of times.
    """
    storage = storage or get_storage()
    cutoff = now - STORE_GRACE
    removed = 0
    for path, modified in list(storage.temp_files()):
        if modified < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    used = queries.referenced_blobs()
    for sha256, modified in list(storage.blobs()):
        if sha256 not in used and modified < cutoff and not queries.is_blob_referenced(sha256):
            storage.delete(sha256)
            removed += 1
    return removed
