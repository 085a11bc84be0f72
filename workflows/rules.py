"""Rules as pure functions over settings: each returns its result with the explanation people read.

A rule never reads the clock or the database; callers pass inputs and the scheme's settings, so any
outcome can be recomputed later from what was stored.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    domains = domain_ratings(strategy, by_domain, thresholds)
    rated = [result.value for result in domains.values() if result.value is not None]
    if len(rated) < len(Domain):
        return RuleResult(None, f"Not rated: {len(Domain) - len(rated)} domains have no rating yet", strategy, {})
    return cqc_principles(rated, what="domains")
