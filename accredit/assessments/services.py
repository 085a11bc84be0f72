"""Self-assessment state changes: opening periods, saving answers, submit, accept, return, miss, copy forward."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.bulk import insert_new, one_of
from accredit.assessments.models import AssessmentResponse, SelfAssessment, london_day
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.models_base import utcnow
from accredit.org.models import Team
from workflows.assessment import ASSESSMENT_WORKFLOW, EDITABLE, AssessmentStatus
from workflows.base import WorkflowError
from workflows.periods import Period
from workflows.ratings import Rating

MAX_NARRATIVE = 5000
# Line breaks and tabs belong in a narrative; other control characters never do (PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AssessmentError(WorkflowError):
    """A refused change to a self-assessment; `field` names the standard or field it concerns."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.field = field


class EditConflict(AssessmentError):
    """Someone else saved this standard since the caller loaded it; `theirs` is what they saved."""

    def __init__(self, response: AssessmentResponse):
        who = response.updated_by.name if response.updated_by else "Someone"
        super().__init__(f"{who} changed {response.standard.code} since you opened it", field=response.standard.code)
        self.theirs = response


@dataclass(frozen=True)
class Answer:
    """What the caller wants one standard to say; None evidence leaves the links as they are."""

    code: str
    rating: Rating | None
    narrative: str
    evidence_ids: Sequence[int] | None = None
    expected_version: int | None = None  #: the response version the caller loaded (None: don't check)


def ensure_assessment(team: Team, period: Period) -> tuple[SelfAssessment, bool]:
    """The team's assessment for `period`, created (open, one empty answer per standard) if missing.

    Uses the current version of the team's framework. Returns (assessment, created). Idempotent.
    Raises AssessmentError if the team's framework has not been imported.
    """
    existing = _assessment_for(team.id, period)
    if existing is not None:
        return existing, False
    if current_version(team.framework_key) is None:
        raise AssessmentError(f"The framework {team.framework_key} has not been imported")
    made = open_assessments([team], period)
    assessment = _assessment_for(team.id, period)
    ensure_answers(assessment)
    return assessment, made == 1


def _assessment_for(team_id: int, period: Period) -> SelfAssessment | None:
    return db.session.scalar(
        sa.select(SelfAssessment).where(SelfAssessment.team_id == team_id, SelfAssessment.period_start == period.start)
    )


OPEN_BATCH = 500  #: teams per batch


def open_assessments(teams: Sequence[Team], period: Period) -> int:
    """Open `period`'s self-assessment for each of `teams` that lacks one; returns how many were opened.

    Each is open, on the current version of the team's framework; its empty answers are written when it is
    first read (ensure_answers). A team whose framework has not been imported is skipped (the next run opens
    it). Written a batch of OPEN_BATCH teams at a time, two statements a batch, because the month-end sweep
    opens every team's period at once.
    The rows go in with INSERT ... ON CONFLICT DO NOTHING: a team whose period another run opened first is
    skipped (on PostgreSQL the insert waits for that run to commit) and nothing else is undone.
    Side effects: the assessments, audit `assessment.open` for each one opened.
    """
    versions = {key: current_version(key) for key in {team.framework_key for team in teams}}
    ready = [team for team in teams if versions[team.framework_key] is not None]
    opened = 0
    for start in range(0, len(ready), OPEN_BATCH):
        opened += _open_batch(ready[start:start + OPEN_BATCH], period, versions)
    return opened


def _open_batch(teams: Sequence[Team], period: Period, versions: dict[str, Any]) -> int:
    now = utcnow()
    rows = [{"team_id": team.id, "framework_version_id": versions[team.framework_key].id,
             "period_start": period.start, "period_end": period.end, "due_on": period.due,
             "status": AssessmentStatus.OPEN, "created_at": now, "version": 1} for team in teams]
    table = SelfAssessment.__table__
    ids = insert_new(table, rows, unique=["team_id", "period_start"], returning=table.c.id)
    if not ids:
        return 0
    audit.record_many("assessment.open", SelfAssessment.__tablename__, ids, to_state=AssessmentStatus.OPEN,
                      data={"period": period.start.isoformat()})
    return len(ids)


def ensure_answers(assessment: SelfAssessment) -> bool:
    """Write `assessment`'s empty answers, one per standard of its framework version, if it has none yet;
    returns whether it had none (its `responses` are then expired: the caller commits and loads them again).

    The month-end opening writes only the self-assessments (open_assessments). Writing 270,000 empty answers
    with them took 4 to 7 s at 10,000 teams, most of it PostgreSQL checking each answer's foreign keys, and
    every reminder of the new periods waited for it. So the first page or API call that reads or edits an
    assessment's answers writes them, as they would have been written at the opening (version 1, no rating, no
    narrative). Two first readers at once are fine: the second's insert skips the rows the first wrote (on
    PostgreSQL after waiting for its commit)."""
    if assessment.responses:
        return False
    rows = [{"assessment_id": assessment.id, "standard_id": standard.id, "position": standard.position,
             "narrative": "", "version": 1} for standard in assessment.framework_version.standards]
    table = AssessmentResponse.__table__
    insert_new(table, rows, unique=["assessment_id", "standard_id"], returning=table.c.id)
    db.session.expire(assessment, ["responses"])
    return True


