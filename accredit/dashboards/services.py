"""Setting the trust's accreditation target, and reading the one in force."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.dashboards.models import TARGET_KINDS, AccreditationTarget
from accredit.extensions import db


def current_target() -> AccreditationTarget | None:
    """The target in force: the newest one set, or None."""
    return db.session.scalar(sa.select(AccreditationTarget).order_by(AccreditationTarget.id.desc()).limit(1))


def set_target(*, percentage: int, award_kind: str, target_on: date, by: Any) -> AccreditationTarget:
    """Set a new target (the previous ones stay, as history). Raises ValueError for a share outside 1–100 or an
    unknown award kind. Side effects: an accreditation_targets row, audit `target.set`."""
    if not 1 <= percentage <= 100:
        raise ValueError("the share of teams must be from 1 to 100")
    if award_kind not in TARGET_KINDS:
        raise ValueError(f"unknown award kind {award_kind!r}")
    target = AccreditationTarget(percentage=percentage, award_kind=award_kind, target_on=target_on,
                                 set_by_id=getattr(by, "id", None))
    db.session.add(target)
    db.session.flush()
    audit.record("target.set", target, by=by, data={"percentage": percentage, "award_kind": award_kind,
                                                    "target_on": target_on.isoformat()})
    return target
