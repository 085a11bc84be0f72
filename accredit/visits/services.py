"""Visit state changes: plan, assign and remove reviewers, schedule, start, rate, draft, send, comment, publish,
cancel, and actions raised at a visit.

Every function flushes and never commits; every change leaves an audit row. Notifications (DESIGN.md §6) go to the
outbox as things happen (accredit.visits.notices: the notice when scheduled, the draft report sent, the visit
cancelled); the reminders before the visit and before factual accuracy closes are that module's sweep.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from accredit import audit
from accredit.deadlines.queries import pause_windows
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.org.models import Team
from accredit.permissions import has_role
from accredit.roles import Role
from accredit.schemes.services import current_scheme
from accredit.visits import conflicts, notices
from accredit.visits.models import Visit, VisitRating, VisitReviewer
from accredit.visits.queries import overall_from, visit_ratings
from workflows.base import WorkflowError
from workflows.calendar import add_unpaused_working_days, add_working_days, subtract_working_days
from workflows.ratings import Domain, Rating
from workflows.visit import VISIT_WORKFLOW, VisitKind, VisitStatus

MAX_TEXT = 5000
#: States in which reviewers may still be assigned or removed.
STAFFABLE = frozenset({VisitStatus.PLANNED, VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS})
#: States in which ratings and findings may be changed (after the draft, every domain must stay rated).
RATEABLE = frozenset({VisitStatus.IN_PROGRESS, VisitStatus.DRAFT_REPORT, VisitStatus.FACTUAL_ACCURACY})


class VisitError(WorkflowError):
    """A refused change to a visit; `field` names the form field or API field it concerns, if any."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


class ConflictRefused(VisitError):
    """The reviewer has a conflict of interest (or does not fit the kind of review); `reasons` lists them all."""

    def __init__(self, user: Any, team: Team, reasons: list[str]):
        super().__init__(conflicts.describe(user.name, team.name, reasons), field="reviewer")
        self.user, self.reasons = user, reasons


def _fire(visit: Visit, trigger: str, *, by: Any, reason: str | None = None, data: dict | None = None,
          **context: Any) -> None:
    # No autoflush until the caller has set the new state's timestamps too (check constraints): a visit whose
    # attributes were expired (after a rollback) would otherwise reach the database half changed.
    with db.session.no_autoflush:
        fired = VISIT_WORKFLOW.fire(visit, trigger, by=by, reason=reason, **context)
        audit.record(f"visit.{trigger}", visit, by=by, from_state=fired.from_state, to_state=fired.to_state,
                     reason=reason, workflow_version=VISIT_WORKFLOW.version, data=data)


def _clean(text: str | None, what: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise VisitError(f"The {what} must be {MAX_TEXT} characters or fewer", field=field)
    return text


def _touch(visit: Visit) -> None:
    """Bump the visit's version when only its reviewers or ratings changed, so a stale writer is caught."""
    flag_modified(visit, "summary")


def plan_visit(team: Team, kind: VisitKind, visit_date: date | None, *, by: Any) -> Visit:
    """A new visit to `team`, planned, under the scheme in force. Raises VisitError for a team that is not active.

    Side effects: the visit row (planned_by, scheme_version), audit `visit.plan` (to planned).
    """
    if not team.is_active:
        raise VisitError(f"{team.name} is {team.status.value}: only active teams can be visited")
    visit = Visit(team=team, kind=kind, visit_date=visit_date, status=VisitStatus.PLANNED,
                  scheme_version=current_scheme().version, planned_by_id=getattr(by, "id", None), summary="")
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.plan", visit, by=by, to_state=visit.status, workflow_version=VISIT_WORKFLOW.version,
                 data={"kind": kind.value, "visit_date": visit_date.isoformat() if visit_date else None})
    return visit


def _require_staffable(visit: Visit) -> None:
    if visit.status not in STAFFABLE:
        raise VisitError(f"Reviewers cannot be changed once the visit is {visit.status.label.lower()}")


