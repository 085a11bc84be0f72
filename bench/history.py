"""The synthetic trust's history: monthly self-assessments with a rating per standard, evidence, audit and
reminders, then visits with their ratings and reviewers, improvement actions, eligibility and applications.

Each `*_rows` function yields tuples for BulkLoader in the column order of its `*_COLUMNS`. Ratings follow
each team's underlying quality with deterministic noise, so coverage and calibration figures look like a trust's.
"""
from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from bench.trust import Dice, Trust, TeamRow, at, month_number, month_start
from workflows.ratings import Domain, Rating

RATINGS = [r.value for r in (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD, Rating.OUTSTANDING)]
DOMAINS = [d.value for d in Domain]
DUE_AFTER_DAYS = 13  # the scheme's default: due on the 14th
_NOISE = [0] * 10 + [1, -1, 1, -1, 1, -1, 2, -2]
_NOISE_RNG = random.Random(7)
NOISE = [_NOISE_RNG.choice(_NOISE) for _ in range(4096)]
NARRATIVES = [f"Synthetic narrative {n}: what the team does, how it knows, and what it will change next." for n in
              range(16)]


def rating_for(quality: int, salt: int) -> str:
    return RATINGS[min(3, max(0, quality + NOISE[salt % 4096]))]


@dataclass(frozen=True)
class Standards:
    """Per framework key: (standard id, position) in order, and the framework version id."""

    by_key: dict[str, list[tuple[int, int]]]
    version_by_key: dict[str, int]


ASSESSMENT_COLUMNS = ("id", "team_id", "framework_version_id", "period_start", "period_end", "due_on", "status",
                      "created_at", "started_at", "submitted_at", "submitted_by_id", "accepted_at", "accepted_by_id",
                      "closed_at", "updated_at", "version")
RESPONSE_COLUMNS = ("id", "assessment_id", "standard_id", "position", "rating", "narrative", "updated_at",
                    "updated_by_id", "version")


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    team: TeamRow
    start: date
    status: str
    submitted_at: object
    answered: int  #: how many standards carry an answer (all, unless open or in progress)


def plan_assessments(dice: Dice, trust: Trust, first_month: date, months: int, today: date,
                     standards: Standards) -> list[AssessmentRow]:
    """One assessment per team per month up to `today`'s month; past ones accepted, submitted or missed."""
    plan: list[AssessmentRow] = []
    for team in trust.teams:
        n_std = len(standards.by_key[team.framework_key])
        last = months if team.closed_month is None else team.closed_month
        for m in range(last):
            start = month_start(first_month, m)
            due = start + timedelta(days=DUE_AFTER_DAYS)
            is_current = m == months - 1
            key = (team.id, month_number(start))
            roll = dice.unit(*key, 10)
            if is_current:
                # The month-end picture: a third submitted, the rest open or part-answered.
                if roll < 0.33 and today > due - timedelta(days=5):
                    status, answered = "submitted", n_std
                else:
                    status, answered = ("open", 0) if roll < 0.6 else ("in_progress", dice.int(1, n_std, *key, 11))
            elif roll < 0.04 + 0.04 * (team.quality == 0):
                status, answered = "missed", dice.int(0, n_std, *key, 12)
            else:
                status, answered = ("submitted" if m >= months - 2 and roll < 0.5 else "accepted"), n_std
            submitted = None
            if status in ("submitted", "accepted"):
                late = dice.unit(*key, 13) >= 0.9  # one in ten late
                offset = dice.int(1, 10, *key, 14) if late else dice.int(-6, 1, *key, 14)
                submitted = at(min(due + timedelta(days=offset), today), 15)
            plan.append(AssessmentRow(len(plan) + 1, team, start, status, submitted, answered))
    return plan


def assessment_rows(plan: list[AssessmentRow], standards: Standards, trust: Trust) -> Iterator[tuple]:
    for a in plan:
        start, team = a.start, a.team
        end = month_start(start, 1) - timedelta(days=1)
        due = start + timedelta(days=DUE_AFTER_DAYS)
        accepted_at = a.submitted_at + timedelta(days=3) if a.status == "accepted" else None
        started = at(start + timedelta(days=2)) if a.answered else None
        closed = at(end + timedelta(days=1), 1) if a.status == "missed" else None
        yield (a.id, team.id, standards.version_by_key[team.framework_key], start, end, due, a.status,
               at(start, 0), started, a.submitted_at, team.lead_id if a.submitted_at else None,
               accepted_at, trust.trust_lead_id if accepted_at else None, closed, a.submitted_at or started, 1)


