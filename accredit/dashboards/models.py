"""The trust's accreditation target: a share of active teams holding an award of a kind by a date."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, utcnow

#: Award kinds a target may name: "outstanding_team" counts Outstanding *or* Excelling Teams (Excelling is the higher).
TARGET_KINDS = {"outstanding_team": "Outstanding Team or better", "excelling_team": "Excelling Team"}


class AccreditationTarget(db.Model):
    """One setting of the target; the newest row is in force, older ones are its history."""

    __tablename__ = "accreditation_targets"
    __table_args__ = (
        sa.CheckConstraint("percentage >= 1 AND percentage <= 100", name="percentage_in_range"),
        sa.CheckConstraint("award_kind IN ('outstanding_team', 'excelling_team')", name="known_award_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    percentage: Mapped[int] = mapped_column()  #: share of active teams, 1 to 100
    award_kind: Mapped[str] = mapped_column(sa.String(32))  #: a key of TARGET_KINDS
    target_on: Mapped[date] = mapped_column(sa.Date)  #: the date by which the share is to be reached
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    set_by = relationship("User")

    @property
    def kind_label(self) -> str:
        return TARGET_KINDS[self.award_kind]

    @property
    def summary(self) -> str:
        """'80% of active teams Excelling Team by 31 March 2028'."""
        return f"{self.percentage}% of active teams {self.kind_label} by {self.target_on:%-d %B %Y}"