def assign_reviewer(visit: Visit, user: Any, *, by: Any, is_lead: bool = False,
                    override_reason: str | None = None) -> VisitReviewer:
    """Assign `user` as a reviewer, after the conflict-of-interest check (DESIGN.md §5.5).

    Refuses (VisitError) a user who is not an active reviewer for the team, is already assigned, or a visit past
    `in_progress`. Refuses (ConflictRefused, every reason named) a conflict or a reviewer who does not fit the kind
    of review, unless a quality lead covering the team gives `override_reason`. Side effects: the assignment row
    (with the override reason), other leads unset when `is_lead`, the visit's version, audit
    `visit.assign_reviewer` with the reasons overridden; on a visit already scheduled, the visit's notice to the
    new reviewer (notices.visit_scheduled).
    """
    _require_staffable(visit)
    if user.id in visit.reviewer_ids():
        raise VisitError(f"{user.name} is already a reviewer for this visit", field="reviewer")
    if not (user.is_active and has_role(user, Role.REVIEWER, team=visit.team)):
        raise VisitError(f"{user.name} is not a reviewer for {visit.team.name}", field="reviewer")
    reasons = conflicts.check(visit, [user.id])[user.id]
    override = _clean(override_reason, "reason for overriding", "override_reason") or None
    if reasons and override is None:
        raise ConflictRefused(user, visit.team, reasons)
    if reasons and not has_role(by, Role.QUALITY_LEAD, team=visit.team):
        raise VisitError("Only a quality lead covering the team can override a conflict of interest",
                         field="override_reason")
    if is_lead:
        for other in visit.reviewers:
            other.is_lead = False
    assignment = VisitReviewer(user_id=user.id, user=user, is_lead=is_lead, assigned_by_id=getattr(by, "id", None),
                               conflict_override_reason=override if reasons else None)
    visit.reviewers.append(assignment)
    _touch(visit)
    db.session.flush()
    audit.record("visit.assign_reviewer", visit, by=by, reason=override if reasons else None,
                 data={"user_id": user.id, "is_lead": is_lead, "overridden": reasons})
    if visit.status is VisitStatus.SCHEDULED:
        notices.visit_scheduled(visit, only=user)
    return assignment


def set_lead_reviewer(visit: Visit, user: Any, *, by: Any) -> None:
    """Make an assigned reviewer the visit's lead (the others stop being lead). Audited; bumps the version."""
    _require_staffable(visit)
    if user.id not in visit.reviewer_ids():
        raise VisitError(f"{user.name} is not a reviewer for this visit", field="reviewer")
    for assignment in visit.reviewers:
        assignment.is_lead = assignment.user_id == user.id
    _touch(visit)
    db.session.flush()
    audit.record("visit.set_lead_reviewer", visit, by=by, data={"user_id": user.id})


def remove_reviewer(visit: Visit, user: Any, *, by: Any) -> None:
    """Take `user` off the visit. Refuses the last reviewer of a scheduled or started visit (it needs one).

    Side effects: the assignment row deleted, the visit's version, audit `visit.remove_reviewer`.
    """
    _require_staffable(visit)
    assignment = next((r for r in visit.reviewers if r.user_id == user.id), None)
    if assignment is None:
        raise VisitError(f"{user.name} is not a reviewer for this visit", field="reviewer")
    if len(visit.reviewers) == 1 and visit.status is not VisitStatus.PLANNED:
        raise VisitError("A scheduled visit needs at least one reviewer: assign another before removing this one")
    visit.reviewers.remove(assignment)
    _touch(visit)
    db.session.flush()
    audit.record("visit.remove_reviewer", visit, by=by, data={"user_id": user.id})


def schedule_visit(visit: Visit, *, by: Any) -> None:
    """Trigger `schedule`: planned -> scheduled, once it has a date and a reviewer (GuardRefused names what is
    missing). Side effects: scheduled_at, audit row, the notice to the team lead and reviewers
    (notices.visit_scheduled, DESIGN.md §6)."""
    _fire(visit, "schedule", by=by)
    visit.scheduled_at = utcnow()
    db.session.flush()
    notices.visit_scheduled(visit)


def start_visit(visit: Visit, *, by: Any) -> None:
    """Trigger `start`: scheduled -> in_progress. Side effects: started_at, audit row."""
    _fire(visit, "start", by=by)
    visit.started_at = utcnow()
    db.session.flush()


RatingsInput = Mapping[Domain, tuple[Rating | None, str]]


