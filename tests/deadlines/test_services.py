"""Pausing a team's deadlines: the rules of a pause, ending one early, and the queries sweeps rely on."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.deadlines import queries, services
from accredit.extensions import db
from tests.notifications.fixtures import ward  # noqa: F401

REASON = "Norovirus outbreak: ward closed to admissions"


def pause(ward, first: date, last: date, reason: str = REASON, team=None):
    return services.pause_deadlines(team or ward.team, reason=reason, starts_on=first, until=last,
                                    by=ward.medicine_quality_lead)


def test_pause_covers_its_days_inclusive_and_is_audited(ward):
    made = pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    db.session.commit()
    days = [date(2026, 1, d) for d in (9, 10, 20, 21)]
    assert [queries.is_paused(ward.team.id, d) for d in days] == [False, True, True, False]
    assert [queries.is_paused(ward.other_team.id, d) for d in days] == [False] * 4
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "deadlines.pause")).one()
    assert (audit.actor_id, audit.subject_id, audit.reason) == (ward.medicine_quality_lead.id, made.id, REASON)


def test_paused_team_ids_answers_for_many_teams_at_once(ward):
    pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    pause(ward, date(2026, 1, 15), date(2026, 1, 16), team=ward.other_team)
    ids = [ward.team.id, ward.other_team.id]
    answers = {day: queries.paused_team_ids(ids, date(2026, 1, day)) for day in (12, 15, 17, 21)}
    assert answers == {12: {ward.team.id}, 15: set(ids), 17: {ward.team.id}, 21: set()}
    assert queries.paused_team_ids([], date(2026, 1, 12)) == set()


@pytest.mark.parametrize("first, last, reason, field, message", [
    (date(2026, 1, 10), date(2026, 1, 20), "  ", "reason",
     "Give the reason for the pause, for example 'Norovirus outbreak: ward closed'"),
    (date(2026, 1, 10), date(2026, 1, 20), "x" * 1001, "reason",
     "The reason must be plain text of 1000 characters or fewer"),
    (date(2026, 1, 10), date(2026, 1, 9), REASON, "until", "The end date must be the same as or after the start date"),
    (date(2026, 1, 1), date(2027, 1, 3), REASON, "until",
     "A pause can last a year at most; close the team if it has stopped for longer"),
])
def test_pause_refuses_bad_input(ward, first, last, reason, field, message):
    with pytest.raises(services.PauseError) as refused:
        pause(ward, first, last, reason)
    assert (refused.value.field, refused.value.reason) == (field, message)


def test_pause_refuses_to_overlap_another_but_may_follow_an_ended_one(ward):
    first = pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    with pytest.raises(services.PauseError) as refused:
        pause(ward, date(2026, 1, 20), date(2026, 1, 25))
    assert refused.value.reason == ("The team's deadlines are already paused from 10 January 2026 to 20 January 2026: "
                                    "end that pause first, or choose other dates")
    services.end_pause(first, by=ward.medicine_quality_lead, today=date(2026, 1, 15))
    second = pause(ward, date(2026, 1, 15), date(2026, 1, 25))
    assert (first.last_day, second.starts_on) == (date(2026, 1, 14), date(2026, 1, 15))


def test_end_pause_takes_effect_on_its_day_and_cannot_end_twice(ward):
    made = pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    services.end_pause(made, by=ward.trust_quality_lead, today=date(2026, 1, 13))
    db.session.commit()
    assert [queries.is_paused(ward.team.id, date(2026, 1, d)) for d in (12, 13)] == [True, False]
    assert (made.ended_on, made.ended_by_id, made.last_day) == (date(2026, 1, 13), ward.trust_quality_lead.id,
                                                                date(2026, 1, 12))
    with pytest.raises(services.PauseError, match="This pause has already ended"):
        services.end_pause(made, by=ward.trust_quality_lead, today=date(2026, 1, 14))


def test_cancelling_a_planned_pause_leaves_no_paused_day(ward):
    made = pause(ward, date(2026, 2, 1), date(2026, 2, 10))
    services.end_pause(made, by=ward.medicine_quality_lead, today=date(2026, 1, 20))
    assert [queries.is_paused(ward.team.id, date(2026, 2, d)) for d in (1, 5, 10)] == [False] * 3
    assert queries.pause_windows([ward.team.id], since=date(2026, 1, 1), today=date(2026, 2, 5)) == {}


def test_deadline_notice_names_the_pause_and_the_moved_deadline(ward):
    pause(ward, date(2026, 1, 10), date(2026, 1, 20))
    during = queries.deadline_notice(ward.team.id, date(2026, 1, 12), date(2026, 1, 14))
    after = queries.deadline_notice(ward.team.id, date(2026, 1, 25), date(2026, 1, 14))
    unaffected = queries.deadline_notice(ward.team.id, date(2026, 1, 25), date(2026, 1, 31))
    assert (during.pause.reason, during.extended_to) == (REASON, date(2026, 1, 20))
    assert (after.pause, after.extended_to) == (None, date(2026, 1, 20))
    assert unaffected is None
