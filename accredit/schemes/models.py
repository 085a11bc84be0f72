"""The stored overrides of the trust's scheme settings, one row per change (the newest is in force)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accredit.extensions import db
from accredit.models_base import UTCDateTime, utcnow


class SchemeSettings(db.Model):
    __tablename__ = "scheme_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  #: overrides of workflows.scheme.Scheme defaults
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
