"""Pre-panel: members assigned by a quality lead check the portfolio standard by standard, then assure the
application or return it to the team with the reasons. Every function flushes, never commits, and is audited."""
from __future__ import annotations

from typing import Any

from accredit import audit
from accredit.accreditation import membership, notices
from accredit.accreditation.common import ApplicationError, ConflictRefused, clean, fire
from accredit.accreditation.models import Application, PanelMember, PanelStage, PrePanelReview, Verdict
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.permissions import has_role
from accredit.roles import Role
from workflows.accreditation import ApplicationStatus

#: States in which pre-panel members may be assigned or removed.
STAFFABLE = frozenset({ApplicationStatus.PREPARING, ApplicationStatus.PRE_PANEL})


def assign_prepanel_member(application: Application, user: Any, *, by: Any,
                           override_reason: str | None = None) -> PanelMember:
    """Add `user` to the pre-panel, after the conflict-of-interest check.

    Refused (ApplicationError) outside preparing / pre_panel, for someone already on it or without a panel role
    covering the team; ConflictRefused for a conflict, unless a quality lead covering the team gives
    `override_reason`. Side effects: the member row, audit `application.assign_prepanel`, the member notified.
    """
    if application.status not in STAFFABLE:
        raise ApplicationError(f"Pre-panel members cannot be changed once the application is "
                               f"{application.status.label.lower()}", "member")
    team = application.team
    if any(m.user_id == user.id for m in application.panel_of(PanelStage.PRE_PANEL)):
        raise ApplicationError(f"{user.name} is already a pre-panel member", "member")
    if not membership.may_sit(user, team):
        raise ApplicationError(f"{user.name} is not a panel member for {team.name}", "member")
    reasons = membership.conflicts_for(team, [user.id])[user.id]
    override = clean(override_reason, label="reason for overriding", field="override_reason", max_length=2000)
    if reasons and not override:
        raise ConflictRefused({user.id: reasons}, {user.id: user.name}, field="member")
    if reasons and not has_role(by, Role.QUALITY_LEAD, team=team):
        raise ApplicationError("Only a quality lead covering the team can override a conflict of interest",
                               "override_reason")
    member = PanelMember(user_id=user.id, user=user, stage=PanelStage.PRE_PANEL, sitting=application.sitting,
                         from_outside_division=membership.outside_division(team, [user])[user.id],
                         conflict_override_reason=override if reasons else None,
                         assigned_by_id=getattr(by, "id", None))
    application.members.append(member)
    db.session.flush()
    audit.record("application.assign_prepanel", application, by=by, reason=override if reasons else None,
                 data={"user_id": user.id, "overridden": reasons})
    notices.send(application, "prepanel_assigned", [user])
    return member


def remove_prepanel_member(application: Application, user: Any, *, by: Any) -> None:
    """Take `user` off the pre-panel (preparing / pre_panel only). Side effects: the row deleted, audit row."""
    if application.status not in STAFFABLE:
        raise ApplicationError("Pre-panel members cannot be changed now", "member")
    member = next((m for m in application.panel_of(PanelStage.PRE_PANEL) if m.user_id == user.id), None)
    if member is None:
        raise ApplicationError(f"{user.name} is not a pre-panel member", "member")
    application.members.remove(member)
    db.session.delete(member)
    db.session.flush()
    audit.record("application.remove_prepanel", application, by=by, data={"user_id": user.id})


def is_prepanel_member(application: Application, user: Any) -> bool:
    return any(m.user_id == user.id for m in application.panel_of(PanelStage.PRE_PANEL))


def review_standard(application: Application, code: str, *, verdict: Verdict, comment: str | None,
                    by: Any) -> PrePanelReview:
    """A pre-panel member marks standard `code` robust or needing more (with what to strengthen) for this round;
    a later verdict in the same round replaces the earlier one.

    Refused (ApplicationError) outside pre_panel, by someone not on the pre-panel, for an unknown standard, or
    "needs more" without a comment. Side effects: the review row, audit `application.review_standard`.
    """
    if application.status is not ApplicationStatus.PRE_PANEL:
        raise ApplicationError("Standards are reviewed only while the application is at pre-panel")
    if not is_prepanel_member(application, by):
        raise ApplicationError("Only the application's pre-panel members review its evidence")
    standard = next((s for s in application.standards if s.code.upper() == (code or "").upper()), None)
    if standard is None:
        raise ApplicationError(f"{code} is not one of the accreditation standards", "standard")
    required = "Say what the team should strengthen" if verdict is Verdict.NEEDS_MORE else None
    text = clean(comment, label="comment", field="comment", required=required)
    review = application.review_for(standard)
    if review is None:
        review = PrePanelReview(standard_id=standard.id, standard=standard, round=application.round,
                                verdict=verdict, comment="")
        application.reviews.append(review)
    review.verdict, review.comment = verdict, text
    review.reviewer_id, review.reviewed_at = by.id, utcnow()
    db.session.flush()
    audit.record("application.review_standard", application, by=by, reason=text or None,
                 data={"standard": standard.code, "verdict": verdict.value, "round": application.round})
    return review


def assure_application(application: Application, *, by: Any) -> None:
    """Trigger `assure` (a pre-panel member): pre_panel -> panel_ready, once every standard of this round is
    marked robust (GuardRefused names the rest). Side effects: assured_at, audit row."""
    fire(application, "assure", by=by, data={"round": application.round})
    application.assured_at = utcnow()
    db.session.flush()


def return_application(application: Application, *, by: Any, reason: str) -> None:
    """Trigger `return_to_team` (a pre-panel member, with the reasons): pre_panel -> preparing. Everything the
    team assembled stays; the standards marked "needs more" this round say what to strengthen.

    Side effects: return_reason, audit row with the reason and the standards needing more, the team notified.
    """
    reason = clean(reason, label="reason", field="reason", max_length=2000)
    weak = [r.standard.code for r in application.reviews
            if r.round == application.round and r.verdict is Verdict.NEEDS_MORE]
    fire(application, "return_to_team", by=by, reason=reason, data={"round": application.round, "needs_more": weak})
    application.return_reason = reason
    db.session.flush()
    notices.send(application, "returned", notices.team(application), detail=str(application.round))
