"""The notifications an application sends (DESIGN.md §6), as outbox rows claimed by dedupe keys.

Keys: `application:<id>:<event>[:<detail>]:<user id>`; a second call with the same key writes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from accredit.notifications import services as notifications
from accredit.notifications.audiences import Audiences
from accredit.notifications.links import path_for

#: event -> (kind, email template, subject with {team})
EVENTS = {
    "invited": ("application.invited", "invited", "{team} is invited to apply for accreditation"),
    "lapsing": ("application.lapsing", "lapsing", "{team}: the invitation to apply for accreditation lapses soon"),
    "prepanel_assigned": ("application.prepanel_assigned", "prepanel_assigned",
                          "Pre-panel review of {team}'s accreditation portfolio"),
    "panel_assigned": ("application.panel_assigned", "panel_assigned", "Accreditation panel for {team}"),
    "panel_reminder": ("application.panel_reminder", "panel_reminder", "{team}: the accreditation panel is in 7 days"),
    "returned": ("application.returned", "returned", "{team}: the accreditation portfolio needs more evidence"),
    "decided": ("application.decided", "decided", "{team}: the accreditation panel's decision"),
    "appeal_resolved": ("application.appeal_resolved", "appeal_resolved", "{team}: the decision on your appeal"),
}


def send(application: Any, event: str, people: Iterable[Any], *, detail: str | None = None,
         context: dict[str, Any] | None = None, at: datetime | None = None) -> int:
    """Notify each of `people` of `event`; returns how many rows were written (0 for keys already claimed)."""
    kind, template, subject = EVENTS[event]
    suffix = f":{detail}" if detail else ""
    link = path_for("accreditation.show", application_id=application.id)
    written = 0
    for user in people:
        row = notifications.notify(
            user, kind=kind, key=f"application:{application.id}:{event}{suffix}:{user.id}",
            subject=subject.format(team=application.team.name), template=f"accreditation/emails/{template}",
            context={"application": application, "team": application.team, **(context or {})}, link=link, at=at)
        written += row is not None
    return written


def team_leads(application: Any, audiences: Audiences | None = None) -> list[Any]:
    return (audiences or Audiences([application.team])).people(application.team, "team_lead")


def team(application: Any, audiences: Audiences | None = None) -> list[Any]:
    return (audiences or Audiences([application.team])).people(application.team, "team")
