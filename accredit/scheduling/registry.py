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
    #: The sweeps whose work this one reads, which must have finished first when the runner runs sweeps side by
    #: side (PostgreSQL); None: every sweep listed before it.
    after: tuple[str, ...] | None = None


def sweeps() -> list[Sweep]:
    """The sweeps in order: periods open and close first, then reminders, then digests, then delivery,
    so that one run as of a time writes everything due and sends it. Each names the sweeps it waits for when
    they run side by side (`after`); the order given is one that keeps them all."""
    from accredit.accreditation.jobs import lapse_invitations, remind_lapsing_invitations, remind_panel
    from accredit.assessments.jobs import close_ended_periods, open_periods
    from accredit.actions.reminders import send_action_reminders
    from accredit.assessments.reminders import send_assessment_reminders
    from accredit.awards.jobs import expire_awards, send_award_expiry_reminders
    from accredit.evidence.jobs import purge_deleted_evidence, sweep_evidence_store
    from accredit.notifications.jobs import deliver_notifications, send_daily_digests
    from accredit.stepup.jobs import stepup_review
    from accredit.visits.notices import send_visit_reminders

    return [
        Sweep("open_periods", open_periods, "Open this period's self-assessment for every active team", after=()),
        Sweep("close_ended_periods", close_ended_periods,
              "Record unsubmitted self-assessments of ended periods as missed", after=()),
        Sweep("assessment_reminders", send_assessment_reminders, "Self-assessment open, due and overdue reminders",
              after=("close_ended_periods", "open_periods")),
        # Step-up counts missed and late self-assessments, not open ones: it waits for the closing only.
        Sweep("stepup_review", stepup_review, "Step-up: daily risk scores, level proposals, cycle step reminders",
              after=("close_ended_periods",)),
        Sweep("visit_reminders", send_visit_reminders, "Visit reminders and factual accuracy closing notices",
              after=()),
        Sweep("action_reminders", send_action_reminders, "Improvement action due and overdue reminders, the ladder",
              after=()),
        Sweep("lapse_invitations", lapse_invitations, "Close accreditation invitations past their lapse date",
              after=()),
        Sweep("invitation_reminders", remind_lapsing_invitations, "Accreditation invitation lapsing: 14 days before",
              after=("lapse_invitations",)),
        Sweep("panel_reminders", remind_panel, "Accreditation panel members: 7 days before the panel", after=()),
        Sweep("expire_awards", expire_awards, "Lapse awards past their last valid day", after=()),
        Sweep("award_expiry_reminders", send_award_expiry_reminders, "Award expiring: 60 and 30 days before",
              after=("expire_awards",)),
        Sweep("daily_digests", send_daily_digests, "One email a day for people who chose a digest"),
        Sweep("deliver_notifications", deliver_notifications, "Send pending emails, retrying failures with backoff"),
        Sweep("purge_deleted_evidence", purge_deleted_evidence,
              "Purge evidence deleted longer ago than the retention period", after=()),
        Sweep("sweep_evidence_store", sweep_evidence_store,
              "Remove stored files no evidence uses, and dead uploads' leftovers", after=("purge_deleted_evidence",)),
    ]
