"""Guards, not timings: the team page and a self-assessment save (issue 9's per-request benchmark) send a fixed
number of statements, however much history, evidence and people a team has.

Each was about 24 statements (scheme settings and applications read twice, the latest self-assessment loaded with
its evidence and editors to rate five domains, a save reading the whole assessment again to answer). The bounds
below are today's counts: a change that needs more should say why here.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from accredit import audit
from accredit.assessments.models import SelfAssessment
from accredit.assessments.services import save_answers
from accredit.auth.models import User
from accredit.auth.services import issue_token
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role
from tests.assessments.conftest import add_evidence, answers, this_period
from tests.statements import statements_sent
from workflows.ratings import Rating
from workflows.visit import VisitKind

#: user and roles, team with service and division, its history, the people in it, scheme, QRVs, application,
#: latest self-assessment, its ratings, latest visit with its ratings, unread notifications, deadline pause,
#: Step-up level, award (a team with a Step-up level row has its proposals read too: one more)
TEAM_PAGE_STATEMENTS = 14
#: token with user and roles, assessment with team and framework, answers with standards, their evidence, the two
#: UPDATEs (assessment version, answer), history with its actors, scheme
SAVE_STATEMENTS = 8


def _statements(call: Callable[[], Any]) -> tuple[Any, int]:
    """(what `call` returned, statements sent), starting from an empty session as a request in production does."""
    db.session.remove()
    with statements_sent() as sent:
        result = call()
    return result, len(sent)


@pytest.fixture
def team(app, factory) -> Any:
    import_shipped_frameworks()
    team = factory.team(opened_on=date(2020, 4, 1))
    factory.commit()
    return team


def _grow(factory, team: Any, months: range, people: int) -> None:
    """More of everything the team page reads: submitted self-assessments, published QRVs and peer reviews, and
    changes to the team by `people` different people."""
    for back in months:
        factory.self_assessment(team, this_period().start - timedelta(days=31 * back), Rating.GOOD,
                                submitted_on=this_period().start - timedelta(days=31 * back - 10))
        factory.review(team, this_period().start - timedelta(days=31 * back - 3), Rating.GOOD,
                       kind=VisitKind.QRV if back % 2 else VisitKind.PEER_REVIEW)
    for _ in range(people):
        audit.record("team.update", team, by=factory.user(), data={"why": "a guard test"})
    factory.commit()


def test_team_page_statements_do_not_grow_with_history(client, auth, factory, team):
    lead = factory.user(role=Role.TEAM_LEAD, scope=team)
    team_id = team.id
    _grow(factory, team, range(1, 3), people=1)
    auth.login(lead)
    client.get(f"/teams/{team_id}")  # the first request of a session warms per-process caches
    small = _statements(lambda: client.get(f"/teams/{team_id}"))
    _grow(factory, db.session.get(Team, team_id), range(3, 15), people=12)
    large = _statements(lambda: client.get(f"/teams/{team_id}"))
    assert (small[0].status_code, large[0].status_code) == (200, 200)
    assert b"Good" in large[0].data  # the comparison table has the self-assessed ratings
    assert large[1] == small[1]
    assert small[1] <= TEAM_PAGE_STATEMENTS


def test_save_statements_do_not_grow_with_evidence_or_history(client, factory, team):
    lead = factory.user(role=Role.TEAM_LEAD, scope=team)
    raw, _ = issue_token(lead)
    assessment = factory.self_assessment(team, this_period().start)
    save_answers(assessment, answers({"S1": Rating.GOOD}), by=lead)  # in progress: the save starts nothing
    factory.commit()
    assessment_id, team_id, lead_id = assessment.id, team.id, lead.id
    headers = {"Authorization": f"Bearer {raw}"}

    def save(n: int) -> Any:
        version = db.session.get(SelfAssessment, assessment_id).version
        body = {"version": version, "responses": [{"standard": "S2", "rating": "good", "narrative": f"Save {n}"}]}
        return _statements(lambda: client.put(f"/api/v1/self-assessments/{assessment_id}/responses", json=body,
                                              headers=headers))

    small = save(1)
    assessment = db.session.get(SelfAssessment, assessment_id)
    team, lead = db.session.get(Team, team_id), db.session.get(User, lead_id)
    for n, response in enumerate(assessment.responses[:12]):  # evidence on many answers, history by many people
        item = add_evidence(team, lead, title=f"Audit {n}")
        save_answers(assessment, answers({response.standard.code: Rating.GOOD}, evidence_ids=[item.id]),
                     by=factory.user(role=Role.TEAM_MEMBER, scope=team))
        audit.record("assessment.return_to_team", assessment, by=factory.user(), from_state="submitted",
                     to_state="in_progress", reason="a guard test")
        factory.commit()
    large = save(2)
    assert (small[0].status_code, large[0].status_code) == (200, 200)
    assert len(large[0].get_json()["history"]) == 14  # opened, started, then twelve returns
    assert large[1] == small[1]
    assert small[1] <= SAVE_STATEMENTS
