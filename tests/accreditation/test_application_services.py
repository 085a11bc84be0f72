"""The application through its services: invitation, portfolio, pre-panel, panel quorum and conflicts, the
decision (recomputable, immutable), the improvement plan or the award, and appeals."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from accredit.accreditation import appeals, panels, portfolio, prepanel
from accredit.accreditation.common import ApplicationError, ConflictRefused
from accredit.accreditation.models import Application, PanelDecision, PanelMember, PanelStage, Verdict
from accredit.accreditation.queries import latest_application
from accredit.actions.models import Action, ActionSource
from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.roles import Role
from tests.accreditation.conftest import ALL_GOOD, EXCELLING, REASONS, add_evidence
from workflows.accreditation import ApplicationStatus as S
from workflows.base import GuardRefused
from workflows.ratings import Domain, Rating

TODAY = date(2026, 10, 1)


def _notified(kind: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id))
    return [(n.recipient.name, n.subject) for n in rows]


def _actions(prefix: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%"))
                                   .order_by(AuditEvent.id)))


def test_latest_application_is_the_live_one_else_the_newest(trust, app_walk):
    assert latest_application(trust.ward.id) is None
    live = app_walk.invited()

    def closed(year: int) -> Application:
        application = Application(team_id=trust.ward.id, status=S.CLOSED, eligibility_id=live.eligibility_id,
                                  invited_at=datetime(year, 1, 5, tzinfo=UTC), invitation_expires_on=date(year, 4, 5),
                                  scheme_version="1", closed_at=datetime(year, 4, 6, tzinfo=UTC), close_reason="Lapsed")
        db.session.add(application)
        return application

    older, newer = closed(2023), closed(2024)
    live.invited_at = datetime(2022, 1, 5, tzinfo=UTC)  # older than both: live comes first all the same
    db.session.flush()
    assert latest_application(trust.ward.id) is live
    live.status = S.CLOSED
    db.session.flush()
    assert latest_application(trust.ward.id) is newer


def test_invitation_notifies_the_team_lead_once(trust, app_walk):
    application = app_walk.invited()
    assert (application.status, application.invitation_expires_on) == (S.INVITED, date(2026, 12, 9))
    assert _notified("application.invited") == [("Sam Sister", "Ward 7 Respiratory is invited to apply for accreditation")]


def test_start_assembles_against_the_accreditation_standards(trust, app_walk):
    application = app_walk.preparing()
    assert (application.status, application.framework_version.framework.key, len(application.standards)) == (
        S.PREPARING, "accreditation-standards", 20)
    assert application.standards[0].steeep == ["safe", "timely"]


def test_submit_needs_every_standard_with_evidence_and_a_statement(trust, app_walk):
    application = app_walk.preparing()
    app_walk.fill(application, skip=("AS2", "AW4"))
    portfolio.save_entry(application, "AS3", statement="", evidence_ids=[app_walk.evidence().id], by=trust.lead)
    assert application.incomplete_standards() == ["AS2", "AS3", "AW4"]
    with pytest.raises(GuardRefused) as refused:
        portfolio.submit_application(application, by=trust.lead)
    assert (refused.value.reasons, application.status) == (["Add evidence and a statement for AS2, AS3, AW4"],
                                                           S.PREPARING)
    app_walk.fill(application)
    portfolio.submit_application(application, by=trust.lead)
    assert (application.status, application.round) == (S.PRE_PANEL, 1)


def test_evidence_from_another_teams_library_is_refused(trust, app_walk):
    application = app_walk.preparing()
    other = add_evidence(trust.surgical_ward, trust.outsider, "Their audit")
    with pytest.raises(ApplicationError) as refused:
        portfolio.save_entry(application, "AS1", statement="Ours", evidence_ids=[other.id], by=trust.lead)
    assert (refused.value.reason, refused.value.field, application.entries) == (
        "Evidence can only come from this team's library", "evidence", [])


def test_return_keeps_the_portfolio_and_says_what_to_strengthen(trust, panel, app_walk):
    application = app_walk.pre_panel()
    app_walk.mark_all(application)
    prepanel.review_standard(application, "AS3", verdict=Verdict.NEEDS_MORE,
                             comment="Bring the controlled drugs audit", by=panel.member)
    with pytest.raises(GuardRefused) as refused:
        prepanel.assure_application(application, by=panel.member)
    assert refused.value.reasons == ["Every standard must be marked robust first: AS3 (needs more)"]
    prepanel.return_application(application, by=panel.member, reason="Medicines evidence is thin")
    assert (application.status, application.return_reason, application.incomplete_standards()) == (
        S.PREPARING, "Medicines evidence is thin", [])
    assert [(e.standard.code, e.statement) for e in application.entries][:2] == [
        ("AS1", "How we meet AS1"), ("AS2", "How we meet AS2")]
    weak = [(r.standard.code, r.comment) for r in application.reviews if r.verdict is Verdict.NEEDS_MORE]
    assert weak == [("AS3", "Bring the controlled drugs audit")]
    assert _notified("application.returned") == [
        ("Sam Sister", "Ward 7 Respiratory: the accreditation portfolio needs more evidence"),
        ("Nadia Nurse", "Ward 7 Respiratory: the accreditation portfolio needs more evidence")]
    portfolio.submit_application(application, by=trust.lead)
    assert (application.round, application.standards_not_robust()[:1]) == (2, ["AS1 (not reviewed)"])


def test_needs_more_without_a_comment_is_refused(trust, panel, app_walk):
    application = app_walk.pre_panel()
    with pytest.raises(ApplicationError) as refused:
        prepanel.review_standard(application, "AS1", verdict=Verdict.NEEDS_MORE, comment=" ", by=panel.member)
    assert (refused.value.reason, refused.value.field) == ("Say what the team should strengthen", "comment")


QUORUM_CASES = {
    "no chair": (None, ("member2", "member"), ["The panel needs a chair"]),
    "one member": ("chair", ("member2",), ["The panel needs at least two members besides the chair (1 sitting)"]),
    "one inside member": ("chair", ("insider",), [
        "The panel needs at least two members besides the chair (1 sitting)"]),
}


@pytest.mark.parametrize("case", list(QUORUM_CASES))
def test_decide_refused_without_quorum(trust, panel, app_walk, case):
    chair, members, problems = QUORUM_CASES[case]
    application = app_walk.pre_panel()
    app_walk.mark_all(application)
    prepanel.assure_application(application, by=panel.member)
    panels.set_panel(application, panel_date=TODAY, chair=getattr(panel, chair) if chair else None,
                     members=[getattr(panel, m) for m in members], by=trust.quality_lead, today=TODAY)
    assert application.quorum_problems() == problems
    by = getattr(panel, chair) if chair else panel.chair
    with pytest.raises((GuardRefused, ApplicationError)):
        panels.confirm_decision(application, ALL_GOOD, REASONS, by=by, today=TODAY)
    assert (application.status, application.decisions) == (S.PANEL_READY, [])


def test_quorum_needs_someone_from_outside_the_division(trust, panel, factory, app_walk):
    application = app_walk.pre_panel()
    inside2 = factory.user(name="Ida Inside", role=Role.PANEL_MEMBER, scope=trust.acute)
    chair_inside = factory.user(name="Cal Inside", role=Role.PANEL_CHAIR, scope=trust.medicine)
    panels.set_panel(application, panel_date=TODAY, chair=chair_inside, members=[panel.insider, inside2],
                     by=trust.quality_lead, today=TODAY)
    assert application.quorum_problems() == ["At least one member must come from outside the team's division"]


def test_recused_member_does_not_count_towards_quorum(trust, panel, app_walk):
    application = app_walk.panel_ready()
    panels.record_declaration(application, panel.insider, declaration="Trained with the ward manager",
                              recused=True, recusal_reason="Close working relationship", by=trust.quality_lead)
    assert application.quorum_problems() == ["The panel needs at least two members besides the chair (1 sitting)"]


def test_conflicted_member_refused_unless_a_quality_lead_overrides(trust, panel, factory, app_walk):
    application = app_walk.pre_panel()
    ward_nurse = factory.user(name="Wren Ward", role=Role.PANEL_MEMBER)
    factory.grant(ward_nurse, Role.TEAM_MEMBER, trust.ward)
    with pytest.raises(ConflictRefused) as refused:
        panels.set_panel(application, panel_date=TODAY, chair=panel.chair, members=[panel.member2, ward_nurse],
                         by=trust.quality_lead, today=TODAY)
    assert (refused.value.conflicts, refused.value.reason) == (
        {ward_nurse.id: ["works in this team"]}, "Wren Ward cannot sit for this team: works in this team")
    assert application.panel_of(PanelStage.PANEL) == []
    sitting = panels.set_panel(application, panel_date=TODAY, chair=panel.chair, members=[panel.member2, ward_nurse],
                               by=trust.quality_lead, today=TODAY,
                               overrides={ward_nurse.id: "The only specialist panel member available"})
    assert [(m.user.name, m.conflict_override_reason) for m in sitting] == [
        ("Casey Chair", None), ("Jordan Panel", None), ("Wren Ward", "The only specialist panel member available")]


def test_decision_stores_its_rule_version_and_inputs_and_recomputes(trust, panel, app_walk):
    application = app_walk.decided()
    decision = application.decision
    recomputed = decision.recompute()
    assert (application.status, decision.outcome, decision.explanation) == (
        S.DECIDED, None, "No award: Outstanding in no domain (0 of 2 needed)")
    assert (recomputed.value, recomputed.explanation) == (decision.outcome, decision.explanation)
    assert (decision.scheme_version, decision.inputs) == ("1", {
        "ratings": {d.value: "good" for d in Domain}, "outstanding_needed": 2, "floor": "good"})
    assert [m["name"] for m in decision.members] == ["Casey Chair", "Jordan Panel", "Ivy Inside"]


def test_appeal_deadline_skips_christmas_bank_holidays(trust, panel, app_walk):
    application = app_walk.decided(today=date(2026, 12, 18))
    assert application.decision.appeal_deadline == date(2027, 1, 13)


def test_no_award_gives_an_improvement_plan_with_the_partner(trust, panel, app_walk):
    ratings = {**ALL_GOOD, Domain.SAFE: Rating.OUTSTANDING}
    app_walk.decided(ratings=ratings)
    actions = db.session.scalars(sa.select(Action).order_by(Action.id)).all()
    assert [(a.title, a.source, a.owner.name, a.due_on) for a in actions] == [
        (f"Improve {d.label} from Good towards Outstanding", ActionSource.PANEL, "Sam Sister", date(2027, 3, 18))
        for d in Domain if d is not Domain.SAFE]
    assert actions[0].description.startswith("Improvement plan agreed with the trust's quality improvement partner")


def test_an_award_is_granted_for_excelling(trust, panel, app_walk):
    from accredit.awards.models import Award

    application = app_walk.decided(ratings=EXCELLING)
    award = db.session.scalars(sa.select(Award)).one()
    assert (award.application_id, award.kind.value, award.explanation) == (
        application.id, "excelling_team", "Excelling Team: Outstanding in all five domains")
    assert _notified("application.decided") == [
        ("Sam Sister", "Ward 7 Respiratory: the accreditation panel's decision"),
        ("Nadia Nurse", "Ward 7 Respiratory: the accreditation panel's decision")]


def test_confirmed_panel_record_is_immutable(trust, panel, app_walk):
    application = app_walk.decided()
    with pytest.raises(ApplicationError) as refused:
        panels.set_panel(application, panel_date=TODAY, chair=panel.chair2, members=[panel.member],
                         by=trust.quality_lead, today=TODAY)
    assert refused.value.reason == "The panel cannot be changed once the application is decided"
    decision_id = application.decision.id
    db.session.commit()
    for statement in (sa.update(PanelDecision).where(PanelDecision.id == decision_id).values(explanation="Changed"),
                      sa.delete(PanelDecision).where(PanelDecision.id == decision_id),
                      sa.update(PanelMember).where(PanelMember.application_id == application.id,
                                                   PanelMember.stage == "panel").values(recused=False)):
        with pytest.raises(DBAPIError) as failed:
            db.session.execute(statement)
        assert "a confirmed panel decision cannot be changed" in str(failed.value)
        db.session.rollback()
    assert db.session.get(PanelDecision, decision_id).explanation == "No award: Outstanding in no domain (0 of 2 needed)"


def test_appeal_after_the_period_is_refused(trust, panel, app_walk):
    application = app_walk.decided(today=date(2026, 12, 18))
    with pytest.raises(GuardRefused) as refused:
        appeals.lodge_appeal(application, statement="Late", by=trust.lead, today=date(2027, 1, 14))
    assert (refused.value.reasons, application.status) == (["The appeal period ended on 13 January 2027"], S.DECIDED)


def test_appeal_decided_by_a_panel_member_is_refused(trust, panel, app_walk):
    application = app_walk.appealed()
    with pytest.raises(ApplicationError) as refused:
        appeals.resolve_appeal(application, upheld=True, reason="Procedure not followed", by=panel.member2)
    assert (refused.value.reason, application.status) == (
        "Someone who sat on this application's panel cannot decide its appeal", S.APPEALED)


def test_upheld_appeal_returns_to_the_panel_and_a_new_linked_decision(trust, panel, app_walk):
    application = app_walk.appealed()
    first = application.decision
    appeals.resolve_appeal(application, upheld=True, reason="The team's response was not heard",
                           by=trust.quality_lead)
    assert (application.status, application.sitting, application.panel_date) == (S.PANEL_READY, 2, None)
    app_walk.seat(application, date(2027, 1, 4), chair=panel.chair2, members=(panel.member, panel.member2))
    decision = panels.confirm_decision(application, {**ALL_GOOD, Domain.SAFE: Rating.OUTSTANDING,
                                                     Domain.CARING: Rating.OUTSTANDING}, REASONS,
                                       by=panel.chair2, today=date(2027, 1, 18))
    assert (decision.corrects_id, decision.outcome, application.decision) == (first.id, "outstanding_team", decision)
    assert [a.outcome.value for a in application.appeals] == ["upheld"]


def test_dismissed_appeal_leaves_the_decision_standing(trust, panel, app_walk):
    application = app_walk.appealed()
    appeals.resolve_appeal(application, upheld=False, reason="The procedure was followed", by=trust.quality_lead)
    assert (application.status, len(application.decisions), application.appeals[0].outcome.value) == (
        S.DECIDED, 1, "dismissed")
    assert _actions("application.")[-2:] == ["application.appeal", "application.dismiss"]


def test_setting_the_panel_again_replaces_its_members_and_keeps_declarations(trust, panel, app_walk):
    application = app_walk.panel_ready()
    panels.record_declaration(application, panel.member2, declaration="Met the team at a conference",
                              recused=False, recusal_reason=None, by=trust.quality_lead)
    sitting = panels.set_panel(application, panel_date=TODAY, chair=panel.chair2, members=[panel.member2, panel.member],
                               by=trust.quality_lead, today=TODAY)
    assert [(m.user.name, m.is_chair, m.declaration) for m in sitting] == [
        ("Cam Second", True, None), ("Jordan Panel", False, "Met the team at a conference"),
        ("Parker Panel", False, None)]
    prepanel_member = application.panel_of(PanelStage.PRE_PANEL)
    assert [m.user.name for m in prepanel_member] == ["Parker Panel"]
    db.session.commit()
    assert len(db.session.scalars(sa.select(PanelMember).where(PanelMember.stage == PanelStage.PANEL)).all()) == 3


def test_removing_a_prepanel_member(trust, panel, app_walk):
    application = app_walk.pre_panel()
    prepanel.remove_prepanel_member(application, panel.member, by=trust.quality_lead)
    db.session.commit()
    assert (application.panel_of(PanelStage.PRE_PANEL), db.session.scalars(sa.select(PanelMember)).all()) == ([], [])
