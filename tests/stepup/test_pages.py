"""Step-up pages: the board, the team's Step-up page, recording a signal, deciding a proposal; scope as 404,
role as 403; the team page's summary."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from accredit.assessments.services import today_in_london
from accredit.extensions import db
from accredit.schemes.services import current_scheme
from accredit.stepup import queries, services
from accredit.stepup.models import LevelChange, LevelProposal, RiskSignal
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from, field_error, flashed, summary_errors, table_rows
from workflows.stepup import ProposalStatus, Severity, StepupLevel


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def proposal(trust, factory) -> LevelProposal:
    """The engine's proposal to step the ward up, after a red signal yesterday."""
    factory.signal(trust.ward, Severity.RED, today_in_london() - timedelta(days=1),
                   description="Unwitnessed fall with a head injury", by=trust.quality_lead)
    found = services.review_team(trust.ward, today=today_in_london(), scheme=current_scheme())
    db.session.commit()
    return found


def _post(client, path: str, data: dict):
    token = csrf_token_from(client.get(path))
    return client.post(path, data={"csrf_token": token, **data})


def expected_states(trust) -> list[str]:
    """The four steps' states as the rules give them today (the page must show exactly these)."""
    found = queries.position(trust.ward, today_in_london(), current_scheme())
    return [step.state.capitalize() for step in found.steps]


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_stepup_pages_answer_404_to_a_quality_lead_of_another_division(client, auth, trust, proposal):
    auth.login(trust.surgery_lead)
    paths = [f"/teams/{trust.ward.id}/stepup", f"/teams/{trust.ward.id}/stepup/signals/new",
             f"/stepup/proposals/{proposal.id}"]
    assert {p: client.get(p).status_code for p in paths} == {p: 404 for p in paths}
    board = client.get("/stepup")
    assert [row[0] for row in table_rows(board)] == ["Ward 20 Surgical"]


def test_team_staff_see_the_level_and_cycle_but_not_the_risk(client, auth, trust, proposal):
    auth.login(trust.member)
    page = client.get(f"/teams/{trust.ward.id}/stepup")
    text = _text(page)
    assert page.status_code == 200
    assert "Ward 7 Respiratory: Step-up" in text and "Level Standard" in text
    assert [row[1] for row in table_rows(page)] == expected_states(trust)
    assert ("Risk score" not in text, "head injury" not in text, "waiting for a decision" not in text) == (
        True, True, True)
    statuses = [client.get(p).status_code for p in
                (f"/teams/{trust.ward.id}/stepup/signals/new", f"/stepup/proposals/{proposal.id}", "/stepup")]
    assert statuses == [403, 403, 403]
    assert 'href="/stepup"' not in client.get("/").get_data(as_text=True)


def test_the_quality_lead_sees_the_score_its_reasons_and_the_signals(client, auth, trust, proposal):
    auth.login(trust.medicine_lead)
    page = client.get(f"/teams/{trust.ward.id}/stepup")
    text = _text(page)
    assert "Risk score 30: 1 red (30 points) in the last 6 months." in text
    assert "A change of level is waiting for a decision" in text
    assert "Incident: Unwitnessed fall with a head injury" in text
    assert 'class="mermaid"' in page.get_data(as_text=True)
    steps = [row for row in table_rows(page) if len(row) == 3][:4]
    assert [row[1] for row in steps] == expected_states(trust)


def test_the_board_lists_teams_by_level_and_proposals_waiting(client, auth, trust, proposal):
    auth.login(trust.medicine_lead)
    page = client.get("/stepup")
    assert page.status_code == 200
    rows = table_rows(page)
    assert rows[0] == ["Ward 7 Respiratory", "Step up from Standard to Step up (enhanced) for Ward 7 Respiratory", "30",
                       today_in_london().strftime("%-d %B %Y")]
    assert [r[0] for r in rows[1:]] == ["Ward 7 Respiratory", "Ward 8 Cardiology"]  # both at Standard, Medicine only
    text = _text(page)
    assert "Intensive (0)" in text and "Standard (2)" in text and "Step down (light touch) (0)" in text
    home = client.get("/").get_data(as_text=True)
    assert 'href="/stepup"' in home  # "Step-up" in the header menu
    assert f'href="/stepup/proposals/{proposal.id}"' in home  # the home page task


