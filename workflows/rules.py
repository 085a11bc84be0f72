"""Rules as pure functions over settings: each returns its result with the explanation people read.

A rule never reads the clock or the database; callers pass inputs and the scheme's settings, so any
outcome can be recomputed later from what was stored.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from workflows.ratings import Domain, Rating

T = TypeVar("T")


@dataclass(frozen=True)
class RuleResult(Generic[T]):
    """A computed outcome: its value, the sentence that explains it, the rule's name and what went in."""

    value: T
    explanation: str
    rule: str
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SafThresholds:
    """Single assessment framework scoring bands, as whole percentages (DESIGN.md §5.2)."""

    outstanding: int = 88
    good: int = 63
    requires_improvement: int = 39


SCORES = {Rating.INADEQUATE: 1, Rating.REQUIRES_IMPROVEMENT: 2, Rating.GOOD: 3, Rating.OUTSTANDING: 4}


def _count_phrase(counts: Counter, rating: Rating) -> str:
    n = counts[rating]
    return f"{n} {rating.label}"


def cqc_principles(ratings: Sequence[Rating], *, what: str = "ratings") -> RuleResult[Rating | None]:
    """Combine ratings by the CQC ratings principles.

    Two or more Inadequate make it Inadequate; one Inadequate, or two or more below Good, cap it at
    Requires improvement; Outstanding needs at least two Outstanding and none below Good; otherwise Good.
    An empty input gives None ("not rated").
    """
    if not ratings:
        return RuleResult(None, f"Not rated: no {what} yet", "cqc_principles", {"ratings": []})
    counts = Counter(ratings)
    inadequate, ri, outstanding = counts[Rating.INADEQUATE], counts[Rating.REQUIRES_IMPROVEMENT], counts[Rating.OUTSTANDING]
    summary = ", ".join(_count_phrase(counts, r) for r in reversed(list(Rating)) if counts[r])
    if inadequate >= 2:
        value, why = Rating.INADEQUATE, "two or more Inadequate make it Inadequate"
    elif inadequate == 1:
        value, why = Rating.REQUIRES_IMPROVEMENT, "an Inadequate caps it at Requires improvement"
    elif ri >= 2:
        value, why = Rating.REQUIRES_IMPROVEMENT, "two or more Requires improvement cap it at Requires improvement"
    elif outstanding >= 2 and ri == 0:
        value, why = Rating.OUTSTANDING, "at least two Outstanding and none below Good"
    elif outstanding >= 2:
        value, why = Rating.GOOD, "two or more Outstanding, but one below Good keeps it at Good"
    else:
        value, why = Rating.GOOD, "Outstanding needs at least two Outstanding and none below Good"
    inputs = {"ratings": [r.value for r in ratings]}
    return RuleResult(value, f"{value.label}: {summary} of {len(ratings)} {what}; {why}", "cqc_principles", inputs)


def saf_score(ratings: Sequence[Rating], thresholds: SafThresholds = SafThresholds(), *,
              what: str = "statements") -> RuleResult[Rating | None]:
    """Score ratings 1–4, take the total over the maximum as a whole percentage and band it by `thresholds`."""
    if not ratings:
        return RuleResult(None, f"Not rated: no {what} yet", "saf_scoring", {"ratings": []})
    total = sum(SCORES[r] for r in ratings)
    maximum = 4 * len(ratings)
    percent = (200 * total + maximum) // (2 * maximum)  # nearest whole percent, halves rounded up
    if percent >= thresholds.outstanding:
        value, band = Rating.OUTSTANDING, f"{thresholds.outstanding}% and above"
    elif percent >= thresholds.good:
        value, band = Rating.GOOD, f"{thresholds.good}–{thresholds.outstanding - 1}%"
    elif percent >= thresholds.requires_improvement:
        value, band = Rating.REQUIRES_IMPROVEMENT, f"{thresholds.requires_improvement}–{thresholds.good - 1}%"
    else:
        value, band = Rating.INADEQUATE, f"{thresholds.requires_improvement - 1}% and below"
    inputs = {"ratings": [r.value for r in ratings], "total": total, "maximum": maximum, "percent": percent}
    explanation = f"{value.label}: {total} of {maximum} points across {len(ratings)} {what} is {percent}% ({band})"
    return RuleResult(value, explanation, "saf_scoring", inputs)


