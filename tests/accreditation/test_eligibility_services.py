"""Eligibility for accreditation over the edge cases, through the real visit services, and the invitation it brings."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.accreditation.services import current_eligibility
from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.visits import services
from tests.visits.conftest import password, trust, walk  # noqa: F401  (the visit fixtures)
from workflows.accreditation import ApplicationStatus
from workflows.ratings import Rating
from workflows.visit import VisitKind, VisitStatus

GOOD, OUTSTANDING, RI = Rating.GOOD, Rating.OUTSTANDING, Rating.REQUIRES_IMPROVEMENT
RULE = "needs 2 consecutive published QRVs rated Good or better"


def _checks(team) -> list[tuple[bool, str]]:
    rows = db.session.scalars(sa.select(EligibilityCheck).where(EligibilityCheck.team_id == team.id)
                              .order_by(EligibilityCheck.id))
    return [(c.is_eligible, c.explanation) for c in rows]


def _applications(team) -> list[tuple[ApplicationStatus, date, int]]:
    rows = db.session.scalars(sa.select(Application).where(Application.team_id == team.id).order_by(Application.id))
    return [(a.status, a.invitation_expires_on, a.eligibility_id) for a in rows]


def test_one_published_visit_is_not_yet_eligible(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    explanation = f"Not yet eligible: {RULE}; 1 published so far (QRV of 3 March 2026: Good)"
    assert (current_eligibility(trust.ward).value, _checks(trust.ward), _applications(trust.ward)) == (
        False, [(False, explanation)], [])


def test_good_then_ri_then_good_is_not_eligible(trust, walk):
    for day, overall in [(date(2025, 9, 9), GOOD), (date(2026, 3, 3), RI), (date(2026, 9, 9), GOOD)]:
        walk.published(day, overall)
    result = current_eligibility(trust.ward)
    assert (result.value, result.explanation) == (False, (
        f"Not eligible: {RULE}; QRV of 3 March 2026: Requires improvement; QRV of 9 September 2026: Good "
        "(below Good on 3 March 2026)"))
    assert _applications(trust.ward) == []


def test_two_good_visits_make_the_team_eligible_and_invite_it_once(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    second = walk.to(walk.plan(day=date(2026, 9, 9)), VisitStatus.PUBLISHED, OUTSTANDING, today=date(2026, 9, 10))
    explanation = "Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Outstanding"
    checks = db.session.scalars(sa.select(EligibilityCheck).order_by(EligibilityCheck.id)).all()
    assert [(c.is_eligible, c.explanation) for c in checks] == [(False, checks[0].explanation), (True, explanation)]
    assert checks[1].inputs == {
        "visits": [{"id": second.id - 1, "date": "2026-03-03", "overall": "good"},
                   {"id": second.id, "date": "2026-09-09", "overall": "outstanding"}],
        "needed": 2, "minimum": "good", "rule": "eligibility"}
    # invited on the day the report was published, for the scheme's 90 days
    assert _applications(trust.ward) == [(ApplicationStatus.INVITED, date(2026, 12, 9), checks[1].id)]
    invite = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "application.invite")).one()
    assert (invite.to_state, invite.reason, invite.actor_id) == ("invited", explanation, trust.reviewer.id)


def test_publishing_again_does_not_invite_twice(trust, walk):
    for day in (date(2026, 1, 5), date(2026, 3, 3), date(2026, 6, 1)):
        walk.published(day, GOOD)
    assert ([e for e, _ in _checks(trust.ward)], len(_applications(trust.ward))) == ([False, True, True], 1)


def test_cancelled_visit_between_does_not_count(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    cancelled = walk.to(walk.plan(day=date(2026, 6, 1)), VisitStatus.FACTUAL_ACCURACY, RI)
    services.cancel_visit(cancelled, by=trust.quality_lead, reason="The reviewers fell ill before finishing")
    walk.published(date(2026, 9, 9), GOOD)
    assert (current_eligibility(trust.ward).explanation, len(_applications(trust.ward))) == (
        "Eligible: QRV of 3 March 2026: Good; QRV of 9 September 2026: Good", 1)


def test_visit_still_in_factual_accuracy_does_not_count(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    pending = walk.to(walk.plan(day=date(2026, 9, 9)), VisitStatus.FACTUAL_ACCURACY, GOOD)
    result = current_eligibility(trust.ward)
    assert (result.value, result.explanation) == (
        False, f"Not yet eligible: {RULE}; 1 published so far (QRV of 3 March 2026: Good)")
    walk.to(pending, VisitStatus.PUBLISHED)
    assert (current_eligibility(trust.ward).value, len(_applications(trust.ward))) == (True, 1)


def test_peer_reviews_do_not_count_towards_eligibility(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    peer = walk.plan(day=date(2026, 6, 1), kind=VisitKind.PEER_REVIEW)
    services.assign_reviewer(peer, trust.reviewer, by=trust.quality_lead,
                             override_reason="No like-for-like reviewer free this quarter")
    walk.to(peer, VisitStatus.PUBLISHED, OUTSTANDING)
    assert (current_eligibility(trust.ward).value, len(_checks(trust.ward)), _applications(trust.ward)) == (
        False, 1, [])


def test_other_teams_visits_do_not_count(trust, walk):
    walk.published(date(2026, 3, 3), GOOD)
    walk.published(date(2026, 6, 1), GOOD, team=trust.sister_ward)
    assert (current_eligibility(trust.ward).value, current_eligibility(trust.sister_ward).value) == (False, False)


def test_team_with_no_visits_is_not_yet_eligible(trust):
    assert current_eligibility(trust.ward).explanation == f"Not yet eligible: {RULE}; 0 published so far"


def test_eligible_again_after_a_dip_is_invited_again_once_the_last_application_closed(trust, walk):
    walk.published(date(2025, 3, 3), GOOD)
    walk.published(date(2025, 6, 2), GOOD)
    first = db.session.scalars(sa.select(Application)).one()
    # Closing an application is the accreditation issue's service; here the row is simply closed.
    first.status, first.close_reason = ApplicationStatus.CLOSED, "The invitation lapsed"
    walk.published(date(2025, 9, 1), GOOD)  # still eligible, not newly: no second invitation
    walk.published(date(2025, 12, 1), RI)
    walk.published(date(2026, 3, 2), GOOD)
    walk.published(date(2026, 6, 1), GOOD)  # newly eligible again
    assert [s for s, _, _ in _applications(trust.ward)] == [ApplicationStatus.CLOSED, ApplicationStatus.INVITED]
