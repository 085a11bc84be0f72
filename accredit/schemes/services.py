"""Reading and changing the scheme in force."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.extensions import db
from accredit.schemes.models import SchemeSettings
from workflows.scheme import Scheme

#: Where current_scheme() keeps the scheme it read, in `db.session.info`, until the transaction ends.
_IN_FORCE = "accredit.scheme_in_force"


def current_scheme() -> Scheme:
    """The scheme in force: the newest stored overrides on top of DESIGN.md's defaults.

    Read once per transaction of `db.session` (a team page asks several rules, each wanting the scheme); the end
    of the transaction, or change_scheme() within it, forgets it. Scheme is frozen, so sharing it is safe.
    """
    scheme = db.session.info.get(_IN_FORCE)
    if scheme is None:
        row = db.session.scalar(sa.select(SchemeSettings).order_by(SchemeSettings.id.desc()).limit(1))
        scheme = Scheme.from_mapping(row.settings) if row else Scheme()
        db.session.info[_IN_FORCE] = scheme
    return scheme


def change_scheme(overrides: dict[str, Any], *, by: Any) -> Scheme:
    """Store new overrides (validated first: a bad key or type raises ValueError). Audited."""
    scheme = Scheme.from_mapping(overrides)
    db.session.add(SchemeSettings(settings=overrides, created_by_id=getattr(by, "id", None)))
    audit.record("scheme.change", None, subject_type="scheme", by=by, data=overrides)
    db.session.flush()
    db.session.info.pop(_IN_FORCE, None)
    return scheme


@sa.event.listens_for(db.session, "after_transaction_end")
def _forget_scheme(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    # Savepoints too: a change rolled back to a savepoint must not stay in force.
    session.info.pop(_IN_FORCE, None)
