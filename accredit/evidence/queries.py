"""Reusable selects over the evidence library."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from accredit.evidence.models import Evidence
from accredit.extensions import db


def library_query(team: Any) -> sa.Select:
    """A team's evidence (deleted items left out), with uploaders loaded, by title."""
    return (
        sa.select(Evidence)
        .options(joinedload(Evidence.uploaded_by))
        .where(Evidence.team_id == team.id, Evidence.deleted_at.is_(None))
        .order_by(sa.func.lower(Evidence.title), Evidence.id)
    )


def library(team: Any) -> list[Evidence]:
    return list(db.session.scalars(library_query(team)))


def stale_query(today: date) -> sa.Select:
    """Evidence whose review-by date has passed (deleted items left out), oldest first."""
    return (
        sa.select(Evidence)
        .where(Evidence.review_by < today, Evidence.deleted_at.is_(None))
        .order_by(Evidence.review_by, Evidence.id)
    )


def is_blob_referenced(sha256: str) -> bool:
    """Whether any evidence row not yet purged (deleted ones included: they are kept for the retention period)
    points at this stored file."""
    return db.session.scalar(sa.select(sa.exists().where(
        Evidence.content_hash == sha256, Evidence.purged_at.is_(None)))) is True


def referenced_blobs() -> set[str]:
    """The hashes of every stored file that an evidence row not yet purged points at."""
    return set(db.session.scalars(sa.select(Evidence.content_hash).where(Evidence.purged_at.is_(None)).distinct()))


def due_for_purge(cutoff: datetime) -> sa.Select:
    """Deleted evidence not yet purged, deleted at or before `cutoff`, oldest first."""
    return (
        sa.select(Evidence)
        .where(Evidence.deleted_at.is_not(None), Evidence.deleted_at <= cutoff, Evidence.purged_at.is_(None))
        .order_by(Evidence.deleted_at, Evidence.id)
    )


def library_choices(team_id: int) -> list[tuple[int, str]]:
    """(id, title) of a team's evidence for a choice list, by title; one query."""
    rows = db.session.execute(
        sa.select(Evidence.id, Evidence.title)
        .where(Evidence.team_id == team_id, Evidence.deleted_at.is_(None))
        .order_by(sa.func.lower(Evidence.title), Evidence.id)
    )
    return [(row.id, row.title) for row in rows]
