"""Tells the evidence library where self-assessments use each item (one query per page of evidence)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
from flask import url_for

from accredit.assessments.models import AssessmentResponse, SelfAssessment, response_evidence
from accredit.evidence.usage import Usage, usage_source
from accredit.extensions import db
from accredit.frameworks.models import Standard


@usage_source
def self_assessment_usage(evidence_ids: Collection[int]) -> dict[int, list[Usage]]:
    rows = db.session.execute(
        sa.select(response_evidence.c.evidence_id, SelfAssessment.id, SelfAssessment.period_start,
                  SelfAssessment.period_end, Standard.code)
        .join(AssessmentResponse, AssessmentResponse.id == response_evidence.c.response_id)
        .join(SelfAssessment, SelfAssessment.id == AssessmentResponse.assessment_id)
        .join(Standard, Standard.id == AssessmentResponse.standard_id)
        .where(response_evidence.c.evidence_id.in_(list(evidence_ids)))
        .order_by(SelfAssessment.period_start.desc(), Standard.code)
    )
    found: dict[int, list[Usage]] = defaultdict(list)
    for evidence_id, assessment_id, start, end, code in rows:
        period = start.strftime("%B %Y") if start.month == end.month else f"{start:%B} to {end:%B %Y}"
        href = url_for("assessments.show", assessment_id=assessment_id, _anchor=f"std-{code}")
        found[evidence_id].append(Usage(f"{period} self-assessment, standard {code}", href))
    return found
