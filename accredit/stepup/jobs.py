"""The `stepup_review` sweep: once a day per team, recompute the risk score, raise or withdraw level proposals,
and remind the team lead of a cycle step coming due (DESIGN.md §4.5, §6).

A team is reviewed once per London day (its regulation's `reviewed_on`); recording a signal clears that, so the
next run looks again. Reminders are claimed by `stepup:<team id>:<cycle start>:<step>:due:<user id>`, so however
often the sweep runs each person hears of each step once per cycle.

Teams are taken `facts.CHUNK` at a time: their positions computed (regulations made where missing) and their
scores stored together, in a fixed number of statements per chunk; each team's review and reminders then use that one
position, and write only the proposals and reminders they make.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.notifications import services as notifications
from accredit.notifications.services import Note
from accredit.notifications.audiences import Audiences
from accredit.notifications.links import path_for
from accredit.org.models import Service, Team
from accredit.schemes.services import current_scheme
from accredit.stepup import facts, queries, services
from accredit.stepup.models import StepupRegulation
from workflows.team import TeamStatus


def stepup_review(now: datetime) -> int:
    """Review every active team not yet reviewed today; returns the proposals raised plus the reminders written."""
    today = today_in_london(now)
    scheme = current_scheme()
    reviewed = sa.select(StepupRegulation.team_id).where(StepupRegulation.reviewed_on == today)
    teams = db.session.scalars(
        sa.select(Team).where(Team.status == TeamStatus.ACTIVE, Team.opened_on <= today, Team.id.not_in(reviewed))
        .options(joinedload(Team.service).joinedload(Service.division)).order_by(Team.id)
    ).all()
    if not teams:
        return 0
    audiences = Audiences()
    done = 0
    for chunk in facts.chunked(teams):
        found = _positions(chunk, today, scheme)
        services.store_scores(found.values(), today=today)
        raised = services.review_teams([(team, found[team.id]) for team in chunk], today=today, scheme=scheme)
        done += sum(proposal is not None for proposal in raised)
        notes = [note for team in chunk for note in _reminders(team, found[team.id], today, scheme, audiences)]
        done += notifications.notify_many(notes, at=now)
    return done


def _positions(teams: list[Team], today: date, scheme) -> dict[int, queries.Position]:
    """The teams' positions, each with its regulation (a team's first review makes it, before its facts are read)."""
    return queries.positions(teams, today, scheme, regulations=services.ensure_regulations(teams))


def _reminders(team: Team, found: queries.Position, today: date, scheme, audiences: Audiences) -> list[Note]:
    """The 'cycle step due' reminders owed to the team lead today, from the team's position as reviewed."""
    ahead = scheme.stepup_step_reminder_days[found.level.value]
    owed = [s for s in found.steps if s.state == "due" and 0 <= (s.due_on - today).days <= ahead]
    notes = []
    for step in owed:
        for user in audiences.people(team, "team_lead"):
            days = (step.due_on - today).days
            when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
            key = f"stepup:{team.id}:{found.cycle.start.isoformat()}:{step.key}:due:{user.id}"
            notes.append(Note(
                user, kind="stepup.step_due", key=key,
                subject=f"{team.name}: Step-up step {step.number} is due {when}", template="stepup/emails/step_due",
                link=path_for("stepup.team", team_id=team.id),
                context={"team": team, "step": step, "when": when, "level": found.level, "cycle": found.cycle},
            ))
    return notes
