"""Every scheduled sweep, in the order each run takes them. A later workflow adds its sweeps here.

A sweep is `fn(now) -> int`: it selects its work by date and by a sent-marker, delegates to services, and
returns how much it did. Run twice as of the same time, it does nothing the second time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Sweep:
    name: str
    run: Callable[[datetime], int]
    description: str


def sweeps() -> list[Sweep]:
    """The sweeps in order: periods open and close first, then reminders, then digests, then delivery,
    so that one run as of a time writes everything due and sends it."""
    from accredit.assessments.jobs import close_ended_periods, open_periods
    from accredit.assessments.reminders import send_assessment_reminders
    from accredit.notifications.jobs import deliver_notifications, send_daily_digests

    return [
        Sweep("open_periods", open_periods, "Open this period's self-assessment for every active team"),
        Sweep("close_ended_periods", close_ended_periods, "Record unsubmitted self-assessments of ended periods as missed"),
        Sweep("assessment_reminders", send_assessment_reminders, "Self-assessment open, due and overdue reminders"),
        Sweep("daily_digests", send_daily_digests, "One email a day for people who chose a digest"),
        Sweep("deliver_notifications", deliver_notifications, "Send pending emails, retrying failures with backoff"),
    ]
