"""What waits for a user: each workflow contributes the items it owes them to the home page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Task:
    """One thing waiting for the user: what, for which team, where to do it, and by when."""

    text: str
    href: str
    team: str | None = None
    due: date | None = None
    overdue: bool = False


TaskSource = Callable[[Any], list[Task]]
_SOURCES: list[TaskSource] = []


def task_source(fn: TaskSource) -> TaskSource:
    """Register `fn(user) -> list[Task]`; every source runs once per home page view."""
    _SOURCES.append(fn)
    return fn


def tasks_for(user: Any) -> list[Task]:
    """Every task waiting for `user`, soonest due first (undated last)."""
    found = [task for source in _SOURCES for task in source(user)]
    return sorted(found, key=lambda t: (t.due is None, t.due or date.max, t.text))