def response_rows(plan: list[AssessmentRow], standards: Standards) -> Iterator[tuple]:
    next_id = 1
    for a in plan:
        team = a.team
        updated = a.submitted_at or at(a.start + timedelta(days=3))
        base = team.id * 7919 + month_number(a.start) * 31  # by team and month: the same at every size
        for index, (standard_id, position) in enumerate(standards.by_key[team.framework_key]):
            if index < a.answered:
                salt = base + position
                yield (next_id, a.id, standard_id, position, rating_for(team.quality, salt),
                       NARRATIVES[salt % 16], updated, team.member_ids[salt % 2], 1)
            else:
                yield (next_id, a.id, standard_id, position, None, "", None, None, 1)
            next_id += 1


def assessment_audit_rows(plan: list[AssessmentRow], trust: Trust, first_id: int) -> Iterator[tuple]:
    """AUDIT_COLUMNS rows: each assessment's opening, its submission and its acceptance."""
    n = first_id
    for a in plan:
        yield (n, at(a.start, 0), None, "assessment.open", "self_assessments", a.id, None, "open", None, None, None)
        n += 1
        if a.submitted_at:
            yield (n, a.submitted_at, a.team.lead_id, "submit", "self_assessments", a.id, "in_progress", "submitted",
                   None, "1", None)
            n += 1
        if a.status == "accepted":
            yield (n, a.submitted_at + timedelta(days=3), trust.trust_lead_id, "accept", "self_assessments", a.id,
                   "submitted", "accepted", None, "1", None)
            n += 1
        if a.status == "missed":
            yield (n, at(month_start(a.start, 1), 1), None, "miss", "self_assessments", a.id, "open", "missed",
                   None, "1", None)
            n += 1


AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "subject_type", "subject_id", "from_state", "to_state", "reason",
                 "workflow_version", "data")
NOTIFICATION_COLUMNS = ("id", "recipient_id", "kind", "dedupe_key", "subject", "body_text", "body_html", "link",
                        "in_app", "created_at", "read_at", "email_state", "attempts", "sent_at")


def notification_rows(plan: list[AssessmentRow], today: date) -> Iterator[tuple]:
    """The 7-day due reminder every past period sent its team lead, delivered and mostly read."""
    n = 1
    for a in plan:
        due = a.start + timedelta(days=DUE_AFTER_DAYS)
        sent_day = due - timedelta(days=7)
        if sent_day >= today:
            continue
        sent = at(sent_day, 7)
        subject = f"{a.team.code}: the {a.start:%B %Y} self-assessment is due in 7 days"
        yield (n, a.team.lead_id, "assessment.due", f"assessment:{a.id}:due:{due.isoformat()}:{a.team.lead_id}",
               subject, subject + ".", f"<p>{subject}.</p>", f"/self-assessments/{a.id}", True, sent,
               sent + timedelta(hours=5) if n % 4 else None, "sent", 1, sent)
        n += 1


EVIDENCE_COLUMNS = ("id", "team_id", "title", "original_name", "content_hash", "size_bytes", "media_type",
                    "review_by", "uploaded_at", "uploaded_by_id", "version")
EVIDENCE_EVERY_MONTHS = 2


def evidence_months(first_month: date, months: int) -> list[int]:
    """Indexes of the months in which every team uploads a document (even calendar months)."""
    return [m for m in range(months) if month_number(month_start(first_month, m)) % EVIDENCE_EVERY_MONTHS == 0]


def evidence_rows(trust: Trust, first_month: date, months: int) -> Iterator[tuple]:
    """Metadata only (no files are written): every other month each team uploads one document."""
    n = 1
    for team in trust.teams:
        for m in evidence_months(first_month, months):
            day = month_start(first_month, m) + timedelta(days=team.id % 20)
            digest = hashlib.sha256(f"{team.id}:{month_number(day)}".encode()).hexdigest()
            yield (n, team.id, f"Audit results {day:%B %Y}", f"audit-{day:%Y-%m}.pdf", digest, 20_000 + n % 500_000,
                   "application/pdf", day + timedelta(days=365), at(day, 11), team.member_ids[m % 2], 1)
            n += 1


def response_evidence_rows(plan: list[AssessmentRow], standards: Standards, first_month: date,
                           months: int) -> Iterator[tuple]:
    """Each answered assessment links the evidence its team uploaded last to its first two standards."""
    uploads = evidence_months(first_month, months)
    per_team = len(uploads)  # evidence_rows numbers each team's documents in one run
    response_id = 0
    for a in plan:
        first_response = response_id + 1
        response_id += len(standards.by_key[a.team.framework_key])
        months_in = (a.start.year - first_month.year) * 12 + a.start.month - first_month.month
        latest = bisect.bisect_right(uploads, months_in) - 1
        if a.answered < 2 or latest < 0:
            continue
        evidence_id = (a.team.id - 1) * per_team + 1 + latest
        yield (first_response, evidence_id)
        yield (first_response + 1, evidence_id)
