"""When reminders and escalations fall due (DESIGN.md §6), worked out from dates alone.

A sweep asks, for one self-assessment on one day, which reminders are owed *now*. The answer includes
reminders whose day has passed while the scheduler was down (catch-up), but never one that a later reminder
to the same audience has overtaken: after a week's downtime the team lead hears "due tomorrow", not also
"due in 7 days". Escalations go to different people at each step, so every step reached is owed.

A pause (DESIGN.md §5.4) extends a deadline: when a pause ends after the due date, days are counted from
the pause's last day instead. While a team is paused, nothing is owed at all (the caller checks that).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

#: Who a reminder goes to; the application resolves each to people holding roles for the team.
AUDIENCES = ("team", "team_lead", "division_quality_lead", "trust_quality_lead")
#: Who an improvement action's reminders go to: its owner, or the people holding roles for its team.
ACTION_AUDIENCES = ("owner", *AUDIENCES)


@dataclass(frozen=True)
class Reminder:
    """One reminder owed: its stage (`opened`, `due-7`, `overdue-14`), audience, and the due date it speaks of."""

    stage: str
    audience: str
    due: date

    @property
    def is_overdue(self) -> bool:
        return self.stage.startswith("overdue-")

    @property
    def days(self) -> int:
        """Days before (due-n) or after (overdue-n) the due date; 0 for `opened`."""
        return int(self.stage.rpartition("-")[2]) if "-" in self.stage else 0


def effective_due(due: date, pauses: Iterable[tuple[date, date]], today: date) -> date:
    """`due`, or the last day of the latest pause that had begun by `today` and ended after `due`.

    `pauses` are (first day, last day) pairs, both inclusive.
    """
    extended = [last for first, last in pauses if first <= today and last > due]
    return max([due, *extended])


def reminders_owed(
    *,
    today: date,
    opens_on: date,
    due: date,
    reminder_days: Sequence[int],
    escalation: Sequence[tuple[int, str]],
) -> list[Reminder]:
    """Every reminder owed on `today` for a self-assessment not yet submitted, due on `due`.

    - `opened` (to the team) from `opens_on` up to the due date;
    - `due-n` (to the team lead) for the nearest n of `reminder_days` whose day has come, up to the due date;
    - `overdue-n` (to the step's audience) for every step of `escalation` reached.
    """
    owed = []
    if opens_on <= today <= due:
        owed.append(Reminder("opened", "team", due))
    return owed + deadline_reminders_owed(today=today, due=due, reminder_days=reminder_days, escalation=escalation)


def deadline_reminders_owed(
    *,
    today: date,
    due: date,
    reminder_days: Sequence[int],
    escalation: Sequence[tuple[int, str]],
    audience: str = "team_lead",
) -> list[Reminder]:
    """The due and overdue reminders owed on `today` for anything due on `due` and not yet done.

    - `due-n` (to `audience`) for the nearest n of `reminder_days` whose day has come, up to the due date;
    - `overdue-n` (to the step's audience) for every step of `escalation` reached (calendar days: a bank
      holiday does not stop the ladder).
    """
    owed = []
    reached = sorted(n for n in reminder_days if due - timedelta(days=n) <= today <= due)
    if reached:
        owed.append(Reminder(f"due-{reached[0]}", audience, due))
    for days, step_audience in escalation:
        if today >= due + timedelta(days=days):
            owed.append(Reminder(f"overdue-{days}", step_audience, due))
    return owed


def check_reminder_settings(reminder_days: Sequence[int], escalation: Sequence[Sequence[object]], *,
                            subject: str = "assessment", audiences: Sequence[str] = AUDIENCES) -> None:
    """Raise ValueError naming what is wrong with a scheme's reminder days or escalation ladder.

    `subject` names the settings (`assessment` -> assessment_reminder_days, assessment_escalation); `audiences`
    are the ones its ladder may use.
    """
    if any(not _whole(n) or n < 0 for n in reminder_days):
        raise ValueError(f"{subject}_reminder_days must be whole numbers of days, 0 or more")
    for step in escalation:
        if not isinstance(step, tuple | list) or len(step) != 2 or not _whole(step[0]) or step[0] < 1:
            raise ValueError(f"{subject}_escalation steps must be [days overdue (1 or more), audience]")
        if step[1] not in audiences:
            raise ValueError(f"{subject}_escalation audience {step[1]!r} is not one of {', '.join(audiences)}")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
