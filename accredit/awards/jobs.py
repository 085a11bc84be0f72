"""Scheduled award work: lapse awards past their last valid day; tell people 60 and 30 days before (DESIGN.md §6).

Both sweeps select by date and state (and reminders by their dedupe key), so running them twice, in two
schedulers at once, or late after downtime, does the work once.
"""
from __future__ import annotations

from datetime import datetime

from accredit.assessments.services import today_in_london
from accredit.awards import queries, services
from accredit.notifications.audiences import Audiences
from accredit.schemes.services import current_scheme


def expire_awards(now: datetime) -> int:
    """Expire every active or suspended award whose last valid day is before today (London); returns how many."""
    lapsed = queries.lapsed(today_in_london(now))
    for award in lapsed:
        services.expire_award(award)
    return len(lapsed)


def owed_stage(days_left: int, reminder_days: tuple[int, ...]) -> int | None:
    """The reminder stage owed with `days_left` to go: the nearest stage at or past (60, then 30), or None.

    A sweep that runs late sends only the most pressing stage, not every one it missed.
    """
    due = [d for d in reminder_days if 0 <= days_left <= d]
    return min(due) if due else None


def send_award_expiry_reminders(now: datetime) -> int:
    """Tell the team lead and the quality lead of each award expiring within the scheme's reminder days, once per
    stage and person (key `award:<id>:expiring:<stage>:<user id>`); returns how many notifications were written."""
    today = today_in_london(now)
    days = current_scheme().award_expiry_reminder_days
    if not days:
        return 0
    expiring = list(queries.expiring_within(today, max(days)))
    audiences, written = Audiences(award.team for award in expiring), 0
    for award in expiring:
        days_left = (award.valid_until - today).days
        stage = owed_stage(days_left, days)
        if stage is None:
            continue
        for audience in ("team_lead", _quality_lead_audience(audiences, award.team)):
            written += services.notify_award(
                award, audience, kind="award.expiring", stage=f"expiring:{stage}", template="awards/emails/expiring",
                subject=f"{award.team.name}: the {award.kind.label} award expires {_when(days_left)}",
                context={"days": days_left, "when": _when(days_left)}, audiences=audiences, at=now)
    return written


def _quality_lead_audience(audiences: Audiences, team) -> str:
    """The division's quality leads, or the trust's when the division has none."""
    return "division_quality_lead" if audiences.people(team, "division_quality_lead") else "trust_quality_lead"


def _when(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
