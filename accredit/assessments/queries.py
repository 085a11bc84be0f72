"""Reusable reads over self-assessments: the current one, a team's history, ratings per domain."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from accredit.assessments.models import AssessmentResponse, SelfAssessment, response_evidence
from accredit.bulk import one_of
from accredit.extensions import db
from accredit.frameworks.models import FrameworkVersion, Standard
from workflows.ratings import Domain, Rating
from workflows.rules import (RuleResult, SafThresholds, aggregate, domain_ratings, overall_of_domains,
                            overall_rating)
from workflows.scheme import Scheme


def with_answers(*, editors: bool = True) -> list:
    """Loader options that fetch responses with their standards (joined: one each) and, with `editors`, who last
    saved each, in a fixed number of queries. Not their evidence: load_evidence() reads that."""
    options = [selectinload(SelfAssessment.responses).joinedload(AssessmentResponse.standard)]
    if editors:
        options.append(selectinload(SelfAssessment.responses).selectinload(AssessmentResponse.updated_by))
    return options


def load_evidence(responses: Collection[AssessmentResponse]) -> None:
    """Fill each response's `evidence` collection (as loaded, in its title order) in one query of the links.

    What selectinload would do, without joining the answers table again: PostgreSQL plans that join by probing
    the end of the answers' primary key, where the current period's answers are, and the dead entries a bulk
    insert rolled back leaves there (a month-end opening that failed; the sweep benchmark's) made that planning
    cost 5 to 20 ms a save on the 10,000-team trust.
    """
    from accredit.evidence.models import Evidence

    by_id = {response.id: response for response in responses}
    linked: dict[int, list] = defaultdict(list)
    if by_id:
        rows = db.session.execute(
            sa.select(response_evidence.c.response_id, Evidence)
            .join(Evidence, Evidence.id == response_evidence.c.evidence_id)
            .where(response_evidence.c.response_id.in_(list(by_id)))
            .order_by(Evidence.title)
        )
        for response_id, item in rows:
            linked[response_id].append(item)
    for response_id, response in by_id.items():
        set_committed_value(response, "evidence", linked[response_id])


def load_assessment(assessment_id: int) -> SelfAssessment | None:
    """The assessment with its answers, their standards, evidence and editors (see with_answers), or None."""
    assessment = db.session.scalar(
        sa.select(SelfAssessment).where(SelfAssessment.id == assessment_id).options(*with_answers()))
    if assessment is not None:
        load_evidence(assessment.responses)
    return assessment


def team_history(team_id: int) -> list[SelfAssessment]:
    """Every period's self-assessment for a team, newest first, with ratings and standards loaded (not the
    evidence links or editors: the history shows results, and five years of answers is 1,600 rows)."""
    return list(db.session.scalars(
        sa.select(SelfAssessment).where(SelfAssessment.team_id == team_id)
        .order_by(SelfAssessment.period_start.desc())
        .options(selectinload(SelfAssessment.responses).selectinload(AssessmentResponse.standard))
    ))


def assessment_for_period(team_id: int, period_start: date) -> SelfAssessment | None:
    return db.session.scalar(
        sa.select(SelfAssessment).where(SelfAssessment.team_id == team_id, SelfAssessment.period_start == period_start)
    )


def ratings_by_domain(assessment: SelfAssessment) -> dict[Domain, list[Rating]]:
    grouped: dict[Domain, list[Rating]] = defaultdict(list)
    for response in assessment.responses:
        if response.rating is not None:
            grouped[response.standard.domain].append(response.rating)
    return grouped


def stored_ratings_by_domain(assessment_id: int) -> dict[Domain, list[Rating]]:
    """What ratings_by_domain gives, read as (domain, rating) rows in answer order in one query, without loading
    the answers, their standards, evidence and editors: for pages that show only the computed ratings."""
    grouped: dict[Domain, list[Rating]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(Standard.domain, AssessmentResponse.rating)
        .join(Standard, Standard.id == AssessmentResponse.standard_id)
        .where(AssessmentResponse.assessment_id == assessment_id, AssessmentResponse.rating.is_not(None))
        .order_by(AssessmentResponse.position, AssessmentResponse.id)
    )
    for domain, rating in rows:
        grouped[domain].append(rating)
    return grouped


def domain_results(assessment: SelfAssessment, scheme: Scheme,
                   ratings: dict[Domain, list[Rating]] | None = None) -> dict[Domain, RuleResult]:
    """Each domain's rating computed by the framework's aggregation strategy, with its explanation; from
    `ratings` (as stored_ratings_by_domain gives them) if given, else from the loaded answers."""
    strategy = assessment.framework_version.aggregation
    return domain_ratings(strategy, ratings_by_domain(assessment) if ratings is None else ratings,
                          scheme.saf_thresholds)


def overall_result(assessment: SelfAssessment, scheme: Scheme) -> RuleResult:
    strategy = assessment.framework_version.aggregation
    return overall_rating(strategy, ratings_by_domain(assessment), scheme.saf_thresholds)


def overall_ratings(assessment_ids: Collection[int], scheme: Scheme) -> dict[int, Rating | None]:
    """The rating `overall_result` gives each assessment, by id, in one query that counts the rated answers of
    each domain by rating instead of loading them (the Step-up sweep rates thousands of teams' latest
    self-assessments): one row per assessment, its counts in columns. The value only: the rules' explanations
    list ratings in answer order, which counts lose. Pass at most a few hundred ids at a time."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(
        sa.select(SelfAssessment.id, FrameworkVersion.aggregation, *RATING_COUNTS)
        .join(FrameworkVersion, FrameworkVersion.id == SelfAssessment.framework_version_id)
        .outerjoin(AssessmentResponse, sa.and_(AssessmentResponse.assessment_id == SelfAssessment.id,
                                               AssessmentResponse.rating.is_not(None)))
        .outerjoin(Standard, Standard.id == AssessmentResponse.standard_id)
        .where(one_of(SelfAssessment.id, list(assessment_ids)))
        .group_by(SelfAssessment.id, FrameworkVersion.aggregation)
    )
    return {assessment_id: _overall_from_counts(strategy, counts, scheme.saf_thresholds)
            for assessment_id, strategy, *counts in rows}