AGGREGATIONS = {"cqc_principles": cqc_principles, "saf_scoring": saf_score}


def aggregate(strategy: str, ratings: Sequence[Rating], *, what: str = "ratings",
              thresholds: SafThresholds = SafThresholds()) -> RuleResult[Rating | None]:
    """Apply the named aggregation strategy; raises KeyError for an unknown strategy."""
    if strategy == "saf_scoring":
        return saf_score(ratings, thresholds, what=what)
    return AGGREGATIONS[strategy](ratings, what=what)


def domain_ratings(strategy: str, by_domain: Mapping[Domain, Sequence[Rating]],
                   thresholds: SafThresholds = SafThresholds()) -> dict[Domain, RuleResult[Rating | None]]:
    """Each domain's rating from its standards' ratings, with explanations, in CQC order."""
    return {d: aggregate(strategy, by_domain.get(d, ()), what="standards", thresholds=thresholds) for d in Domain}


def overall_rating(strategy: str, by_domain: Mapping[Domain, Sequence[Rating]],
                   thresholds: SafThresholds = SafThresholds()) -> RuleResult[Rating | None]:
    """The overall rating: CQC principles over the five domain ratings, or SAF scoring over every statement."""
    if strategy == "saf_scoring":
        every = [r for d in Domain for r in by_domain.get(d, ())]
        return saf_score(every, thresholds, what="statements")
    return overall_of_domains(strategy, [result.value for result in domain_ratings(strategy, by_domain, thresholds)
                                         .values()])


def overall_of_domains(strategy: str, domains: Sequence[Rating | None]) -> RuleResult[Rating | None]:
    """overall_rating of a framework not scored by SAF, from its five domain ratings (None: not rated)."""
    rated = [rating for rating in domains if rating is not None]
    if len(rated) < len(Domain):
        return RuleResult(None, f"Not rated: {len(Domain) - len(rated)} domains have no rating yet", strategy, {})
    return cqc_principles(rated, what="domains")


# --- Eligibility for accreditation (DESIGN.md §4.3) -------------------------------------------------------

@dataclass(frozen=True)
class VisitOutcome:
    """A published Quality Review Visit as the eligibility rule sees it."""

    visit_id: int
    published_on: date
    visit_date: date
    overall: Rating


def _on(day: date) -> str:
    return day.strftime("%-d %B %Y")


def eligibility(visits: Sequence[VisitOutcome], *, needed: int = 2,
                minimum: Rating = Rating.GOOD) -> RuleResult[bool]:
    """Eligible when the `needed` most recent published QRVs were all rated `minimum` or better overall.

    `visits` are the team's published QRVs (cancelled and unpublished ones never reach the rule), any order.
    """
    ordered = sorted(visits, key=lambda v: (v.visit_date, v.published_on, v.visit_id))
    recent = ordered[-needed:]
    inputs = {"visits": [{"id": v.visit_id, "date": v.visit_date.isoformat(), "overall": v.overall.value} for v in recent],
              "needed": needed, "minimum": minimum.value}
    listed = "; ".join(f"QRV of {_on(v.visit_date)}: {v.overall.label}" for v in recent)
    rule = f"needs {needed} consecutive published QRVs rated {minimum.label} or better"
    if len(recent) < needed:
        so_far = f"{len(recent)} published so far" + (f" ({listed})" if recent else "")
        return RuleResult(False, f"Not yet eligible: {rule}; {so_far}", "eligibility", inputs)
    below = [v for v in recent if v.overall < minimum]
    if below:
        last = below[-1]
        return RuleResult(False, f"Not eligible: {rule}; {listed} (below {minimum.label} on {_on(last.visit_date)})",
                          "eligibility", inputs)
    return RuleResult(True, f"Eligible: {listed}", "eligibility", inputs)


# --- The award rule (DESIGN.md §4.4) ----------------------------------------------------------------------

OUTSTANDING_TEAM = "outstanding_team"
EXCELLING_TEAM = "excelling_team"