def _fire(assessment: SelfAssessment, trigger: str, *, by: Any, reason: str | None = None) -> None:
    fired = ASSESSMENT_WORKFLOW.fire(assessment, trigger, reason=reason, by=by)
    audit.record(trigger, assessment, by=by, from_state=fired.from_state, to_state=fired.to_state,
                 reason=reason, workflow_version=ASSESSMENT_WORKFLOW.version)


def start_self_assessment(assessment: SelfAssessment, *, by: Any) -> None:
    """Trigger `start`: open -> in_progress. Side effects: started_at, audit row."""
    _fire(assessment, "start", by=by)
    assessment.started_at = utcnow()
    db.session.flush()


def save_answers(assessment: SelfAssessment, answers: Iterable[Answer], *, by: Any) -> list[AssessmentResponse]:
    """Save answers to standards, starting the assessment if it was open.

    Checks every answer before writing any: unknown standard, too long a narrative, evidence from
    another team, or a stale `expected_version` (EditConflict) raise and change nothing. Answers equal
    to what is stored are skipped. Side effects: response rows (their versions bump), updated_at
    (bumps the assessment version), `start` if open. Returns the responses that changed.
    """
    if assessment.status not in EDITABLE:
        raise AssessmentError(f"This self-assessment is {assessment.status.label.lower()} and can no longer be changed")
    planned = [(_response(assessment, a.code), a) for a in answers]
    for response, answer in planned:
        _check_answer(assessment, response, answer)
    changed = [(r, a) for r, a in planned if _differs(r, a)]
    if changed and assessment.status is AssessmentStatus.OPEN:
        start_self_assessment(assessment, by=by)
    with db.session.no_autoflush:  # one UPDATE per answer, however many attributes (and lazy loads) it takes
        for response, answer in changed:
            _apply(response, answer, by)
        if changed:
            assessment.updated_at = utcnow()
    db.session.flush()
    return [r for r, _ in changed]


def _response(assessment: SelfAssessment, code: str) -> AssessmentResponse:
    response = assessment.response_for(code)
    if response is None:
        raise AssessmentError(f"{code} is not a standard of this self-assessment", field=code)
    return response


def _check_answer(assessment: SelfAssessment, response: AssessmentResponse, answer: Answer) -> None:
    if answer.expected_version is not None and answer.expected_version != response.version and _differs(response, answer):
        raise EditConflict(response)
    if _CONTROL.search(answer.narrative):
        raise AssessmentError(f"{answer.code}: the narrative contains characters that cannot be stored", field=answer.code)
    if len(answer.narrative) > MAX_NARRATIVE:
        raise AssessmentError(f"{answer.code}: the narrative must be {MAX_NARRATIVE} characters or fewer", field=answer.code)
    if answer.evidence_ids:
        from accredit.evidence.models import Evidence

        found = db.session.scalars(
            sa.select(Evidence.id).where(Evidence.id.in_(answer.evidence_ids), Evidence.team_id == assessment.team_id,
                                         Evidence.deleted_at.is_(None))
        ).all()
        if set(found) != set(answer.evidence_ids):
            raise AssessmentError(f"{answer.code}: evidence can only come from this team's library", field=answer.code)


def _differs(response: AssessmentResponse, answer: Answer) -> bool:
    if response.rating != answer.rating or (response.narrative or "") != answer.narrative:
        return True
    return answer.evidence_ids is not None and {e.id for e in response.evidence} != set(answer.evidence_ids)


def _apply(response: AssessmentResponse, answer: Answer, by: Any) -> None:
    from accredit.evidence.models import Evidence

    response.rating, response.narrative = answer.rating, answer.narrative
    if answer.evidence_ids is not None:
        ids = list(answer.evidence_ids)
        # In the relationship's order, as a fresh load would give them (the API answers from this list).
        response.evidence = list(db.session.scalars(
            sa.select(Evidence).where(Evidence.id.in_(ids)).order_by(Evidence.title))) if ids else []
    response.updated_at, response.updated_by_id = utcnow(), getattr(by, "id", None)


def submit_self_assessment(assessment: SelfAssessment, *, by: Any) -> None:
    """Trigger `submit`: in_progress -> submitted, once every standard has a rating and a narrative.

    Side effects: submitted_at/by, return reason cleared, audit row. Raises GuardRefused naming
    every unanswered standard, IllegalTrigger from any other state.
    """
    with db.session.no_autoflush:  # state and submission reach the database together (check constraint)
        _fire(assessment, "submit", by=by)
        assessment.submitted_at, assessment.submitted_by_id = utcnow(), by.id
        assessment.return_reason = None
    db.session.flush()


def accept_self_assessment(assessment: SelfAssessment, *, by: Any) -> None:
    """Trigger `accept`: submitted -> accepted. Side effects: accepted_at/by, audit row."""
    with db.session.no_autoflush:
        _fire(assessment, "accept", by=by)
        assessment.accepted_at, assessment.accepted_by_id = utcnow(), by.id
    db.session.flush()