def save_ratings(visit: Visit, ratings: RatingsInput, *, by: Any, overall: Rating | None = None,
                 override_reason: str | None = None, summary: str | None = None) -> list[Domain]:
    """Set domain ratings and findings (domains left out stay as they are), the summary, and the overall rating.

    The overall rating is computed by the CQC ratings principles once all five domains are rated; `overall`, when
    given and different, overrides it and needs `override_reason`. Everything is checked before anything is
    written: a visit not in progress or drafting, too long a text, an override without a reason, or (once the
    report is drafted) a domain left unrated raise VisitError and change nothing. Side effects: rating rows,
    overall_computed / overall_rating / overall_overridden / override_reason, the visit's version, audit
    `visit.save_ratings` naming what changed. Returns the domains whose rating or findings changed.
    """
    if visit.status not in RATEABLE:
        raise VisitError(f"The ratings cannot be changed once the visit is {visit.status.label.lower()}")
    cleaned = {d: (rating, _clean(findings, f"findings for {d.label}", f"{d.value}-findings"))
               for d, (rating, findings) in ratings.items()}
    after = {**visit_ratings(visit), **{d: rating for d, (rating, _) in cleaned.items()}}
    if visit.status is not VisitStatus.IN_PROGRESS and None in after.values():
        raise VisitError("Every domain must stay rated once the report is drafted")
    computed = overall_from(after).value
    overridden = overall is not None and computed is not None and overall != computed
    reason = _clean(override_reason, "reason for overriding", "override_reason")
    if overridden and not reason:
        raise VisitError(f"Give a reason for rating it {overall.label} overall when the ratings give "
                         f"{computed.label}", field="override_reason")
    summary_text = None if summary is None else _clean(summary, "summary", "summary")
    changed = _apply_ratings(visit, cleaned)
    if summary_text is not None:
        visit.summary = summary_text
    visit.overall_computed, visit.overall_rating = computed, overall if overall is not None else computed
    visit.overall_overridden, visit.override_reason = overridden, reason if overridden else None
    _touch(visit)
    db.session.flush()
    audit.record("visit.save_ratings", visit, by=by, reason=reason if overridden else None, data={
        "changed": {d.value: (cleaned[d][0].value if cleaned[d][0] else None) for d in changed},
        "computed": computed.value if computed else None,
        "overall": visit.overall_rating.value if visit.overall_rating else None, "overridden": overridden,
    })
    return changed


def _apply_ratings(visit: Visit, cleaned: Mapping[Domain, tuple[Rating | None, str]]) -> list[Domain]:
    changed = []
    for domain in Domain:
        if domain not in cleaned:
            continue
        rating, findings = cleaned[domain]
        row = visit.rating_for(domain)
        if row is None:
            row = VisitRating(domain=domain, rating=None, findings="")
            visit.ratings.append(row)
        if (row.rating, row.findings) != (rating, findings):
            row.rating, row.findings = rating, findings
            changed.append(domain)
    return changed


def draft_report(visit: Visit, *, by: Any) -> None:
    """Trigger `draft`: in_progress -> draft_report once every domain and the overall rating are given
    (GuardRefused names what is missing). Side effects: drafted_at, audit row."""
    _fire(visit, "draft", by=by)
    visit.drafted_at = utcnow()
    db.session.flush()


def send_report(visit: Visit, *, by: Any, today: date) -> None:
    """Trigger `send`: draft_report -> factual_accuracy. The team lead may comment until `today` plus the
    scheme's working days (weekends and England and Wales bank holidays skipped).

    Side effects: sent_at, factual_accuracy_due, audit row, the team lead asked for comments
    (notices.report_sent, DESIGN.md §6).
    """
    due = add_working_days(today, current_scheme().factual_accuracy_working_days)
    _fire(visit, "send", by=by, data={"factual_accuracy_due": due.isoformat()})
    visit.sent_at, visit.factual_accuracy_due = utcnow(), due
    db.session.flush()
    notices.report_sent(visit)


def factual_accuracy_closes(visit: Visit, today: date, windows: list[tuple[date, date]] | None = None
                            ) -> date | None:
    """The last day the team lead may comment, as of `today`; None before the draft is sent.

    factual_accuracy_due, unless a pause of the team's deadlines (DESIGN.md §5.4) begun by `today` overlaps the
    period: paused days do not count, so the team lead still gets the scheme's working days, the clock running
    on when the pause ends. The period is taken as the scheme's working days up to factual_accuracy_due.
    `windows`: the team's pause windows begun by `today`, as pause_windows gives them from any day up to the
    period's start, if the caller has read them for many visits at once; else they are read here.
    """
    due = visit.factual_accuracy_due
    if due is None:
        return None
    days = current_scheme().factual_accuracy_working_days
    start = subtract_working_days(due, days)
    if windows is None:
        windows = pause_windows([visit.team_id], since=start, today=today).get(visit.team_id, [])
    # Only a pause that touches the period counts: one over before it began, or begun after it closed, changes
    # nothing.
    touching = [(first, last) for first, last in windows if last >= start and first <= due]
    return add_unpaused_working_days(start, days, touching) if touching else due


