"""Tells the evidence library which improvement actions each item is linked to (one query per page of evidence)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
from flask import url_for

from accredit.actions.models import Action, action_evidence
from accredit.evidence.usage import Usage, usage_source
from accredit.extensions import db


@usage_source
def action_usage(evidence_ids: Collection[int]) -> dict[int, list[Usage]]:
    rows = db.session.execute(
        sa.select(action_evidence.c.evidence_id, Action.id, Action.title)
        .join(Action, Action.id == action_evidence.c.action_id)
        .where(action_evidence.c.evidence_id.in_(list(evidence_ids)))
        .order_by(Action.id)
    )
    found: dict[int, list[Usage]] = defaultdict(list)
    for evidence_id, action_id, title in rows:
        found[evidence_id].append(Usage(f"Action: {title}", url_for("actions.show", action_id=action_id)))
    return found