def return_self_assessment(assessment: SelfAssessment, *, by: Any, reason: str) -> None:
    """Trigger `return_to_team`: submitted -> in_progress with a reason the team sees at the top.

    Side effects: returned_at, return_reason, submitted_at/by cleared (it must be submitted again), audit row.
    """
    with db.session.no_autoflush:
        _fire(assessment, "return_to_team", by=by, reason=reason)
        assessment.returned_at, assessment.return_reason = utcnow(), reason.strip()
        assessment.submitted_at = assessment.submitted_by_id = None
    db.session.flush()


def close_missed(assessment: SelfAssessment, *, now: datetime) -> None:
    """Trigger `close_period` (the system, when the period ends unsubmitted): -> missed. Audited."""
    close_all_missed([assessment], now=now)


MISSED_REASON = "The period ended without a submission"


@dataclass
class _StandIn:
    """A record the workflow can carry from one state: every assessment in that state goes where it goes."""

    status: AssessmentStatus


def close_all_missed(assessments: Sequence[Any], *, now: datetime) -> int:
    """`close_missed` for each of `assessments` at once (objects, or rows of their id and status); returns how
    many were closed.

    At month end every unsubmitted period closes together, so the workflow is asked once per state (it refuses
    with IllegalTrigger, changing nothing, if `close_period` is not allowed from it), then each state's rows are
    updated in batches of OPEN_BATCH, only while still in that state: one submitted meanwhile stays submitted.
    Side effects: status missed, closed_at, version bumped, audit `close_period` for each; objects given are
    expired so they reload as they now are (rows given are only read).
    """
    db.session.flush()  # the caller's pending changes first: the UPDATE below reads the stored state
    by_state: dict[AssessmentStatus, list[int]] = {}
    for assessment in assessments:
        by_state.setdefault(assessment.status, []).append(assessment.id)
    closed = 0
    for state, ids in by_state.items():
        fired = ASSESSMENT_WORKFLOW.fire(_StandIn(state), "close_period", reason=MISSED_REASON, by=None)
        for start in range(0, len(ids), OPEN_BATCH):
            closed += _close_batch(ids[start:start + OPEN_BATCH], fired, now)
    for assessment in assessments:
        if isinstance(assessment, SelfAssessment):
            db.session.expire(assessment)
    return closed


def _close_batch(ids: Sequence[int], fired: Any, now: datetime) -> int:
    table = SelfAssessment.__table__
    done = list(db.session.execute(
        sa.update(table).where(one_of(table.c.id, ids), table.c.status == fired.from_state)
        .values(status=fired.to_state, closed_at=now, version=table.c.version + 1).returning(table.c.id)
    ).scalars())
    audit.record_many(fired.trigger, SelfAssessment.__tablename__, done, from_state=fired.from_state,
                      to_state=fired.to_state, reason=MISSED_REASON, workflow_version=ASSESSMENT_WORKFLOW.version)
    return len(done)


def previous_assessment(assessment: SelfAssessment) -> SelfAssessment | None:
    """The team's latest assessment before this one that has any answer, or None."""
    return db.session.scalar(
        sa.select(SelfAssessment)
        .where(SelfAssessment.team_id == assessment.team_id, SelfAssessment.period_start < assessment.period_start)
        .where(SelfAssessment.responses.any(AssessmentResponse.rating.is_not(None)))
        .order_by(SelfAssessment.period_start.desc())
        .limit(1)
    )


def copy_forward(assessment: SelfAssessment, *, by: Any) -> list[str]:
    """Fill this period's unanswered standards from the previous period's answers and evidence links.

    Standards are matched by code (so a newer framework version still copies what it shares); answers
    already given this period are kept. Returns the codes copied. Raises AssessmentError if there is
    nothing to copy from or the assessment can no longer be changed.
    """
    source = previous_assessment(assessment)
    if source is None:
        raise AssessmentError("There is no earlier self-assessment to start from")
    answers = []
    for response in assessment.responses:
        old = source.response_for(response.standard.code)
        if old is None or response.rating is not None or (response.narrative or "").strip() or old.rating is None:
            continue
        answers.append(Answer(response.standard.code, old.rating, old.narrative,
                              [e.id for e in old.evidence if e.deleted_at is None]))
    changed = save_answers(assessment, answers, by=by)
    audit.record("assessment.copy_forward", assessment, by=by,
                 data={"from": source.id, "standards": [r.standard.code for r in changed]})
    return [r.standard.code for r in changed]


def today_in_london(now: datetime | None = None) -> date:
    return london_day(now or utcnow())


def split_conflicts(assessment: SelfAssessment, answers: Iterable[Answer]) -> tuple[list[Answer], list[AssessmentResponse]]:
    """Separate answers that can be saved from standards someone else changed since the caller loaded them.

    Returns (answers safe to save, responses in conflict). Reads only; changes nothing.
    """
    clean, conflicts = [], []
    for answer in answers:
        response = _response(assessment, answer.code)
        stale = answer.expected_version is not None and answer.expected_version != response.version
        if stale and _differs(response, answer):
            conflicts.append(response)
        else:
            clean.append(answer)
    return clean, conflicts