#: The rated answers counted by domain and rating, as columns of a query joining AssessmentResponse to Standard:
#: column i * len(Rating) + j counts domain i's answers rated j (counts_by_domain splits them). One row per
#: assessment instead of one per domain and rating (twelve, typically): turning rows into Python cost more
#: than the query.
RATING_COUNTS = [sa.func.sum(sa.case((sa.and_(Standard.domain == domain, AssessmentResponse.rating == rating), 1),
                                     else_=0))
                 for domain in Domain for rating in Rating]


def counts_by_domain(counts: list[int]) -> list[tuple[int, ...]]:
    """A row's RATING_COUNTS columns as one tuple per domain (in Domain order), each how many of each rating."""
    width = len(Rating)
    return [tuple(int(n) for n in counts[start:start + width]) for start in range(0, len(counts), width)]


def _overall_from_counts(strategy: str, counts: list[int], thresholds: SafThresholds) -> Rating | None:
    """overall_rating's value from the answers counted by domain and rating (RATING_COUNTS' columns). The value
    depends on how many of each rating there are, not their order; a trust's assessments have thousands of
    different mixes over all five domains but only a few hundred within one domain (or, for SAF scoring, over
    every statement), so the rules run once per such mix (remembered) rather than once per assessment."""
    domains = counts_by_domain(counts)
    if strategy == "saf_scoring":
        return rating_of_counts(strategy, tuple(map(sum, zip(*domains))), thresholds, "statements")
    return _overall_of_domains(strategy, tuple(rating_of_counts(strategy, by_rating, thresholds, "standards")
                                               for by_rating in domains))


@lru_cache(maxsize=4096)
def rating_of_counts(strategy: str, by_rating: tuple[int, ...], thresholds: SafThresholds, what: str = "standards"
                     ) -> Rating | None:
    """The rating workflows.rules.aggregate gives ratings counted `by_rating` (how many of each, in Rating order).
    Remembered: a trust's 10,000 teams share a few hundred mixes within a domain, and each aggregation also
    writes its explanation, which counts-only callers (Step-up, dashboards) do not show."""
    ratings = [rating for rating, count in zip(Rating, by_rating) for _ in range(int(count))]
    return aggregate(strategy, ratings, what=what, thresholds=thresholds).value


@lru_cache(maxsize=1024)
def _overall_of_domains(strategy: str, domains: tuple[Rating | None, ...]) -> Rating | None:
    return overall_of_domains(strategy, domains).value


def progress_by_domain(assessment: SelfAssessment) -> dict[Domain, tuple[int, int]]:
    """(answered, total) per domain, in CQC order; domains without standards are left out."""
    counts: dict[Domain, list[int]] = {d: [0, 0] for d in Domain}
    for response in assessment.responses:
        counts[response.standard.domain][1] += 1
        counts[response.standard.domain][0] += int(response.is_answered)
    return {d: (a, t) for d, (a, t) in counts.items() if t}
