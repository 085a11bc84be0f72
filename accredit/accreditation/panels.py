"""The panel: a quality lead sets its date and members (conflicts checked), members declare and recuse, and the
chair records one rating per domain; the award rule computes the outcome, shown before the chair confirms it.

A confirmed decision is immutable (the database refuses changes to it and to its sitting's members); a later
decision after an upheld appeal is a new row linked by `corrects_id`. Every function flushes, never commits.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from accredit import audit
from accredit.accreditation import membership, notices
from accredit.accreditation.common import ApplicationError, ConflictRefused, clean, fire
from accredit.accreditation.models import Application, PanelDecision, PanelMember, PanelStage
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.permissions import has_role
from accredit.roles import Role
from accredit.schemes.services import current_scheme
from workflows.accreditation import ApplicationStatus
from workflows.calendar import add_working_days
from workflows.ratings import Domain, Rating
from workflows.rules import RuleResult, award_outcome
from workflows.scheme import Scheme

#: States in which the panel may be set and declarations recorded (before its decision).
SETTABLE = frozenset({ApplicationStatus.PRE_PANEL, ApplicationStatus.PANEL_READY})
FLOOR = Rating.GOOD  #: no domain below this for an Outstanding Team (DESIGN.md §4.4)


def set_panel(application: Application, *, panel_date: date | None, chair: Any, members: Sequence[Any], by: Any,
              today: date, overrides: Mapping[int, str] | None = None) -> list[PanelMember]:
    """Make this sitting's panel exactly `chair` plus `members`, meeting on `panel_date`.

    Refused (ApplicationError, nothing changed) outside pre_panel / panel_ready, for a date in the past, a chair
    without the panel chair role, a member without a panel role, or the chair listed as a member too;
    ConflictRefused naming every conflicted person unless a quality lead covering the team gives each an
    override reason in `overrides` (user id -> reason). Quorum is not required here: the `decide` guard checks it.
    Side effects: the sitting's member rows replaced (declarations of people who stay are kept), panel_date,
    audit `application.set_panel`, newly assigned people notified.
    """
    if application.status not in SETTABLE:
        raise ApplicationError(f"The panel cannot be changed once the application is "
                               f"{application.status.label.lower()}")
    team = application.team
    if panel_date is not None and panel_date < today:
        raise ApplicationError("The panel date must be today or later", "panel_date")
    if chair is not None and not membership.may_sit(chair, team, chair=True):
        raise ApplicationError(f"{chair.name} does not hold the panel chair role for {team.name}", "chair")
    people = {u.id: u for u in members}
    if chair is not None and chair.id in people:
        raise ApplicationError(f"{chair.name} is the chair: choose other members", "members")
    for user in people.values():
        if not membership.may_sit(user, team):
            raise ApplicationError(f"{user.name} is not a panel member for {team.name}", "members")
    everyone = {**people, **({chair.id: chair} if chair is not None else {})}
    reasons = {uid: why for uid, why in membership.conflicts_for(team, list(everyone)).items() if why}
    given = {uid: clean(text, label="reason for overriding", field="overrides", max_length=2000)
             for uid, text in (overrides or {}).items() if uid in reasons}
    unresolved = {uid: why for uid, why in reasons.items() if not given.get(uid)}
    if unresolved:
        raise ConflictRefused(unresolved, {uid: everyone[uid].name for uid in unresolved})
    if reasons and not has_role(by, Role.QUALITY_LEAD, team=team):
        raise ApplicationError("Only a quality lead covering the team can override a conflict of interest",
                               "overrides")
    return _replace_sitting(application, panel_date, chair, everyone, reasons, given, by)


def _replace_sitting(application, panel_date, chair, everyone, reasons, given, by) -> list[PanelMember]:
    current = {m.user_id: m for m in application.panel_of(PanelStage.PANEL)}
    outside = membership.outside_division(application.team, list(everyone.values()))
    for user_id, member in current.items():
        if user_id not in everyone:
            application.members.remove(member)
            db.session.delete(member)
    added = []
    for user_id, user in everyone.items():
        member = current.get(user_id)
        if member is None:
            member = PanelMember(user_id=user_id, user=user, stage=PanelStage.PANEL, sitting=application.sitting,
                                 assigned_by_id=getattr(by, "id", None))
            application.members.append(member)
            added.append(user)
        member.is_chair = chair is not None and user_id == chair.id
        member.from_outside_division = outside[user_id]
        member.conflict_override_reason = given.get(user_id) if user_id in reasons else None
    application.panel_date = panel_date
    db.session.flush()
    audit.record("application.set_panel", application, by=by, data={
        "sitting": application.sitting, "panel_date": panel_date.isoformat() if panel_date else None,
        "chair_id": chair.id if chair is not None else None, "members": sorted(everyone),
        "overridden": {str(uid): why for uid, why in reasons.items()}})
    for user in added:
        notices.send(application, "panel_assigned", [user], detail=str(application.sitting),
                     context={"is_chair": chair is not None and user.id == chair.id})
    return application.panel_of(PanelStage.PANEL)


def record_declaration(application: Application, user: Any, *, declaration: str | None, recused: bool,
                       recusal_reason: str | None, by: Any) -> PanelMember:
    """Record what a panel member declared and whether they recused themselves (a recused member does not count
    towards quorum and does not rate). The chair cannot recuse: set a new chair instead.

    Refused (ApplicationError) outside pre_panel / panel_ready, for someone not on this sitting's panel, or a
    recusal without a reason. Side effects: the member row, audit `application.declare`.
    """
    if application.status not in SETTABLE:
        raise ApplicationError("Declarations are recorded before the panel decides")
    member = next((m for m in application.panel_of(PanelStage.PANEL) if m.user_id == user.id), None)
    if member is None:
        raise ApplicationError(f"{user.name} is not on this panel", "member")
    text = clean(declaration, label="declaration", field="declaration", max_length=2000) or None
    reason = clean(recusal_reason, label="reason for recusal", field="recusal_reason", max_length=2000,
                   required="Say why they step aside" if recused else None) or None
    if recused and member.is_chair:
        raise ApplicationError("The chair cannot recuse: choose another chair first", "recused")
    member.declaration, member.recused, member.recusal_reason = text, recused, reason if recused else None
    db.session.flush()
    audit.record("application.declare", application, by=by, reason=reason,
                 data={"user_id": user.id, "declaration": text, "recused": recused})
    return member


def preview_outcome(ratings: Mapping[Domain, Rating], scheme: Scheme | None = None) -> RuleResult[str | None]:
    """The award rule over `ratings` under the scheme in force; raises ValueError unless every domain is rated."""
    scheme = scheme or current_scheme()
    return award_outcome(ratings, outstanding_needed=scheme.award_outstanding_needed, floor=FLOOR)


def _members_snapshot(application: Application) -> list[dict[str, Any]]:
    return [{"user_id": m.user_id, "name": m.user.name, "is_chair": m.is_chair, "recused": m.recused,
             "recusal_reason": m.recusal_reason, "declaration": m.declaration,
             "from_outside_division": m.from_outside_division, "conflict_override_reason": m.conflict_override_reason}
            for m in application.panel_of(PanelStage.PANEL)]


def check_decision_input(application: Application, ratings: Mapping[Domain, Rating],
                         reasons: Mapping[Domain, str], by: Any) -> dict[Domain, str]:
    """The cleaned reasons; ApplicationError (naming the field) if `by` is not this sitting's chair, a domain is
    unrated, or a domain has no reasons."""
    chair = application.chair
    if chair is None or chair.user_id != getattr(by, "id", None):
        raise ApplicationError("Only the chair of this panel records its decision")
    missing = [d for d in Domain if ratings.get(d) is None]
    if missing:
        raise ApplicationError(f"Rate every domain: {', '.join(d.label for d in missing)}", f"{missing[0].value}-rating")
    return {d: clean(reasons.get(d), label=f"reasons for {d.label}", field=f"{d.value}-reasons",
                     required=f"Give the panel's reasons for {d.label}") for d in Domain}


def confirm_decision(application: Application, ratings: Mapping[Domain, Rating], reasons: Mapping[Domain, str],
                     *, by: Any, today: date) -> PanelDecision:
    """Trigger `decide` (the chair): panel_ready -> decided, recording the panel's ratings and reasons and the
    award rule's outcome, computed under the scheme in force (its version and inputs kept for `recompute`).

    Refused by check_decision_input, and by the quorum guard (GuardRefused lists every problem). Side effects:
    the immutable PanelDecision (linked by corrects_id to the decision it replaces, after an upheld appeal) with
    its members snapshot and appeal deadline (the scheme's working days, bank holidays skipped), decided_at,
    audit row; then the award granted (accredit.awards.services.grant_award) or, with no award, an improvement
    plan of actions; the team notified.
    """
    cleaned = check_decision_input(application, ratings, reasons, by)
    scheme = current_scheme()
    result = preview_outcome(ratings, scheme)
    fire(application, "decide", by=by, reason=result.explanation,
         data={"ratings": {d.value: ratings[d].value for d in Domain}, "outcome": result.value})
    previous = application.decision
    decision = PanelDecision(
        sitting=application.sitting, panel_date=application.panel_date, chair_id=by.id,
        members=_members_snapshot(application), ratings={d.value: ratings[d].value for d in Domain},
        reasons={d.value: cleaned[d] for d in Domain}, outcome=result.value, explanation=result.explanation,
        rule=result.rule, inputs=dict(result.inputs), scheme_version=scheme.version, decided_on=today,
        appeal_deadline=add_working_days(today, scheme.appeal_working_days), confirmed_by_id=by.id,
        corrects_id=previous.id if previous is not None else None)
    application.decisions.append(decision)
    application.decided_at = utcnow()
    db.session.flush()
    audit.record("application.confirm_decision", decision, by=by, reason=result.explanation,
                 data={"application_id": application.id, "outcome": result.value, "scheme_version": scheme.version,
                       "corrects_id": decision.corrects_id})
    if result.value is not None:
        _grant(application, decision, ratings, by, today)
    else:
        improvement_plan(application, decision, by=by, today=today, scheme=scheme)
    notices.send(application, "decided", notices.team(application), detail=str(decision.id),
                 context={"decision": decision})
    return decision


def _grant(application: Application, decision: PanelDecision, ratings: Mapping[Domain, Rating], by: Any,
           today: date) -> None:
    from accredit.awards.services import grant_award
    from workflows.accreditation import AwardKind

    grant_award(application, kind=AwardKind(decision.outcome), ratings=dict(ratings),
                explanation=decision.explanation, decided_on=today, chair=by, by=by)


def improvement_plan(application: Application, decision: PanelDecision, *, by: Any, today: date,
                     scheme: Scheme) -> list[Any]:
    """No award: one improvement action per domain the panel did not rate Outstanding, with the trust's
    improvement partner, owned by the team lead, due after the scheme's `improvement_plan_days`.

    A team with no team lead gets no actions (the audit row says so). Side effects: the actions (source PANEL)
    and their audit rows, audit `application.improvement_plan`.
    """
    from accredit.actions.models import ActionSource
    from accredit.actions.services import ActionSpec, raise_action

    leads = notices.team_leads(application)
    owner = leads[0].as_user() if leads else None  # audiences give Person values; an owner is a User
    ratings = decision.domain_ratings()
    specs = [ActionSpec(
        title=f"Improve {d.label} from {ratings[d].label} towards Outstanding",
        owner=owner, due_on=today + timedelta(days=scheme.improvement_plan_days),
        finding=decision.reasons[d.value], domain=d,
        description=f"Improvement plan agreed with {scheme.improvement_partner} after the accreditation panel of "
                    f"{decision.panel_date:%-d %B %Y}: {decision.explanation}")
        for d in Domain if ratings[d] is not Rating.OUTSTANDING] if leads else []
    actions = [raise_action(application.team, title=s.title, owner=s.owner, due_on=s.due_on, by=by,
                            description=s.description, finding=s.finding, domain=s.domain,
                            source=ActionSource.PANEL, today=today) for s in specs]
    audit.record("application.improvement_plan", application, by=by,
                 data={"decision_id": decision.id, "actions": [a.id for a in actions],
                       "partner": scheme.improvement_partner, "no_team_lead": not leads})
    return actions