def why_comments_closed(visit: Visit, today: date) -> str | None:
    """Why the team lead cannot comment on the draft report now; None while they can."""
    if visit.status is not VisitStatus.FACTUAL_ACCURACY:
        return "Comments are taken only while the draft report is out for factual accuracy"
    if visit.team_comments_closed_at is not None:
        return "The team lead has already said there are no further comments"
    closes = factual_accuracy_closes(visit, today)
    if closes is not None and today > closes:
        return f"The factual accuracy period closed on {closes:%-d %B %Y}"
    return None


def comment_on_report(visit: Visit, comments: str, *, by: Any, today: date, finished: bool = False) -> None:
    """The team lead's factual-accuracy comments on the draft report; `finished` says there are no further ones.

    Refused (VisitError) unless the visit is in factual_accuracy, the team lead has not yet finished, and `today`
    is on or before the due date; empty comments are refused unless `finished`. Side effects: team_comments
    (replaced when given), team_comments_closed_at when finished, the visit's version, audit `visit.comment`.
    """
    closed = why_comments_closed(visit, today)
    if closed:
        raise VisitError(closed)
    text = _clean(comments, "comments", "comments")
    if not text and not finished:
        raise VisitError("Enter your comments, or say that you have no further comments", field="comments")
    if text:
        visit.team_comments = text
    if finished:
        visit.team_comments_closed_at = utcnow()
    _touch(visit)
    db.session.flush()
    audit.record("visit.comment", visit, by=by, data={"finished": finished, "commented": bool(text)})


def publish_report(visit: Visit, *, by: Any, today: date) -> None:
    """Trigger `publish`: factual_accuracy -> published, once the team lead has finished commenting or the
    period is over, a pause of the team's deadlines included (GuardRefused says until when). Side effects:
    published_at/by, audit row, then `accreditation.services.on_visit_published` (eligibility recomputed for a
    QRV, maybe an invitation)."""
    from accredit.accreditation.services import on_visit_published

    _fire(visit, "publish", by=by, today=today, closes_on=factual_accuracy_closes(visit, today))
    visit.published_at, visit.published_by_id = utcnow(), getattr(by, "id", None)
    db.session.flush()
    on_visit_published(visit, today=today, by=by)


def cancel_visit(visit: Visit, *, by: Any, reason: str) -> None:
    """Trigger `cancel` (a quality lead, with a reason): any state before published -> cancelled.

    Side effects: cancelled_at, cancel_reason, audit row with the reason, the reviewers told (and the team lead,
    once the visit had been scheduled: notices.visit_cancelled). A cancelled visit never counts towards
    eligibility or a reviewer's load.
    """
    reason = _clean(reason, "reason", "reason")
    _fire(visit, "cancel", by=by, reason=reason)
    visit.cancelled_at, visit.cancel_reason = utcnow(), reason
    db.session.flush()
    notices.visit_cancelled(visit)


#: States in which reviewers raise actions: at the visit and while its report is being written.
ACTIONABLE = RATEABLE


def raise_visit_action(visit: Visit, *, by: Any, title: str, finding: str, domain: Domain | None, owner: Any,
                       due_on: date | None, today: date, standard_code: str | None = None) -> Any:
    """An improvement action raised at the visit, into the team's improvement plan (DESIGN.md §4.6).

    Refused (VisitError) outside in_progress / draft_report / factual_accuracy; the actions service checks the
    rest (an owner with a role for the team, a due date from `today`, the domain or standard) and its refusal
    comes back as a VisitError naming the same field. Side effects: the action (source VISIT, this visit) and
    its audit row, written by `accredit.actions.services.raise_action`.
    """
    from accredit.actions.models import ActionSource
    from accredit.actions.services import ActionError, raise_action

    if visit.status not in ACTIONABLE:
        raise VisitError(f"Actions cannot be raised once the visit is {visit.status.label.lower()}")
    try:
        return raise_action(visit.team, by=by, title=title, finding=finding, owner=owner, due_on=due_on,
                            domain=domain, standard_code=standard_code, source=ActionSource.VISIT, visit=visit,
                            today=today)
    except ActionError as refused:
        raise VisitError(refused.reason, field=refused.field) from None
