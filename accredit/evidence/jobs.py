"""The evidence sweeps: purge deleted evidence past its retention period, then tidy the store."""
from __future__ import annotations

from datetime import datetime

from accredit.evidence import retention


def purge_deleted_evidence(now: datetime) -> int:
    return retention.purge_deleted_evidence(now)


def sweep_evidence_store(now: datetime) -> int:
    return retention.sweep_store(now)
