"""Granting, replacing, suspending (by a later published QRV, through the real visit services), reinstating."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accredit.actions.models import Action, ActionSource
from accredit.audit import AuditEvent
from accredit.awards import queries
from accredit.awards.models import Award
from accredit.awards.services import AwardError, grant_award, reinstate_award
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.schemes.services import change_scheme
from tests.awards.conftest import OUTSTANDING_TEAM_RATINGS
from workflows.accreditation import AwardKind, AwardStatus
from workflows.action import ActionStatus
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Domain, Rating

O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE


def audit_actions(award: Award) -> list[tuple[str, str | None, str | None]]:
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_type == "awards",
                                                          AuditEvent.subject_id == award.id).order_by(AuditEvent.id))
    return [(r.action, r.from_state, r.to_state) for r in rows]


def notifications(kind: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id))
    return [(r.recipient.name, r.subject) for r in rows]


def test_grant_award_is_active_for_twelve_months_with_ratings_and_audit(granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    assert (award.status, award.kind, award.team_id) == (AwardStatus.ACTIVE, AwardKind.OUTSTANDING_TEAM, trust.ward.id)
    assert (award.granted_on, award.valid_until) == (date(2026, 3, 2), date(2027, 3, 2))
    assert award.validity_explanation == "Valid until 2 March 2027: 12 months from the decision of 2 March 2026"
    assert award.explanation == ("Outstanding Team: Outstanding in Safe and Caring (2 of 2 needed); "
                                 "no domain below Good")
    assert award.domain_ratings() == list(OUTSTANDING_TEAM_RATINGS.items())
    assert (award.chair_name, award.chair_id) == ("Chris Chair", granter.chair.id)
    assert audit_actions(award) == [("award.grant", None, "active")]
    assert notifications("award.granted") == [("Sam Sister", "Ward 7 Respiratory: Outstanding Team award granted")]


def test_grant_award_validity_follows_the_scheme_setting(granter, trust):
    change_scheme({"award_valid_months": 6}, by=trust.quality_lead)
    award = granter.grant(decided_on=date(2028, 8, 31))
    assert award.valid_until == date(2029, 2, 28)
    assert award.validity_explanation == ("Valid until 28 February 2029: 6 months from the decision of 31 August 2028 "
                                          "(February 2029 has no day 31: its last day instead)")


def test_grant_award_on_29_february_is_valid_until_28_february(granter):
    assert granter.grant(decided_on=date(2028, 2, 29)).valid_until == date(2029, 2, 28)


def test_grant_award_refuses_missing_domain(granter, trust):
    ratings = dict(OUTSTANDING_TEAM_RATINGS)
    del ratings[Domain.RESPONSIVE]
    with pytest.raises(AwardError) as refused:
        grant_award(granter.application(trust.ward, date(2026, 3, 2)), kind=AwardKind.OUTSTANDING_TEAM,
                    ratings=ratings, explanation="x", decided_on=date(2026, 3, 2), chair=granter.chair,
                    by=trust.quality_lead)
    assert (refused.value.reason, refused.value.field) == (
        "Every domain needs a rating; missing: Responsive", "ratings")
    assert db.session.scalars(sa.select(Award)).all() == []


@pytest.mark.parametrize("first_state", [AwardStatus.ACTIVE, AwardStatus.SUSPENDED])
def test_a_new_decision_on_the_same_application_replaces_the_earlier_award(granter, trust, first_state):
    first = granter.grant(decided_on=date(2026, 3, 2))
    if first_state is AwardStatus.SUSPENDED:
        from accredit.awards.services import suspend_award

        suspend_award(first, reason="QRV rated Requires improvement", by=trust.quality_lead, today=date(2026, 4, 1))
    second = granter.grant(decided_on=date(2026, 5, 20), application=first.application,
                           ratings=dict.fromkeys(Domain, O))
    assert (first.status, first.ended_on, first.ended_reason) == (
        AwardStatus.EXPIRED, date(2026, 5, 20), "replaced by the decision of 20 May 2026")
    assert (second.status, second.kind, second.valid_until) == (AwardStatus.ACTIVE, AwardKind.EXCELLING_TEAM,
                                                                date(2027, 5, 20))
    assert audit_actions(first)[-1] == ("award.expire", first_state.value, "expired")
    assert queries.current_award(trust.ward.id) is second
    assert [first.is_held_on(date(2026, 5, 19)), first.is_held_on(date(2026, 5, 20))] == [
        first_state is AwardStatus.ACTIVE, False]


def test_published_qrv_below_good_suspends_and_opens_a_support_plan(granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    visit = walk.published(date(2026, 9, 9), RI)
    assert award.status is AwardStatus.SUSPENDED
    [suspension] = award.suspensions
    assert (suspension.suspended_on, suspension.visit_id, suspension.reinstated_on) == (
        date(2026, 9, 9), visit.id, None)
    assert suspension.reason == ("Suspended: a published QRV rated Requires improvement overall is below Good "
                                 "(Quality Review Visit on 9 September 2026)")
    assert audit_actions(award) == [("award.grant", None, "active"), ("award.suspend", "active", "suspended")]
    assert notifications("award.suspended") == [
        ("Sam Sister", "Ward 7 Respiratory: the Outstanding Team award is suspended")]
    plan = db.session.scalars(sa.select(Action).where(Action.source == ActionSource.SUPPORT_PLAN)
                              .order_by(Action.id)).all()
    assert [(a.title, a.domain, a.owner.name, a.due_on, a.visit_id, a.status, a.finding) for a in plan] == [
        ("Support plan: bring Safe back to Good", Domain.SAFE, "Sam Sister", date(2026, 10, 7), visit.id,
         ActionStatus.OPEN, "Safe: what we saw"),
        ("Support plan: bring Effective back to Good", Domain.EFFECTIVE, "Sam Sister", date(2026, 10, 7), visit.id,
         ActionStatus.OPEN, "Effective: what we saw"),
    ]
    assert [award.is_held_on(date(2026, 9, 8)), award.is_held_on(date(2026, 9, 9))] == [True, False]


@pytest.mark.parametrize("overall", [G, O])
def test_published_qrv_good_or_better_leaves_the_award_alone(granter, walk, overall):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), overall)
    assert (award.status, award.suspensions) == (AwardStatus.ACTIVE, [])
    assert db.session.scalars(sa.select(Action)).all() == []


def test_published_qrv_of_another_team_leaves_the_award_alone(granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), RI, team=trust.sister_ward)
    assert award.status is AwardStatus.ACTIVE


def test_suspension_floor_is_a_scheme_setting(granter, trust, walk):
    change_scheme({"award_suspension_floor": "outstanding"}, by=trust.quality_lead)
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), G)
    assert award.status is AwardStatus.SUSPENDED
    assert award.suspensions[0].reason.startswith("Suspended: a published QRV rated Good overall is below Outstanding")


def test_second_visit_below_good_while_suspended_changes_nothing(granter, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), RI)
    walk.published(date(2026, 10, 14), RI)
    assert (award.status, len(award.suspensions)) == (AwardStatus.SUSPENDED, 1)
    assert db.session.scalar(sa.select(sa.func.count(Action.id))) == 2


def test_reinstate_with_reason_reactivates_and_closes_the_suspension(granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), RI)
    reinstate_award(award, reason="Follow-up QRV rated Good", by=trust.quality_lead, today=date(2026, 11, 2))
    [suspension] = award.suspensions
    assert award.status is AwardStatus.ACTIVE
    assert (suspension.reinstated_on, suspension.reinstate_reason, suspension.reinstated_by_id) == (
        date(2026, 11, 2), "Follow-up QRV rated Good", trust.quality_lead.id)
    assert audit_actions(award)[-1] == ("award.reinstate", "suspended", "active")
    assert [award.is_held_on(d) for d in (date(2026, 9, 8), date(2026, 10, 1), date(2026, 11, 2))] == [
        True, False, True]
    held = queries.held_on(date(2026, 10, 1))
    assert (held, queries.held_on(date(2026, 11, 2))) == ([], [award])


def test_reinstate_needs_a_reason(granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), RI)
    with pytest.raises(GuardRefused) as refused:
        reinstate_award(award, reason="  ", by=trust.quality_lead, today=date(2026, 11, 2))
    assert (refused.value.reasons, award.status) == (["Give a reason"], AwardStatus.SUSPENDED)


def test_reinstate_an_active_award_is_illegal(granter, trust):
    award = granter.grant(decided_on=date(2026, 3, 2))
    with pytest.raises(IllegalTrigger) as refused:
        reinstate_award(award, reason="why not", by=trust.quality_lead, today=date(2026, 4, 2))
    assert refused.value.reason == "'reinstate' is not allowed from 'active'; allowed: suspend, expire"


def test_reinstate_with_a_stale_version_is_refused(granter, trust, walk):
    award = granter.grant(decided_on=date(2026, 3, 2))
    walk.published(date(2026, 9, 9), RI)
    with pytest.raises(AwardError) as refused:
        reinstate_award(award, reason="ok", by=trust.quality_lead, today=date(2026, 11, 2), version=award.version - 1)
    assert (refused.value.field, award.status) == ("version", AwardStatus.SUSPENDED)


def test_overridden_overall_below_good_plans_for_the_lowest_rated_domains(granter, trust, walk):
    from accredit.visits import services as visits
    from workflows.visit import VisitStatus

    award = granter.grant(decided_on=date(2026, 3, 2))
    visit = walk.to(walk.plan(day=date(2026, 9, 9)), VisitStatus.IN_PROGRESS)
    walk.rate(visit, {**dict.fromkeys(Domain, G), Domain.CARING: O}, overall=RI,
              override_reason="Staffing gaps put patients at risk")
    visits.draft_report(visit, by=trust.reviewer)
    walk.to(visit, VisitStatus.PUBLISHED)
    assert award.status is AwardStatus.SUSPENDED
    plan = db.session.scalars(sa.select(Action).order_by(Action.id)).all()
    assert [a.domain for a in plan] == [Domain.SAFE, Domain.EFFECTIVE, Domain.RESPONSIVE, Domain.WELL_LED]


def test_support_plan_owned_by_a_quality_lead_when_the_team_has_no_lead(granter, trust, walk, factory):
    from accredit.auth.services import revoke_role

    award = granter.grant(decided_on=date(2026, 3, 2))
    for grant in list(trust.lead.roles):
        revoke_role(grant, by=trust.quality_lead)
    walk.published(date(2026, 9, 9), RI)
    assert award.status is AwardStatus.SUSPENDED
    owners = db.session.scalars(sa.select(Action.owner_id)).all()
    assert owners == [trust.quality_lead.id, trust.quality_lead.id]
