"""The notification sweeps: write the daily digests, then deliver the outbox (see services for the contracts)."""
from __future__ import annotations

from datetime import datetime

from accredit.notifications import services


def send_daily_digests(now: datetime) -> int:
    return services.send_digests(now)


def deliver_notifications(now: datetime) -> int:
    return services.deliver_pending(now)
