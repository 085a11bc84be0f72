"""Reading and changing the scheme in force."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.extensions import db
from accredit.schemes.models import SchemeSettings
from workflows.scheme import Scheme


def current_scheme() -> Scheme:
    """The scheme in force: the newest stored overrides on top of DESIGN.md's defaults."""
    row = db.session.scalar(sa.select(SchemeSettings).order_by(SchemeSettings.id.desc()).limit(1))
    return Scheme.from_mapping(row.settings) if row else Scheme()


def change_scheme(overrides: dict[str, Any], *, by: Any) -> Scheme:
    """Store new overrides (validated first: a bad key or type raises ValueError). Audited."""
    scheme = Scheme.from_mapping(overrides)
    db.session.add(SchemeSettings(settings=overrides, created_by_id=getattr(by, "id", None)))
    audit.record("scheme.change", None, subject_type="scheme", by=by, data=overrides)
    db.session.flush()
    return scheme