def test_recording_a_signal_shows_each_error_beside_its_field(client, auth, trust):
    auth.login(trust.quality_lead)
    path = f"/teams/{trust.ward.id}/stepup/signals/new"
    response = _post(client, path, {"occurred_on": ""})
    assert summary_errors(response) == ["Choose the kind of signal", "Choose how serious it is",
                                        "Enter the date it happened", "Describe what happened"]
    assert field_error(response, "occurred_on") == "Enter the date it happened"
    future = (today_in_london() + timedelta(days=2)).isoformat()
    response = _post(client, path, {"kind": "staffing", "severity": "amber", "occurred_on": future,
                                    "description": "Two shifts short"})
    assert field_error(response, "occurred_on") == "The date it happened must be today or in the past"
    assert db.session.scalars(sa.select(RiskSignal)).all() == []


def test_recording_a_signal(client, auth, trust):
    auth.login(trust.quality_lead)
    day = today_in_london()
    response = _post(client, f"/teams/{trust.ward.id}/stepup/signals/new",
                     {"kind": "staffing", "severity": "amber", "occurred_on": day.isoformat(),
                      "description": "Two night shifts below safe staffing"})
    assert response.status_code == 302
    signal = db.session.scalar(sa.select(RiskSignal))
    assert (signal.team_id, signal.kind.value, signal.severity, signal.occurred_on, signal.recorded_by_id) == (
        trust.ward.id, "staffing", Severity.AMBER, day, trust.quality_lead.id)
    page = client.get(response.headers["Location"])
    assert flashed(page) == ["Signal recorded for Ward 7 Respiratory. The daily Step-up review takes it into account."]


def test_approving_on_the_proposal_page_moves_the_team(client, auth, trust, proposal):
    auth.login(trust.medicine_lead)
    path = f"/stepup/proposals/{proposal.id}"
    refused = _post(client, path, {"decision": "approve", "note": ""})
    assert field_error(refused, "note") == "Give a note saying why"
    response = _post(client, path, {"decision": "approve", "note": "Agreed with the matron"})
    assert (response.status_code, response.headers["Location"]) == (302, "/stepup")
    assert flashed(client.get("/stepup")) == ["Approved: Ward 7 Respiratory is now at Step up (enhanced)"]
    db.session.expire_all()
    change = db.session.scalar(sa.select(LevelChange))
    assert (change.to_level, change.reason, change.proposal_id) == (StepupLevel.STEP_UP, "Agreed with the matron",
                                                                    proposal.id)
    team_page = _text(client.get(f"/teams/{trust.ward.id}"))
    assert "Step-up Step up (enhanced) since" in team_page
    # Decided: the page shows the decision and no longer offers the form.
    decided = client.get(path)
    assert "Record the decision" not in decided.get_data(as_text=True)
    assert "Approved" in _text(decided) and "Agreed with the matron" in _text(decided)


def test_rejecting_on_the_proposal_page(client, auth, trust, proposal):
    auth.login(trust.quality_lead)
    response = _post(client, f"/stepup/proposals/{proposal.id}",
                     {"decision": "reject", "note": "Isolated; investigated already"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (proposal.status, proposal.decision_note, proposal.regulation.level) == (
        ProposalStatus.REJECTED, "Isolated; investigated already", StepupLevel.STANDARD)


def test_the_team_page_summarises_the_level_and_links_to_step_up(client, auth, trust):
    auth.login(trust.member)
    page = client.get(f"/teams/{trust.ward.id}")
    assert "Standard since 1 April 2020." in _text(page)
    assert f'href="/teams/{trust.ward.id}/stepup"' in page.get_data(as_text=True)


def test_an_administrator_sees_the_proposal_but_may_not_decide_it(client, auth, trust, factory, proposal):
    from accredit.roles import Role

    admin = factory.user(name="Alex Admin", role=Role.ADMIN, password=PASSWORD)
    factory.commit()
    auth.login(admin)
    path = f"/stepup/proposals/{proposal.id}"
    page = client.get(path)
    assert (page.status_code, "Record the decision" in page.get_data(as_text=True)) == (200, False)
    token = auth.csrf_token("/sign-out")
    assert client.post(path, data={"csrf_token": token, "decision": "approve", "note": "Yes"}).status_code == 403
    db.session.expire_all()
    assert proposal.status is ProposalStatus.PENDING
