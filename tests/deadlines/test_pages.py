"""The quality lead's pause page, and the pause shown on the team page and beside the self-assessment's due date."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from accredit.assessments.services import today_in_london
from accredit.deadlines import services
from accredit.deadlines.models import DeadlinePause
from accredit.extensions import db
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors, table_rows
from tests.notifications.fixtures import open_assessment, ward  # noqa: F401

REASON = "Norovirus outbreak: ward closed to admissions"


def long(day) -> str:
    return day.strftime("%-d %B %Y")


def pauses() -> list[tuple]:
    db.session.expire_all()
    return [(p.team_id, p.reason, p.starts_on, p.ends_on, p.ended_on)
            for p in db.session.scalars(sa.select(DeadlinePause).order_by(DeadlinePause.id))]


def test_quality_lead_pauses_a_teams_deadlines(client, auth, ward):
    today = today_in_london()
    auth.login(ward.medicine_quality_lead)
    page = client.get(f"/teams/{ward.team.id}/deadlines")
    assert (page.status_code, f'value="{today.isoformat()}"' in page.get_data(as_text=True)) == (200, True)
    data = {"csrf_token": csrf_token_from(page), "reason": REASON, "starts_on": today.isoformat(),
            "until": (today + timedelta(days=10)).isoformat()}
    done = client.post(f"/teams/{ward.team.id}/deadlines", data=data, follow_redirects=True)
    assert flashed(done) == [f"Ward 7's deadlines are paused until {long(today + timedelta(days=10))}"]
    assert table_rows(done)[0][2].startswith("Paused now")
    assert pauses() == [(ward.team.id, REASON, today, today + timedelta(days=10), None)]


def test_pause_form_shows_errors_beside_fields_and_keeps_what_was_typed(client, auth, ward):
    today = today_in_london()
    auth.login(ward.trust_quality_lead)
    token = csrf_token_from(client.get(f"/teams/{ward.team.id}/deadlines"))
    backwards = client.post(f"/teams/{ward.team.id}/deadlines", data={
        "csrf_token": token, "reason": REASON, "starts_on": today.isoformat(),
        "until": (today - timedelta(days=1)).isoformat()})
    assert field_error(backwards, "until") == "The end date must be the same as or after the start date"
    assert REASON in backwards.get_data(as_text=True)
    empty = client.post(f"/teams/{ward.team.id}/deadlines", data={"csrf_token": token, "reason": "",
                                                                   "starts_on": "31/02/2026", "until": ""})
    assert summary_errors(empty) == ["Give the reason for the pause",
                                     "First paused day must be a real date, for example 14 March 2026",
                                     "Enter the last paused day"]
    assert pauses() == []


def test_pause_is_shown_on_the_team_page_to_everyone_who_sees_the_team(client, auth, ward):
    today = today_in_london()
    services.pause_deadlines(ward.team, reason=REASON, starts_on=today, until=today + timedelta(days=3),
                             by=ward.medicine_quality_lead)
    db.session.commit()
    auth.login(ward.nurse)
    html = client.get(f"/teams/{ward.team.id}").get_data(as_text=True)
    assert f"Deadlines paused until {long(today + timedelta(days=3))}</strong>: {REASON}." in html
    assert "Pause or extend deadlines" not in html
    auth.logout()
    auth.login(ward.medicine_quality_lead)
    assert "Pause or extend deadlines" in client.get(f"/teams/{ward.team.id}").get_data(as_text=True)


def test_pause_is_shown_beside_the_self_assessment_due_date(client, auth, ward):
    today = today_in_london()
    assessment = open_assessment(ward.team, today - timedelta(days=1), today + timedelta(days=30),
                                 today + timedelta(days=2))
    services.pause_deadlines(ward.team, reason=REASON, starts_on=today, until=today + timedelta(days=5),
                             by=ward.medicine_quality_lead)
    db.session.commit()
    auth.login(ward.lead)
    html = client.get(f"/self-assessments/{assessment.id}").get_data(as_text=True)
    assert f"Due {long(today + timedelta(days=2))}" in html
    assert f"The pause moves this deadline to <strong>{long(today + timedelta(days=5))}</strong>." in html
    assert f"{REASON}. No reminders are sent while the pause lasts." in html


def test_quality_lead_ends_a_pause_early(client, auth, ward):
    today = today_in_london()
    made = services.pause_deadlines(ward.team, reason=REASON, starts_on=today - timedelta(days=2),
                                    until=today + timedelta(days=5), by=ward.medicine_quality_lead)
    db.session.commit()
    auth.login(ward.medicine_quality_lead)
    token = csrf_token_from(client.get(f"/teams/{ward.team.id}/deadlines"))
    ended = client.post(f"/teams/{ward.team.id}/deadlines/{made.id}/end", data={"csrf_token": token},
                        follow_redirects=True)
    assert flashed(ended) == ["The pause has ended: Ward 7's deadlines run again from today"]
    assert pauses()[0][4] == today
    again = client.post(f"/teams/{ward.team.id}/deadlines/{made.id}/end", data={"csrf_token": token},
                        follow_redirects=True)
    assert flashed(again) == ["This pause has already ended"]


def test_pause_pages_answer_403_to_the_team_and_404_outside_scope(client, auth, ward):
    today = today_in_london()
    made = services.pause_deadlines(ward.other_team, reason=REASON, starts_on=today, until=today,
                                    by=ward.surgery_quality_lead)
    db.session.commit()
    data = {"reason": REASON, "starts_on": today.isoformat(), "until": today.isoformat()}
    answers = {}
    for who in (ward.lead, ward.medicine_quality_lead):
        auth.login(who)
        data["csrf_token"] = csrf_token_from(client.get("/account"))
        answers[who.email] = [
            client.get(f"/teams/{ward.team.id}/deadlines").status_code,
            client.post(f"/teams/{ward.team.id}/deadlines", data=data).status_code,
            client.get(f"/teams/{ward.other_team.id}/deadlines").status_code,
            client.post(f"/teams/{ward.other_team.id}/deadlines/{made.id}/end", data=data).status_code,
            client.post(f"/teams/{ward.team.id}/deadlines/{made.id}/end", data=data).status_code,
        ]
        auth.logout()
    assert answers == {"lead@test.nhs.uk": [403, 403, 404, 404, 403],
                       "medql@test.nhs.uk": [200, 302, 404, 404, 404]}
    assert [(p[0], p[4]) for p in pauses()] == [(ward.other_team.id, None), (ward.team.id, None)]
