"""Why an upload or a change to evidence was refused, with the HTTP status and the form field it concerns."""
from __future__ import annotations


class EvidenceError(ValueError):
    """A refused upload or change; `status` is what a page or the API answers, `field` the form field."""

    status = 400

    def __init__(self, message: str, *, field: str = "file", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class FileEmpty(EvidenceError):
    """The upload held no bytes at all."""

    status = 400


class FileTooLarge(EvidenceError):
    """The upload passed the size limit (EVIDENCE_MAX_BYTES)."""

    status = 413


class FileRefused(EvidenceError):
    """The content is not one of the allowed kinds, or is dangerous (a zip bomb, a polyglot)."""

    status = 415


class EvidenceConflict(EvidenceError):
    """Someone else changed the evidence since the caller read it."""

    status = 409
