"""Why an upload or a change to evidence was refused, with the HTTP status and the form field it concerns."""
from __future__ import annotations


class EvidenceError(ValueError):
    """A refused upload or change; `http_status` is what a page or the API answers, `field` the form field."""

    http_status = 400

    def __init__(self, message: str, *, field: str = "file", http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if http_status is not None:
            self.http_status = http_status


class FileEmpty(EvidenceError):
    """The upload held no bytes at all."""

    http_status = 400


class FileTooLarge(EvidenceError):
    """The upload passed the size limit (EVIDENCE_MAX_BYTES)."""

    http_status = 413


class FileRefused(EvidenceError):
    """The content is not one of the allowed kinds, or is dangerous (a zip bomb, a polyglot)."""

    http_status = 415


class EvidenceConflict(EvidenceError):
    """Someone else changed the evidence since the caller read it."""

    http_status = 409
