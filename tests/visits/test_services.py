"""Visit services: every transition through its service, with its side effects, guards and refusals."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.org import services as org
from accredit.visits import services
from accredit.visits.models import Visit
from tests.visits.conftest import RATINGS_FOR
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind, VisitStatus


def _audit(visit: Visit) -> list[tuple[str, str | None, str | None, str | None]]:
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_type == "visits",
                                                          AuditEvent.subject_id == visit.id).order_by(AuditEvent.id))
    return [(r.action, r.from_state, r.to_state, r.reason) for r in rows]


def test_plan_visit_stores_kind_date_scheme_and_audit(trust):
    visit = services.plan_visit(trust.ward, VisitKind.PEER_REVIEW, date(2026, 3, 3), by=trust.quality_lead)
    assert (visit.status, visit.kind, visit.visit_date, visit.scheme_version, visit.planned_by_id) == (
        VisitStatus.PLANNED, VisitKind.PEER_REVIEW, date(2026, 3, 3), "1", trust.quality_lead.id)
    assert _audit(visit) == [("visit.plan", None, "planned", None)]


def test_plan_visit_refuses_closed_team(trust):
    org.close_team(trust.ward, by=trust.quality_lead, reason="Refurbishment")
    with pytest.raises(services.VisitError, match="^Ward 7 Respiratory is closed: only active teams can be visited$"):
        services.plan_visit(trust.ward, VisitKind.QRV, date(2026, 3, 3), by=trust.quality_lead)


def test_schedule_visit_needs_a_reviewer(walk):
    visit = walk.plan()
    with pytest.raises(GuardRefused) as refused:
        services.schedule_visit(visit, by=walk.trust.quality_lead)
    assert (refused.value.reasons, visit.status) == (["Assign at least one reviewer"], VisitStatus.PLANNED)


def test_visit_walks_from_planned_to_published_with_audit(walk):
    trust = walk.trust
    visit = walk.to(walk.plan(), VisitStatus.PUBLISHED, Rating.OUTSTANDING, today=date(2026, 3, 4))
    stamps = [visit.scheduled_at, visit.started_at, visit.drafted_at, visit.sent_at, visit.team_comments_closed_at,
              visit.published_at]
    assert (visit.status, visit.published_by_id, [s is not None for s in stamps]) == (
        VisitStatus.PUBLISHED, trust.reviewer.id, [True] * 6)
    assert [row for row in _audit(visit) if row[2]] == [
        ("visit.plan", None, "planned", None), ("visit.schedule", "planned", "scheduled", None),
        ("visit.start", "scheduled", "in_progress", None), ("visit.draft", "in_progress", "draft_report", None),
        ("visit.send", "draft_report", "factual_accuracy", None),
        ("visit.publish", "factual_accuracy", "published", None),
    ]


def test_draft_report_names_every_unrated_domain(walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    walk.rate(visit, {Domain.SAFE: Rating.GOOD, Domain.CARING: Rating.GOOD})
    with pytest.raises(GuardRefused) as refused:
        services.draft_report(visit, by=walk.trust.reviewer)
    assert refused.value.reasons == ["Rate Effective, Responsive, Well-led; Give the overall rating"]


def test_send_report_counts_ten_working_days_over_christmas(walk):
    visit = walk.to(walk.plan(day=date(2026, 12, 16)), VisitStatus.DRAFT_REPORT)
    services.send_report(visit, by=walk.trust.reviewer, today=date(2026, 12, 18))
    # 25 and 28 December (Boxing Day's substitute) and 1 January are bank holidays; weekends never count.
    assert (visit.status, visit.factual_accuracy_due) == (VisitStatus.FACTUAL_ACCURACY, date(2027, 1, 6))


@pytest.mark.parametrize(("ratings", "computed"), [
    (RATINGS_FOR[Rating.OUTSTANDING], Rating.OUTSTANDING),
    (RATINGS_FOR[Rating.GOOD], Rating.GOOD),
    (RATINGS_FOR[Rating.REQUIRES_IMPROVEMENT], Rating.REQUIRES_IMPROVEMENT),
    ({**RATINGS_FOR[Rating.GOOD], Domain.SAFE: Rating.INADEQUATE}, Rating.REQUIRES_IMPROVEMENT),
], ids=["outstanding", "good", "two-ri", "one-inadequate"])
def test_save_ratings_computes_overall_by_cqc_principles(walk, ratings, computed):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    walk.rate(visit, ratings)
    assert (visit.overall_computed, visit.overall_rating, visit.overall_overridden) == (computed, computed, False)


def test_save_ratings_leaves_overall_unset_until_every_domain_is_rated(walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    changed = walk.rate(visit, {Domain.SAFE: Rating.GOOD})
    assert (changed, visit.overall_computed, visit.overall_rating, visit.unrated_domains()) == (
        [Domain.SAFE], None, None, ["Effective", "Caring", "Responsive", "Well-led"])


def test_save_ratings_override_needs_a_reason_and_changes_nothing_without(walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    walk.rate(visit, RATINGS_FOR[Rating.GOOD])
    version = visit.version
    with pytest.raises(services.VisitError) as refused:
        walk.rate(visit, {Domain.SAFE: Rating.OUTSTANDING}, overall=Rating.OUTSTANDING)
    assert (refused.value.reason, refused.value.field) == (
        "Give a reason for rating it Outstanding overall when the ratings give Good", "override_reason")
    assert (visit.rating_for(Domain.SAFE).rating, visit.overall_rating, visit.version) == (Rating.GOOD, Rating.GOOD,
                                                                                            version)


def test_save_ratings_override_is_recorded_with_its_reason(walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    walk.rate(visit, RATINGS_FOR[Rating.GOOD], overall=Rating.OUTSTANDING, override_reason="Exceptional leadership")
    assert (visit.overall_computed, visit.overall_rating, visit.overall_overridden, visit.override_reason) == (
        Rating.GOOD, Rating.OUTSTANDING, True, "Exceptional leadership")
    assert _audit(visit)[-1] == ("visit.save_ratings", None, None, "Exceptional leadership")
    walk.rate(visit, {}, overall=None)  # back to the computed rating: the override and its reason go
    assert (visit.overall_rating, visit.overall_overridden, visit.override_reason) == (Rating.GOOD, False, None)


def test_save_ratings_after_the_draft_keeps_every_domain_rated(walk):
    visit = walk.to(walk.plan(), VisitStatus.DRAFT_REPORT)
    with pytest.raises(services.VisitError, match="^Every domain must stay rated once the report is drafted$"):
        walk.rate(visit, {Domain.SAFE: None})
    walk.rate(visit, {Domain.SAFE: Rating.REQUIRES_IMPROVEMENT})
    assert (visit.rating_for(Domain.SAFE).rating, visit.overall_rating) == (Rating.REQUIRES_IMPROVEMENT, Rating.GOOD)


@pytest.mark.parametrize("state", [VisitStatus.PLANNED, VisitStatus.SCHEDULED, VisitStatus.PUBLISHED])
def test_save_ratings_refused_outside_the_rating_states(walk, state):
    visit = walk.to(walk.plan(), state)
    with pytest.raises(services.VisitError, match="^The ratings cannot be changed once the visit is "):
        walk.rate(visit, {Domain.SAFE: Rating.GOOD})


def test_comment_on_report_saves_then_finishes(walk):
    trust = walk.trust
    visit = walk.to(walk.plan(), VisitStatus.FACTUAL_ACCURACY, today=date(2026, 3, 4))
    services.comment_on_report(visit, "  The ward has 28 beds, not 24.  ", by=trust.lead, today=date(2026, 3, 5))
    assert (visit.team_comments, visit.team_comments_closed_at) == ("The ward has 28 beds, not 24.", None)
    services.comment_on_report(visit, "", by=trust.lead, today=date(2026, 3, 6), finished=True)
    assert (visit.team_comments, visit.team_comments_closed_at is not None) == ("The ward has 28 beds, not 24.", True)
    with pytest.raises(services.VisitError, match="^The team lead has already said there are no further comments$"):
        services.comment_on_report(visit, "One more thing", by=trust.lead, today=date(2026, 3, 6))


def test_comment_on_report_refused_after_the_due_date(walk):
    visit = walk.to(walk.plan(), VisitStatus.FACTUAL_ACCURACY, today=date(2026, 3, 4))
    assert visit.factual_accuracy_due == date(2026, 3, 18)
    with pytest.raises(services.VisitError, match="^The factual accuracy period closed on 18 March 2026$"):
        services.comment_on_report(visit, "Late", by=walk.trust.lead, today=date(2026, 3, 19))


def test_comment_on_report_needs_comments_or_finished(walk):
    visit = walk.to(walk.plan(), VisitStatus.FACTUAL_ACCURACY, today=date(2026, 3, 4))
    with pytest.raises(services.VisitError) as refused:
        services.comment_on_report(visit, "  ", by=walk.trust.lead, today=date(2026, 3, 4))
    assert (refused.value.reason, refused.value.field) == (
        "Enter your comments, or say that you have no further comments", "comments")


def test_publish_waits_for_the_team_lead_or_the_due_date(walk):
    visit = walk.to(walk.plan(), VisitStatus.FACTUAL_ACCURACY, today=date(2026, 3, 4))
    with pytest.raises(GuardRefused) as refused:
        services.publish_report(visit, by=walk.trust.reviewer, today=date(2026, 3, 18))
    assert refused.value.reasons == ["The team lead can comment on factual accuracy until 18 March 2026"]
    services.publish_report(visit, by=walk.trust.reviewer, today=date(2026, 3, 19))
    assert visit.status is VisitStatus.PUBLISHED


@pytest.mark.parametrize("state", [VisitStatus.PLANNED, VisitStatus.IN_PROGRESS, VisitStatus.FACTUAL_ACCURACY])
def test_cancel_visit_records_the_reason(walk, state):
    visit = walk.to(walk.plan(), state)
    services.cancel_visit(visit, by=walk.trust.quality_lead, reason=" Ward closed for an outbreak ")
    assert (visit.status, visit.cancel_reason, visit.cancelled_at is not None) == (
        VisitStatus.CANCELLED, "Ward closed for an outbreak", True)
    assert _audit(visit)[-1] == ("visit.cancel", state.value, "cancelled", "Ward closed for an outbreak")


def test_cancel_visit_needs_a_reason(walk):
    visit = walk.plan()
    with pytest.raises(GuardRefused) as refused:
        services.cancel_visit(visit, by=walk.trust.quality_lead, reason="  ")
    assert (refused.value.reasons, visit.status) == (["Give a reason"], VisitStatus.PLANNED)


def test_cancel_visit_refused_once_published(walk):
    visit = walk.to(walk.plan(), VisitStatus.PUBLISHED)
    with pytest.raises(IllegalTrigger):
        services.cancel_visit(visit, by=walk.trust.quality_lead, reason="Too late")
    assert visit.status is VisitStatus.PUBLISHED


def test_remove_reviewer_keeps_the_last_one_of_a_scheduled_visit(walk):
    trust = walk.trust
    visit = walk.to(walk.plan(), VisitStatus.SCHEDULED)
    with pytest.raises(services.VisitError, match="^A scheduled visit needs at least one reviewer"):
        services.remove_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    assert visit.reviewer_ids() == [trust.reviewer.id]


def test_remove_reviewer_from_planned_visit(walk):
    trust = walk.trust
    visit = walk.plan()
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    services.remove_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    assert (visit.reviewer_ids(), [a for a, *_ in _audit(visit)]) == (
        [], ["visit.plan", "visit.assign_reviewer", "visit.remove_reviewer"])


def test_reviewer_changes_bump_the_visit_version(walk):
    trust = walk.trust
    visit = walk.plan()
    before = visit.version
    services.assign_reviewer(visit, trust.reviewer, by=trust.quality_lead)
    assert visit.version == before + 1


# --- Actions raised at a visit ------------------------------------------------------------------------------------


def _raise(walk, visit, **overrides):
    fields = {"title": "Check the resuscitation trolley daily", "finding": "Two days missed in October",
              "domain": Domain.SAFE, "owner": walk.trust.lead, "due_on": date(2026, 4, 30), "today": date(2026, 3, 3)}
    return services.raise_visit_action(visit, by=walk.trust.reviewer, **{**fields, **overrides})


def test_raise_visit_action_puts_it_in_the_teams_plan(walk):
    from accredit.actions.models import ActionSource
    from workflows.action import ActionStatus

    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    action = _raise(walk, visit)
    assert (action.team_id, action.source, action.visit_id, action.owner_id, action.domain, action.status,
            action.finding, action.created_by_id) == (
        walk.trust.ward.id, ActionSource.VISIT, visit.id, walk.trust.lead.id, Domain.SAFE, ActionStatus.OPEN,
        "Two days missed in October", walk.trust.reviewer.id)


def test_raise_visit_action_refuses_an_owner_from_another_team(walk):
    visit = walk.to(walk.plan(), VisitStatus.IN_PROGRESS)
    with pytest.raises(services.VisitError) as refused:
        _raise(walk, visit, owner=walk.trust.outsider)
    assert (refused.value.reason, refused.value.field) == (
        "Olly Outsider cannot own an action of Ward 7 Respiratory: choose one of its staff", "owner")


@pytest.mark.parametrize("state", [VisitStatus.SCHEDULED, VisitStatus.PUBLISHED])
def test_raise_visit_action_refused_before_the_visit_or_after_publishing(walk, state):
    visit = walk.to(walk.plan(), state)
    with pytest.raises(services.VisitError, match="^Actions cannot be raised once the visit is "):
        _raise(walk, visit)
