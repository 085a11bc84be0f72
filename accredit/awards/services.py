"""Award state changes: grant (from a panel decision), suspend (a later visit below Good), reinstate, expire.

Every function flushes and never commits; every change leaves an audit row; the people DESIGN.md §6 names are told
through the notifications outbox (rows first). Rule settings (validity, suspension floor) come from the scheme.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from accredit import audit
from accredit.awards.models import Award, AwardRating, AwardSuspension
from accredit.awards.queries import current_award
from accredit.extensions import db
from accredit.notifications import services as notifications
from accredit.notifications.audiences import Audiences
from accredit.notifications.links import path_for
from accredit.schemes.services import current_scheme
from workflows.accreditation import AWARD_WORKFLOW, AwardKind, AwardStatus
from workflows.base import WorkflowError
from workflows.ratings import Domain, Rating
from workflows.rules import award_validity

MAX_REASON = 2000


class AwardError(WorkflowError):
    """A refused change to an award; `field` names the form or API field it concerns, if any."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


def _on(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        raise AwardError(f"The reason must be {MAX_REASON} characters or fewer", field="reason")
    return reason


def _fire(award: Award, trigger: str, *, by: Any, reason: str | None = None, data: dict | None = None) -> None:
    fired = AWARD_WORKFLOW.fire(award, trigger, reason=reason)
    audit.record(f"award.{trigger}", award, by=by, from_state=fired.from_state, to_state=fired.to_state,
                 reason=reason, workflow_version=AWARD_WORKFLOW.version, data=data)


def grant_award(application: Any, *, kind: AwardKind, ratings: Mapping[Domain, Rating], explanation: str,
                decided_on: date, chair: Any, by: Any) -> Award:
    """An active award for the application's team, granted by the panel's decision of `decided_on` and held until
    the scheme's `award_valid_months` later (workflows.rules.award_validity). Returns it.

    `ratings` needs one rating per domain (AwardError otherwise). A team holds one award at a time: an award the
    team still holds (active or suspended; from this application after an upheld appeal, or from an earlier one)
    is first ended, expired with reason "replaced by the decision of <date>". Side effects: the award and its
    ratings, audit `award.grant` (to active) with the rule's explanation, and the team lead told
    (notification `award.granted`).
    """
    missing = [d.label for d in Domain if d not in ratings]
    if missing:
        raise AwardError(f"Every domain needs a rating; missing: {', '.join(missing)}", field="ratings")
    team = application.team
    scheme = current_scheme()
    earlier = current_award(team.id)
    if earlier is not None:
        _end(earlier, on=decided_on, reason=f"replaced by the decision of {_on(decided_on)}", by=by)
    validity = award_validity(decided_on, scheme.award_valid_months)
    award = Award(application_id=application.id, team_id=team.id, kind=kind, status=AwardStatus.ACTIVE,
                  explanation=explanation, granted_on=decided_on, valid_until=validity.value,
                  validity_explanation=validity.explanation, scheme_version=scheme.version,
                  chair_id=getattr(chair, "id", None), chair_name=getattr(chair, "name", None) or "",
                  granted_by_id=getattr(by, "id", None),
                  ratings=[AwardRating(domain=d, rating=ratings[d]) for d in Domain])
    db.session.add(award)
    db.session.flush()
    audit.record("award.grant", award, by=by, to_state=award.status, reason=explanation,
                 workflow_version=AWARD_WORKFLOW.version,
                 data={"application_id": application.id, "kind": kind.value, "granted_on": decided_on.isoformat(),
                       "valid_until": award.valid_until.isoformat(), "validity": validity.explanation,
                       "ratings": {d.value: ratings[d].value for d in Domain},
                       "replaced_award_id": earlier.id if earlier is not None else None})
    notify_award(award, "team_lead", kind="award.granted", stage="granted",
          subject=f"{team.name}: {kind.label} award granted", template="awards/emails/granted")
    return award


def _end(award: Award, *, on: date, reason: str, by: Any) -> None:
    """Trigger `expire` with `reason`; the award is no longer held from `on`."""
    _fire(award, "expire", by=by, reason=reason, data={"ended_on": on.isoformat()})
    award.ended_on, award.ended_reason = on, reason
    db.session.flush()


def expire_award(award: Award, *, by: Any = None) -> None:
    """Trigger `expire`: an active or suspended award past its valid_until lapses on its own (the sweep calls
    this). Raises AwardError if it is still within its validity. Side effects: ended_on (the day after
    valid_until, whenever the sweep runs), ended_reason, audit `award.expire`."""
    reason = f"lapsed: valid until {_on(award.valid_until)}"
    _end(award, on=award.valid_until + timedelta(days=1), reason=reason, by=by)


def suspend_award(award: Award, *, reason: str, by: Any, today: date, visit: Any = None) -> AwardSuspension:
    """Trigger `suspend`: active -> suspended, with a reason (GuardRefused without one).

    Side effects: an award_suspensions row (suspended_on `today`, the visit that caused it), audit
    `award.suspend`, the team lead told (notification `award.suspended`).
    """
    reason = _reason(reason)
    _fire(award, "suspend", by=by, reason=reason, data={"visit_id": getattr(visit, "id", None)})
    suspension = AwardSuspension(suspended_on=today, reason=reason, visit_id=getattr(visit, "id", None),
                                 suspended_by_id=getattr(by, "id", None))
    award.suspensions.append(suspension)
    db.session.flush()
    notify_award(award, "team_lead", kind="award.suspended", stage=f"suspended:{suspension.id}",
          subject=f"{award.team.name}: the {award.kind.label} award is suspended", template="awards/emails/suspended",
          context={"suspension": suspension, "visit": visit})
    return suspension


def reinstate_award(award: Award, *, reason: str, by: Any, today: date, version: int | None = None) -> None:
    """Trigger `reinstate` (a quality lead, with a reason): suspended -> active.

    Raises AwardError if `version` is given and stale, GuardRefused without a reason, IllegalTrigger unless the
    award is suspended. Side effects: the open suspension's reinstated_on/by and reason, audit `award.reinstate`.
    """
    if version is not None and version != award.version:
        raise AwardError("This award has changed since you opened it: check it and try again", field="version")
    reason = _reason(reason)
    _fire(award, "reinstate", by=by, reason=reason)
    suspension = award.open_suspension
    if suspension is not None:
        suspension.reinstated_on = max(today, suspension.suspended_on)
        suspension.reinstate_reason, suspension.reinstated_by_id = reason, getattr(by, "id", None)
    db.session.flush()


def notify_award(award: Award, audience: str, *, kind: str, stage: str, subject: str, template: str,
          context: dict | None = None, audiences: Audiences | None = None, at: Any = None) -> int:
    """Notify each person in `audience` for the award's team once (key `award:<id>:<stage>:<user id>`)."""
    people = (audiences or Audiences([award.team])).people(award.team, audience)
    link = path_for("awards.show", award_id=award.id)
    written = 0
    for user in people:
        row = notifications.notify(user, kind=kind, key=f"award:{award.id}:{stage}:{user.id}", subject=subject,
                                   template=template, context={"award": award, "team": award.team, **(context or {})},
                                   link=link, at=at)
        written += row is not None
    return written


def on_qrv_published(visit: Any, *, today: date, by: Any = None) -> AwardSuspension | None:
    """What a published Quality Review Visit means for the team's award (DESIGN.md §4.4); returns the suspension.

    When the team holds an active award and the visit's overall rating is below the scheme's suspension floor
    (workflows.rules.award_suspension), the award is suspended with the rule's explanation and a support plan
    opens: one action per domain the visit rated below the floor (the lowest-rated domains if none is), owned by
    the team lead (else a quality lead covering the team), due after the scheme's award_support_plan_days, with
    the visit's findings. Side effects: those of suspend_award, the support plan's actions and their audit rows.
    A suspended or expired award, or a visit at or above the floor, changes nothing.
    """
    from workflows.rules import award_suspension

    award = current_award(visit.team_id)
    if award is None or award.status is not AwardStatus.ACTIVE or visit.overall_rating is None:
        return None
    scheme = current_scheme()
    rule = award_suspension(visit.overall_rating, Rating(scheme.award_suspension_floor))
    if not rule.value:
        return None
    reason = f"{rule.explanation} ({visit.title})"
    suspension = suspend_award(award, reason=reason, by=by, today=today, visit=visit)
    _open_support_plan(award, visit, floor=Rating(scheme.award_suspension_floor),
                       due_on=today + timedelta(days=scheme.award_support_plan_days), today=today, by=by)
    return suspension


def _support_domains(visit: Any, floor: Rating) -> list[Any]:
    """The visit's rating rows the support plan answers: those below `floor`, else the lowest-rated ones."""
    rated = [r for r in visit.ratings if r.rating is not None]
    below = [r for r in rated if r.rating < floor]
    if below or not rated:
        return sorted(below, key=lambda r: list(Domain).index(r.domain))
    lowest = min(r.rating for r in rated)
    return sorted((r for r in rated if r.rating is lowest), key=lambda r: list(Domain).index(r.domain))


def _support_owner(award: Award, by: Any) -> Any:
    """Who owns the support plan's actions: the team lead, else a quality lead covering the team, else `by`."""
    from accredit.actions.services import may_own

    audiences = Audiences([award.team])
    for audience in ("team_lead", "division_quality_lead", "trust_quality_lead"):
        people = audiences.people(award.team, audience)
        if people:  # the User: an action's owner is a relationship, where audiences give plain Person values
            return people[0].as_user()
    return by if by is not None and may_own(by, award.team) else None


def _open_support_plan(award: Award, visit: Any, *, floor: Rating, due_on: date, today: date, by: Any) -> list[Any]:
    from accredit.actions.services import ActionError, ActionSpec, raise_support_plan

    owner = _support_owner(award, by)
    rows = _support_domains(visit, floor)
    if owner is None or not rows or not award.team.is_active:
        why = "no one may own its actions" if owner is None else (
            "no domain was rated" if not rows else f"{award.team.name} is {award.team.status.value}")
        audit.record("award.support_plan_skipped", award, by=by, reason=why, data={"visit_id": visit.id})
        return []
    specs = [ActionSpec(title=f"Support plan: bring {r.domain.label} back to {floor.label}", owner=owner,
                        due_on=due_on, domain=r.domain, finding=(r.findings or "")[:5000],
                        description=f"Opened when the {award.kind.label} award was suspended after the {visit.title}, "
                                    f"rated {r.rating.label} in {r.domain.label}.")
             for r in rows]
    try:
        return raise_support_plan(award.team, specs, by=by, visit=visit, today=today)
    except ActionError as refused:
        # Publishing the report must not fail for want of a support plan: the refusal is recorded for people
        # to act on, and the quality lead raises the plan by hand.
        audit.record("award.support_plan_skipped", award, by=by, reason=refused.reason, data={"visit_id": visit.id})
        return []
