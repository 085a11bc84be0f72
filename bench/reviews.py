"""The synthetic trust's reviews: Quality Review Visits and peer reviews with a rating per domain and their
reviewers, the improvement actions they raise, eligibility as computed after each QRV, and applications.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bench.history import DOMAINS, rating_for
from bench.trust import Dice, Trust, TeamRow, at, month_number, month_start
from workflows.ratings import Rating
from workflows.rules import cqc_principles

VISIT_COLUMNS = ("id", "team_id", "kind", "status", "visit_date", "scheme_version", "planned_by_id", "created_at",
                 "scheduled_at", "started_at", "drafted_at", "sent_at", "factual_accuracy_due", "published_at",
                 "published_by_id", "summary", "overall_computed", "overall_rating", "overall_overridden", "version")
RATING_COLUMNS = ("id", "visit_id", "domain", "rating", "findings")
REVIEWER_COLUMNS = ("id", "visit_id", "user_id", "is_lead", "assigned_at", "assigned_by_id")
ACTION_COLUMNS = ("id", "team_id", "title", "description", "finding", "source", "visit_id", "domain", "owner_id",
                  "due_on", "status", "created_at", "created_by_id", "started_at", "completed_at", "verified_at",
                  "verified_by_id", "version")
ELIGIBILITY_COLUMNS = ("id", "team_id", "is_eligible", "explanation", "inputs", "scheme_version", "computed_at")
APPLICATION_COLUMNS = ("id", "team_id", "status", "eligibility_id", "invited_at", "invitation_expires_on",
                       "scheme_version", "closed_at", "close_reason", "version", "started_at", "submitted_at",
                       "assured_at", "decided_at", "panel_date", "round", "framework_version_id")


@dataclass
class VisitPlan:
    id: int
    team: TeamRow
    kind: str
    status: str
    day: date
    ratings: dict[str, str] = field(default_factory=dict)
    overall: str | None = None
    published_at: datetime | None = None


@dataclass
class Reviews:
    visits: list[VisitPlan]
    eligibility: list[tuple]
    applications: list[tuple]


def plan_reviews(dice: Dice, trust: Trust, first_month: date, months: int, today: date,
                 accreditation_version: int | None = None) -> Reviews:
    """A QRV a year per team (published once past), a peer review a year for half the teams, one QRV planned."""
    visits: list[VisitPlan] = []
    eligibility: list[tuple] = []
    applications: list[tuple] = []
    for team in trust.teams:
        last = months if team.closed_month is None else team.closed_month
        offset = (team.id - month_number(first_month)) % 12  # the team's QRV month is the same every year
        published: list[VisitPlan] = []
        for m in range(offset, last + 3 if team.closed_month is None else last, 12):
            day = month_start(first_month, m) + timedelta(days=team.id % 25)
            visits.append(_visit(len(visits) + 1, team, "qrv", day, today, dice))
            if visits[-1].status == "published":
                published.append(visits[-1])
                _check_eligibility(team, published, eligibility, applications, today, accreditation_version)
            if team.id % 2 and m + 6 < last:
                peer_day = month_start(first_month, m + 6) + timedelta(days=team.id % 25)
                visits.append(_visit(len(visits) + 1, team, "peer_review", peer_day, today, dice))
    return Reviews(visits, eligibility, applications)


def _visit(visit_id: int, team: TeamRow, kind: str, day: date, today: date, dice: Dice) -> VisitPlan:
    age = (today - day).days
    if age > 30:
        status = "published"
    elif age > 10:
        status = "factual_accuracy"
    elif age > 0:
        status = "draft_report"
    else:
        status = "scheduled" if -age < 90 else "planned"
    plan = VisitPlan(visit_id, team, kind, status, day)
    if status in ("published", "factual_accuracy", "draft_report"):
        salt = team.id * 7919 + month_number(day) * 7  # by team and month, not by id: the same at every size
        plan.ratings = {d: rating_for(team.quality, salt + i) for i, d in enumerate(DOMAINS)}
        plan.overall = cqc_principles([Rating(r) for r in plan.ratings.values()]).value.value
    if status == "published":
        plan.published_at = at(day + timedelta(days=dice.int(20, 30, team.id, month_number(day), 20)), 16)
    return plan


def _check_eligibility(team: TeamRow, published: list[VisitPlan], eligibility: list[tuple], applications: list[tuple],
                       today: date, accreditation_version: int | None) -> None:
    last_two = [v for v in published if v.kind == "qrv"][-2:]
    good = [v for v in last_two if Rating(v.overall) >= Rating.GOOD]
    is_eligible = len(last_two) == 2 and len(good) == 2
    when = published[-1].published_at
    explanation = ("Eligible: the two most recent published QRVs were rated Good or better" if is_eligible else
                   f"Not eligible: {len(good)} of the two most recent published QRVs were rated Good or better")
    check_id = len(eligibility) + 1
    eligibility.append((check_id, team.id, is_eligible, explanation,
                        {"visits": [v.id for v in last_two], "needed": 2}, "1", when))
    live = applications and applications[-1][1] == team.id and applications[-1][2] in ("invited", "preparing")
    if is_eligible and not live:
        invited = when.date()
        expires = invited + timedelta(days=90)
        if expires < today:
            status, closed_at, reason = ("closed", at(expires, 2), "The invitation lapsed") if team.id % 3 == 0 else \
                ("decided", at(invited + timedelta(days=80)), None)
        else:
            status, closed_at, reason = ("invited" if team.id % 2 else "preparing"), None, None
        decided = status == "decided"
        started = at(invited + timedelta(days=5)) if status in ("preparing", "decided") else None
        applications.append((len(applications) + 1, team.id, status, check_id, when, expires, "1", closed_at, reason, 1,
                             started, at(invited + timedelta(days=40)) if decided else None,
                             at(invited + timedelta(days=60)) if decided else None,
                             at(invited + timedelta(days=80), 17) if decided else None,
                             invited + timedelta(days=80) if decided else None, int(decided),
                             accreditation_version if started else None))


def visit_rows(reviews: Reviews, trust: Trust) -> Iterator[tuple]:
    for v in reviews.visits:
        rated = bool(v.ratings)
        scheduled = at(v.day - timedelta(days=90))
        yield (v.id, v.team.id, v.kind, v.status, v.day, "1", trust.trust_lead_id, scheduled - timedelta(days=7),
               scheduled if v.status != "planned" else None,
               at(v.day) if rated else None, at(v.day + timedelta(days=7)) if rated else None,
               at(v.day + timedelta(days=10)) if v.status in ("factual_accuracy", "published") else None,
               v.day + timedelta(days=24) if v.status in ("factual_accuracy", "published") else None,
               v.published_at, trust.reviewer_ids[v.id % len(trust.reviewer_ids)] if v.published_at else None,
               "Synthetic visit summary." if rated else "", v.overall, v.overall, False, 1)


def visit_rating_rows(reviews: Reviews) -> Iterator[tuple]:
    n = 1
    for v in reviews.visits:
        for domain, rating in v.ratings.items():
            yield (n, v.id, domain, rating, f"Findings for {domain}.")
            n += 1


def reviewer_rows(reviews: Reviews, trust: Trust) -> Iterator[tuple]:
    n = 1
    count = len(trust.reviewer_ids)
    for v in reviews.visits:
        if v.status == "planned":
            continue
        first = trust.reviewer_ids[v.id % count]
        second = trust.reviewer_ids[(v.id + 1) % count]
        yield (n, v.id, first, True, at(v.day - timedelta(days=80)), trust.trust_lead_id)
        yield (n + 1, v.id, second, False, at(v.day - timedelta(days=80)), trust.trust_lead_id)
        n += 2


def action_rows(reviews: Reviews, today: date) -> Iterator[tuple]:
    """An action for every domain a visit rated below Good; closed once verified, open or overdue otherwise."""
    n = 1
    for v in reviews.visits:
        for domain, rating in v.ratings.items():
            if Rating(rating) >= Rating.GOOD:
                continue
            due = v.day + timedelta(days=90)
            created = at(v.day + timedelta(days=7))
            if due + timedelta(days=30) < today and n % 10:
                status, started, completed, verified = "closed", created, at(due), at(due + timedelta(days=14))
            else:
                status = ("open", "in_progress", "awaiting_evidence")[n % 3]
                started = created if status != "open" else None
                completed = at(due - timedelta(days=5)) if status == "awaiting_evidence" else None
                verified = None
            yield (n, v.team.id, f"Improve {domain.replace('_', '-')} practice", "Synthetic action.",
                   f"The visit found {domain.replace('_', '-')} {rating.replace('_', ' ')}.", "visit", v.id, domain,
                   v.team.lead_id, due, status, created, v.team.lead_id, started, completed, verified,
                   v.team.lead_id if verified else None, 1)
            n += 1


def visit_audit_rows(reviews: Reviews, first_id: int) -> Iterator[tuple]:
    n = first_id
    for v in reviews.visits:
        if v.published_at:
            yield (n, v.published_at, None, "publish", "visits", v.id, "factual_accuracy", "published", None, "1", None)
            n += 1
