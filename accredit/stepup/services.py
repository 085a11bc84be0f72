"""Step-up state changes: a team's regulation made, signals recorded, the engine's review and its proposals,
approval and rejection, and a change of level.

Every function flushes and never commits; every change leaves an audit row with its reasons.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from accredit import audit
from accredit.assessments.models import london_day
from accredit.bulk import insert_all, insert_new, one_of, update_each
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.org.models import Team
from accredit.stepup import facts, queries
from accredit.stepup.models import LevelChange, LevelProposal, RiskSignal, StepupRegulation
from workflows.base import Fired, WorkflowError
from workflows.stepup import PROPOSAL_WORKFLOW, STEPUP_WORKFLOW, ProposalStatus, Severity, SignalKind
from workflows.stepup_rules import Reason, guard_context, months_between

MAX_TEXT = 2000


class StepupError(WorkflowError):
    """A refused Step-up change; `field` names the form or API field it concerns, if any."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


def _text(value: str | None, *, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise StepupError(missing, field=field)
    if len(text) > MAX_TEXT:
        raise StepupError(f"This must be {MAX_TEXT} characters or fewer", field=field)
    return text


def ensure_regulation(team: Team) -> StepupRegulation:
    """The team's regulation, made now if it has none: standard since the team opened (DESIGN.md §4.5).

    Safe when two requests or schedulers race: `INSERT ... ON CONFLICT (team_id) DO NOTHING`, then read.
    Side effects: the row and audit `stepup.create` (to standard), only when this call made it. Flushes.
    """
    return ensure_regulations([team])[team.id]


def ensure_regulations(teams: Sequence[Team]) -> dict[int, StepupRegulation]:
    """Each team's regulation by team id, as `ensure_regulation` gives it, for many teams at once: per chunk of
    `facts.CHUNK` teams one read, and for the teams without one a single multi-row insert (`ON CONFLICT (team_id)
    DO NOTHING`, safe when schedulers race) and a second read.

    Side effects: the rows made and an audit `stepup.create` (to standard) for each. Flushes.
    """
    found: dict[int, StepupRegulation] = {}
    for chunk in facts.chunked(list(teams)):
        found.update(_ensure_chunk(chunk))
    return found


def _ensure_chunk(teams: Sequence[Team]) -> dict[int, StepupRegulation]:
    found = facts.regulations([team.id for team in teams])
    missing = {team.id: team for team in teams if team.id not in found}
    if not missing:
        return found
    now = utcnow()
    values = [{"team_id": team.id, "level": STEPUP_WORKFLOW.initial, "since": team.opened_on,
               "cycle_started_on": team.opened_on, "created_at": now, "version": 1} for team in missing.values()]
    table = StepupRegulation.__table__
    made = set(insert_new(table, values, unique=["team_id"], returning=table.c.team_id))
    found.update(facts.regulations(list(missing)))
    for team_id in sorted(made):
        regulation = found[team_id]
        audit.record("stepup.create", regulation, to_state=regulation.level, workflow_version=STEPUP_WORKFLOW.version,
                     data={"team_id": team_id, "since": missing[team_id].opened_on.isoformat()})
    db.session.flush()
    return found


def record_signal(team: Team, *, kind: SignalKind, severity: Severity, occurred_on: date | None, description: str,
                  by: Any, today: date) -> RiskSignal:
    """Record a risk signal against an active team. Raises StepupError for a closed team, a missing or future
    date, or a missing description.

    Side effects: the signal row, the team's regulation due for review again (the next `stepup_review` sweep
    recomputes its score), audit `stepup.record_signal` with the signal.
    """
    if not team.is_active:
        raise StepupError(f"{team.name} is {team.status.value}: signals are recorded for active teams only")
    if occurred_on is None:
        raise StepupError("Enter the date it happened", field="occurred_on")
    if occurred_on > today:
        raise StepupError("The date it happened must be today or in the past", field="occurred_on")
    text = _text(description, field="description", missing="Describe what happened")
    signal = RiskSignal(team_id=team.id, kind=kind, severity=severity, occurred_on=occurred_on, description=text,
                        recorded_by_id=getattr(by, "id", None))
    db.session.add(signal)
    regulation = ensure_regulation(team)
    regulation.reviewed_on = None
    db.session.flush()
    audit.record("stepup.record_signal", signal, by=by,
                 data={"team_id": team.id, "kind": kind.value, "severity": severity.value,
                       "occurred_on": occurred_on.isoformat(), "description": text})
    return signal


def reasons_as_data(reasons: list[Reason]) -> list[dict[str, Any]]:
    """Reasons as JSON-ready dicts: what a proposal stores and the API shows. A shallow copy of the fields (each
    a plain value): asdict's deep copy cost more than the rest of a month-end review's proposals."""
    return [{**{name: getattr(r, name) for name in _REASON_FIELDS}, "severity": r.severity.value,
             "on": r.on.isoformat()} for r in reasons]


_REASON_FIELDS = tuple(f.name for f in fields(Reason))


def review_team(team: Team, *, today: date, scheme: Any, found: queries.Position | None = None
                ) -> LevelProposal | None:
    """The engine's daily look at one team: store its risk score; raise the proposal the rules make, unless one
    is already waiting, the workflow would refuse it now, or the same change was rejected within
    `stepup_repropose_after_days`; withdraw a waiting proposal the rules no longer make.

    `found`: the team's position as of `today` if the caller has it already (the sweep computes a chunk's at
    once), else it is computed here.

    Returns the proposal raised, or None. Side effects: the regulation's score and reviewed_on, and the
    proposal row with audit `stepup.propose`, or audit `stepup.withdraw`. Idempotent within a day.
    """
    if found is None or found.regulation is None:
        ensure_regulation(team)
        found = queries.position(team, today, scheme)
    return review_teams([(team, found)], today=today, scheme=scheme)[0]


def review_teams(reviews: Sequence[tuple[Team, queries.Position]], *, today: date, scheme: Any
                 ) -> list[LevelProposal | None]:
    """`review_team` for each (team, its position with its regulation), written together: the sweep's month-end
    run raises thousands of proposals. The withdrawals are flushed at once; the new proposals go in one INSERT
    (`insert_all`) and are read back as objects in one SELECT, then audited in one statement: flushed as objects,
    4,500 proposals bound 60,000 parameters that psycopg parsed for 2.4 s. Returns each team's raised proposal
    or None, in order. Same side effects."""
    reviewed = [_review(team, found, today, scheme) for team, found in reviews]
    db.session.flush()  # the withdrawals (and the scores store_scores left to the flush)
    raised = _raise([values for _, values in reviewed if values is not None])
    rows, proposals = [], []
    for withdrawn, values in reviewed:  # audited team by team: its withdrawal, then what replaces it
        if withdrawn is not None:
            rows.append(_decision_audit(*withdrawn, by=None))
        proposal = next(raised) if values is not None else None
        if proposal is not None:
            rows.append(audit.values(
                "stepup.propose", proposal, to_state=proposal.status, reason=proposal.explanation,
                workflow_version=PROPOSAL_WORKFLOW.version,
                data={"team_id": proposal.team_id, "from": proposal.from_level.value, "to": proposal.to_level.value,
                      "score": proposal.score, "reasons": proposal.reasons}))
        proposals.append(proposal)
    audit.write_all(rows)
    return proposals


def _raise(rows: list[dict[str, Any]]) -> Iterator[LevelProposal]:
    """Insert the proposals `rows` and give them back as objects, in order, each in its regulation's proposals
    (when those are loaded already: else a first look loads them with it)."""
    table = LevelProposal.__table__
    ids = insert_all(table, rows, returning=table.c.id)
    if not ids:
        return iter(())
    made = {p.id: p for p in db.session.scalars(
        sa.select(LevelProposal).where(one_of(LevelProposal.id, ids)))}
    for proposal in made.values():
        regulation = proposal.regulation  # in the session already: no query
        if "proposals" not in sa.inspect(regulation).unloaded:
            set_committed_value(regulation, "proposals", [*regulation.proposals, proposal])
    return (made[i] for i in ids)


def _review(team: Team, found: queries.Position, today: date, scheme: Any
            ) -> tuple[tuple[LevelProposal, Fired, str] | None, dict[str, Any] | None]:
    """One team's review, unflushed: the score; a waiting proposal withdrawn (with how, for its audit row); the
    row of the proposal to raise (not yet written)."""
    regulation = found.regulation
    if (regulation.score, regulation.reviewed_on) != (found.risk.value, today):  # else stored already (store_scores)
        regulation.score, regulation.reviewed_on = found.risk.value, today
    proposed, pending = found.proposal.value, found.pending
    wanted = proposed is not None and not proposed.blocked
    withdrawn = None
    if pending is not None:
        if wanted and pending.trigger == proposed.trigger:
            return None, None
        note = f"The engine no longer proposes it: {found.proposal.explanation}"
        withdrawn = pending, _decided(pending, "withdraw", by=None, note=note), note
    if not wanted or _recently_rejected(regulation, proposed.trigger, today, scheme):
        return withdrawn, None
    return withdrawn, {
        "regulation_id": regulation.id, "team_id": team.id, "trigger": proposed.trigger,
        "from_level": regulation.level, "to_level": proposed.to_level, "status": ProposalStatus.PENDING,
        "score": found.risk.value, "explanation": found.proposal.explanation,
        "reasons": reasons_as_data(found.reasons), "scheme_version": scheme.version, "proposed_at": utcnow(),
        "decided_at": None, "decided_by_id": None, "decision_note": None,
    }


def store_scores(found: Iterable[queries.Position], *, today: date) -> None:
    """Store each position's risk score on its regulation, reviewed `today`, as `review_team` does, for many
    teams in one UPDATE (bulk.update_each) instead of one flush each; `review_team` then finds them stored.

    Positions without a regulation are left to `review_team`. Each row's version is checked and bumped as the
    ORM's flush would (raises StaleDataError if a regulation changed since it was read). Side effects: score,
    reviewed_on and version of each regulation whose score or review day changes.
    """
    changed = [(p.regulation, p.risk.value) for p in found if p.regulation is not None
               and (p.regulation.score, p.regulation.reviewed_on) != (p.risk.value, today)]
    if not changed:
        return
    db.session.flush()  # pending changes first, so that each version read below is the stored one
    matched = update_each(StepupRegulation.__table__, [
        ({"id": r.id, "version": r.version}, {"score": score, "version": r.version + 1}) for r, score in changed],
        fixed={"reviewed_on": today})
    if matched != len(changed):
        raise StaleDataError(f"stepup_regulations: {len(changed)} rows to update, {matched} matched")
    for regulation, score in changed:  # the objects as stored, not as changed: the next flush has nothing to write
        version = regulation.version + 1
        for key, value in (("score", score), ("reviewed_on", today), ("version", version)):
            set_committed_value(regulation, key, value)


def _recently_rejected(regulation: StepupRegulation, trigger: str, today: date, scheme: Any) -> bool:
    """Whether the same change from the same level was rejected within `stepup_repropose_after_days`, from the
    regulation's proposals (loaded with it: no query for a sweep's thousands of teams)."""
    since = today - timedelta(days=scheme.stepup_repropose_after_days)  # a London day, as `today` is
    return any(p.trigger == trigger and p.from_level is regulation.level and p.status is ProposalStatus.REJECTED
               and london_day(p.decided_at) >= since for p in regulation.proposals)


def _decide(proposal: LevelProposal, trigger: str, *, by: Any, note: str | None) -> None:
    """Fire `trigger` on the proposal with its decision (who, when, the note), flush, and audit it."""
    fired = _decided(proposal, trigger, by=by, note=note)
    db.session.flush()
    audit.write_all([_decision_audit(proposal, fired, note, by=by)])


def _decided(proposal: LevelProposal, trigger: str, *, by: Any, note: str | None) -> Fired:
    """The decision made on the object, unflushed and unaudited (_decide, or a sweep's one flush, finishes it)."""
    with db.session.no_autoflush:  # state and decision reach the database together (check constraints)
        fired = PROPOSAL_WORKFLOW.fire(proposal, trigger, reason=note)
        proposal.decided_at, proposal.decided_by_id, proposal.decision_note = utcnow(), getattr(by, "id", None), note
    return fired


def _decision_audit(proposal: LevelProposal, fired: Fired, note: str | None, *, by: Any) -> dict[str, Any]:
    return audit.values(f"stepup.{fired.trigger}", proposal, by=by, from_state=fired.from_state,
                        to_state=fired.to_state, reason=note, workflow_version=PROPOSAL_WORKFLOW.version,
                        data={"team_id": proposal.team_id, "from": proposal.from_level.value,
                              "to": proposal.to_level.value, "score": proposal.score,
                              "explanation": proposal.explanation, "reasons": proposal.reasons})


def change_level(regulation: StepupRegulation, trigger: str, *, by: Any, reason: str, today: date, scheme: Any,
                 proposal: LevelProposal | None = None) -> LevelChange:
    """Trigger `step_up` or `step_down`: the team moves one level, its new cycle starting today.

    Guards (workflows.stepup): a reason; stepping down after `stepup_min_months_before_step_down` at the level;
    stepping up after `stepup_min_months_before_step_up`, or at once with a red signal. Raises IllegalTrigger
    (no level that way) or GuardRefused (every reason). A waiting proposal the change does not carry out is
    withdrawn. Side effects: level, since, cycle_started_on, the LevelChange row, audit `stepup.<trigger>` with
    the proposal and its reasons.
    """
    found = queries.position(regulation.team, today, scheme)
    context = guard_context(months_between(regulation.since, today), found.has_red, scheme)
    fired = STEPUP_WORKFLOW.fire(regulation, trigger, reason=reason, **context)
    regulation.since = regulation.cycle_started_on = today
    now = utcnow()
    change = LevelChange(team_id=regulation.team_id, regulation_id=regulation.id, from_level=fired.from_state,
                         to_level=fired.to_state, changed_at=now, changed_on=today, changed_by_id=getattr(by, "id", None),
                         proposal_id=proposal.id if proposal else None, reason=reason.strip())
    db.session.add(change)
    db.session.flush()
    reasons = proposal.reasons if proposal else reasons_as_data(found.reasons)
    audit.record(f"stepup.{trigger}", regulation, by=by, from_state=fired.from_state, to_state=fired.to_state,
                 reason=reason.strip(), workflow_version=STEPUP_WORKFLOW.version,
                 data={"team_id": regulation.team_id, "proposal_id": proposal.id if proposal else None,
                       "score": proposal.score if proposal else found.risk.value, "reasons": reasons})
    other = regulation.pending_proposal
    if other is not None and other is not proposal:
        _decide(other, "withdraw", by=by, note=f"The level changed: {fired.from_state.short_label} to "
                                               f"{fired.to_state.short_label}")
    return change


def approve_proposal(proposal: LevelProposal, *, by: Any, note: str, today: date, scheme: Any) -> LevelChange:
    """A quality lead approves a waiting proposal with a note: the team moves the level proposed.

    Raises StepupError (no note, or the proposal no longer matches the team's level), IllegalTrigger if it is
    not waiting, GuardRefused if the Step-up workflow refuses the change now. Side effects: change_level's, the
    proposal approved (decided_at/by, note) and audit `stepup.approve` with its reasons.
    """
    text = _text(note, field="note", missing="Give a note saying why you approve the change")
    if proposal.status is not ProposalStatus.PENDING:
        raise StepupError(f"This proposal is already {proposal.status.label.lower()}")
    regulation = proposal.regulation
    if regulation.level is not proposal.from_level:
        raise StepupError(f"The team is now at {regulation.level.short_label}, not {proposal.from_level.short_label}: "
                          "this proposal no longer applies")
    change = change_level(regulation, proposal.trigger, by=by, reason=text, today=today, scheme=scheme,
                          proposal=proposal)
    _decide(proposal, "approve", by=by, note=text)
    return change


def reject_proposal(proposal: LevelProposal, *, by: Any, note: str) -> None:
    """A quality lead rejects a waiting proposal with a note; the team stays where it is.

    Raises StepupError without a note, IllegalTrigger if it is not waiting. Side effects: decided_at/by, the
    note, audit `stepup.reject` with the proposal's reasons. The engine does not propose the same change again
    for `stepup_repropose_after_days`.
    """
    text = _text(note, field="note", missing="Give a note saying why you reject the proposal")
    _decide(proposal, "reject", by=by, note=text)
