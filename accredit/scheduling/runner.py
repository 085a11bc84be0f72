"""Running the sweeps: each in its own transaction, committed, a failure logged without stopping the rest."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from accredit.extensions import db
from accredit.notifications.audiences import shared_for_run
from accredit.scheduling import registry
from accredit.scheduling.registry import Sweep

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class SweepResult:
    name: str
    count: int | None  #: None when the sweep failed
    error: str | None = None

    @property
    def line(self) -> str:
        return f"{self.name}: {self.count}" if self.error is None else f"{self.name}: failed ({self.error})"


def run_all(now: datetime, sweeps: list[Sweep] | None = None) -> list[SweepResult]:
    """Run every sweep once as of `now` (timezone-aware), in order; returns what each did.

    Each sweep's work is committed when it finishes; a sweep that raises is rolled back and logged, and the
    next one still runs (its work stays due, so the next run does it). Raises ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: use parse_now() for a local time")
    results = []
    with shared_for_run():  # the trust's grants read once for every sweep that tells someone
        for sweep in registry.sweeps() if sweeps is None else sweeps:
            try:
                _write_lock_first()
                count = sweep.run(now)
                db.session.commit()
            except Exception as error:  # one broken sweep must not stop reminders or delivery
                db.session.rollback()
                log.exception("sweep %s failed as of %s", sweep.name, now.isoformat())
                results.append(SweepResult(sweep.name, None, f"{type(error).__name__}: {error}"))
            else:
                results.append(SweepResult(sweep.name, count))
    return results


def _write_lock_first() -> None:
    """On SQLite, take the write lock as the sweep starts (BEGIN IMMEDIATE), so that a second scheduler waits its
    turn (busy timeout) instead of both reading, both trying to write, and one failing at once with "database is
    locked" (SQLite cannot wait out a read transaction's upgrade) and missing what it had read. PostgreSQL locks
    rows, so nothing is needed there."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("BEGIN IMMEDIATE"))


def parse_now(text: str | None) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; None means now. A time without an offset is London time:
    one that the spring clock change skips is read with the winter offset, and one that the autumn change
    repeats as its first (summer time) occurrence. Raises ValueError for text that is not an ISO time."""
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time like 2026-03-29T01:30 or 2026-03-29T01:30:00+00:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(UTC)