def award_outcome(ratings: Mapping[Domain, Rating], *, outstanding_needed: int = 2,
                  floor: Rating = Rating.GOOD) -> RuleResult[str | None]:
    """Excelling Team: Outstanding in all five domains. Outstanding Team: Outstanding in at least
    `outstanding_needed` domains and none below `floor`. Otherwise no award (None).

    Raises ValueError unless every domain has a rating.
    """
    missing = [d.label for d in Domain if d not in ratings]
    if missing:
        raise ValueError(f"every domain needs a rating; missing: {', '.join(missing)}")
    outstanding = [d.label for d in Domain if ratings[d] is Rating.OUTSTANDING]
    below = [f"{d.label} ({ratings[d].label})" for d in Domain if ratings[d] < floor]
    inputs = {"ratings": {d.value: ratings[d].value for d in Domain}, "outstanding_needed": outstanding_needed,
              "floor": floor.value}
    named = _and(outstanding) if outstanding else "no domain"
    if len(outstanding) == len(Domain):
        return RuleResult(EXCELLING_TEAM, "Excelling Team: Outstanding in all five domains", "award", inputs)
    if len(outstanding) >= outstanding_needed and not below:
        text = (f"Outstanding Team: Outstanding in {named} ({len(outstanding)} of {outstanding_needed} needed); "
                f"no domain below {floor.label}")
        return RuleResult(OUTSTANDING_TEAM, text, "award", inputs)
    reasons = []
    if len(outstanding) < outstanding_needed:
        reasons.append(f"Outstanding in {named} ({len(outstanding)} of {outstanding_needed} needed)")
    if below:
        reasons.append(f"below {floor.label} in {_and(below)}")
    return RuleResult(None, f"No award: {'; '.join(reasons)}", "award", inputs)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day when it is shorter (29 Feb -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))


def award_validity(decided_on: date, months: int) -> RuleResult[date]:
    """The last day an award decided on `decided_on` is held: the same day `months` months later (the last day
    of that month when it has no such day). Raises ValueError unless `months` is at least 1."""
    if months < 1:
        raise ValueError("an award is valid for at least one month")
    until = add_months(decided_on, months)
    plural = "s" if months != 1 else ""
    text = f"Valid until {_on(until)}: {months} month{plural} from the decision of {_on(decided_on)}"
    if until.day != decided_on.day:
        text += f" ({_on(until).split(' ', 1)[1]} has no day {decided_on.day}: its last day instead)"
    return RuleResult(until, text, "award_validity", {"decided_on": decided_on.isoformat(), "months": months})


def award_suspension(visit_rating: Rating, floor: Rating = Rating.GOOD) -> RuleResult[bool]:
    """Whether a published QRV rated `visit_rating` overall suspends an active award: it does when below `floor`."""
    inputs = {"visit_rating": visit_rating.value, "floor": floor.value}
    if visit_rating < floor:
        return RuleResult(True, f"Suspended: a published QRV rated {visit_rating.label} overall is below {floor.label}",
                          "award_suspension", inputs)
    return RuleResult(False, f"Not suspended: a published QRV rated {visit_rating.label} overall is "
                             f"{floor.label} or better", "award_suspension", inputs)


# --- Conflicts of interest (DESIGN.md §5.5) ---------------------------------------------------------------

@dataclass(frozen=True)
class ConflictFacts:
    """What is known of one person: the teams they belong to, manage (by line), or declared a conflict with."""

    member_of: frozenset[int] = frozenset()
    manages: frozenset[int] = frozenset()
    declared: frozenset[int] = frozenset()


def conflicts_of_interest(team_id: int, facts: ConflictFacts) -> list[str]:
    """Why this person may not review or judge the team (empty when there is no conflict)."""
    reasons = []
    if team_id in facts.member_of:
        reasons.append("works in this team")
    if team_id in facts.manages:
        reasons.append("manages this team in their line")
    if team_id in facts.declared:
        reasons.append("has declared a conflict of interest with this team")
    return reasons


# --- Step-up (DESIGN.md §4.5): risk score, level for a score, proposals, the cycle; see workflows/stepup_rules.py --
from workflows import stepup_rules as stepup  # noqa: E402,F401  (imported last: it uses RuleResult from here)
