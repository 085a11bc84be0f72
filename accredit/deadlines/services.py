"""Pausing a team's deadlines and ending a pause early; both audited."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.deadlines.models import DeadlinePause
from accredit.extensions import db
from accredit.models_base import utcnow

MAX_REASON = 1000
MAX_DAYS = 366  #: a pause longer than a year is a closed team, not a pause
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PauseError(Exception):
    """A refused pause; `field` names the form field it concerns (reason, starts_on, until)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def pause_deadlines(team: Any, *, reason: str, until: date, by: Any, starts_on: date) -> DeadlinePause:
    """Pause every deadline of `team` from `starts_on` to `until` (both inclusive), for `reason`.

    While paused no reminder or escalation goes out for the team; a deadline falling in the pause moves to
    its last day. Side effects: the pause row, an audit row. Raises PauseError for a missing or too long
    reason, an end before the start, a pause over a year, or one overlapping another pause of the team.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PauseError("Give the reason for the pause, for example 'Norovirus outbreak: ward closed'", "reason")
    if len(reason) > MAX_REASON or _CONTROL.search(reason):
        raise PauseError(f"The reason must be plain text of {MAX_REASON} characters or fewer", "reason")
    if until < starts_on:
        raise PauseError("The end date must be the same as or after the start date", "until")
    if until - starts_on > timedelta(days=MAX_DAYS):
        raise PauseError("A pause can last a year at most; close the team if it has stopped for longer", "until")
    clash = _overlapping(team.id, starts_on, until)
    if clash is not None:
        raise PauseError(f"The team's deadlines are already paused from {_day(clash.starts_on)} to "
                         f"{_day(clash.last_day)}: end that pause first, or choose other dates", "starts_on")
    pause = DeadlinePause(team_id=team.id, reason=reason, starts_on=starts_on, ends_on=until,
                          created_by_id=getattr(by, "id", None))
    db.session.add(pause)
    db.session.flush()
    audit.record("deadlines.pause", pause, by=by, data={"team": team.id, "from": starts_on.isoformat(),
                                                        "until": until.isoformat()}, reason=reason)
    return pause


def end_pause(pause: DeadlinePause, *, by: Any, today: date) -> None:
    """End a pause from `today` on (a pause not yet begun is cancelled). Side effects: ended_on/at/by, audit row.

    Raises PauseError if it has already ended.
    """
    if pause.ended_on is not None or pause.last_day < today:
        raise PauseError("This pause has already ended")
    pause.ended_on, pause.ended_at, pause.ended_by_id = today, utcnow(), getattr(by, "id", None)
    audit.record("deadlines.end_pause", pause, by=by, data={"team": pause.team_id, "ended_on": today.isoformat()})
    db.session.flush()


def _overlapping(team_id: int, first: date, last: date) -> DeadlinePause | None:
    candidates = db.session.scalars(
        sa.select(DeadlinePause).where(DeadlinePause.team_id == team_id, DeadlinePause.starts_on <= last,
                                       DeadlinePause.ends_on >= first)
    )
    return next((p for p in candidates if p.last_day >= first and p.last_day >= p.starts_on), None)


def _day(day: date) -> str:
    return day.strftime("%-d %B %Y")
