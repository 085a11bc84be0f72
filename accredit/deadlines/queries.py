"""Reads over deadline pauses: is a team paused on a day, which pauses a sweep must know about, and the notice
shown beside a deadline."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from accredit.deadlines.models import DeadlinePause
from accredit.extensions import db
from workflows.reminders import effective_due


def _covering(day: date) -> sa.ColumnElement[bool]:
    """Pauses in force on `day` (an early end takes effect on its own day)."""
    return sa.and_(DeadlinePause.starts_on <= day, DeadlinePause.ends_on >= day,
                   sa.or_(DeadlinePause.ended_on.is_(None), DeadlinePause.ended_on > day))


def active_pause(team_id: int, day: date) -> DeadlinePause | None:
    """The pause in force for the team on `day`, or None."""
    return db.session.scalar(
        sa.select(DeadlinePause).where(DeadlinePause.team_id == team_id, _covering(day)).limit(1)
    )


def is_paused(team_id: int, day: date) -> bool:
    return active_pause(team_id, day) is not None


def paused_team_ids(team_ids: Iterable[int], day: date) -> set[int]:
    """Which of `team_ids` are paused on `day`, in one query."""
    ids = list(team_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        sa.select(DeadlinePause.team_id).where(DeadlinePause.team_id.in_(ids), _covering(day))
    ))


def pause_windows(team_ids: Iterable[int], *, since: date, today: date) -> dict[int, list[tuple[date, date]]]:
    """(first day, last day) of every pause begun by `today` and lasting past `since`, per team, in one query.

    What a sweep needs to tell paused teams apart and to extend deadlines (workflows.reminders.effective_due).
    """
    ids = list(team_ids)
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    if not ids:
        return windows
    rows = db.session.scalars(
        sa.select(DeadlinePause).where(DeadlinePause.team_id.in_(ids), DeadlinePause.starts_on <= today,
                                       DeadlinePause.ends_on >= since)
        .order_by(DeadlinePause.starts_on)
    )
    for pause in rows:
        if pause.last_day >= pause.starts_on:  # a pause ended before it began never paused anything
            windows[pause.team_id].append((pause.starts_on, pause.last_day))
    return windows


def team_pauses(team_id: int) -> list[DeadlinePause]:
    """Every pause of the team, newest first."""
    return list(db.session.scalars(
        sa.select(DeadlinePause).where(DeadlinePause.team_id == team_id)
        .order_by(DeadlinePause.starts_on.desc(), DeadlinePause.id.desc())
    ))


@dataclass(frozen=True)
class DeadlineNotice:
    """What to show beside a deadline: the pause in force, and the date a pause has moved the deadline to."""

    pause: DeadlinePause | None
    extended_to: date | None


def deadline_notice(team_id: int, today: date, due: date | None = None) -> DeadlineNotice | None:
    """The notice for a team's deadline (`due`, if there is one in view) on `today`; None when nothing applies."""
    pause = active_pause(team_id, today)
    extended_to = None
    if due is not None:
        windows = pause_windows([team_id], since=due, today=today).get(team_id, [])
        moved = effective_due(due, windows, today)
        extended_to = moved if moved != due else None
    if pause is None and extended_to is None:
        return None
    return DeadlineNotice(pause, extended_to)
