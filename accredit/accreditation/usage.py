"""Tells the evidence library which accreditation portfolio standards each item is linked to (one query a page)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
from flask import url_for

from accredit.accreditation.models import PortfolioEntry, portfolio_evidence
from accredit.evidence.usage import Usage, usage_source
from accredit.extensions import db
from accredit.frameworks.models import Standard


@usage_source
def portfolio_usage(evidence_ids: Collection[int]) -> dict[int, list[Usage]]:
    rows = db.session.execute(
        sa.select(portfolio_evidence.c.evidence_id, PortfolioEntry.application_id, Standard.code, Standard.title)
        .join(PortfolioEntry, PortfolioEntry.id == portfolio_evidence.c.entry_id)
        .join(Standard, Standard.id == PortfolioEntry.standard_id)
        .where(portfolio_evidence.c.evidence_id.in_(list(evidence_ids)))
        .order_by(PortfolioEntry.application_id, Standard.position)
    )
    found: dict[int, list[Usage]] = defaultdict(list)
    for evidence_id, application_id, code, title in rows:
        found[evidence_id].append(Usage(f"Accreditation portfolio: {code} {title}",
                                        url_for("accreditation.show", application_id=application_id)))
    return found
