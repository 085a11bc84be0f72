"""A pause of a team's deadlines: from a first to a last day, with the reason, unless ended early."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, utcnow


class DeadlinePause(db.Model):
    __tablename__ = "deadline_pauses"
    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="ends_after_start"),
        sa.CheckConstraint("(ended_on IS NULL) = (ended_at IS NULL)", name="ended_has_time"),
        sa.Index("ix_deadline_pauses_team_days", "team_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    reason: Mapped[str] = mapped_column(sa.Text)  #: shown wherever the paused deadline is shown
    starts_on: Mapped[date] = mapped_column(sa.Date)  #: the first paused day
    ends_on: Mapped[date] = mapped_column(sa.Date)  #: the last paused day, as planned
    ended_on: Mapped[date | None] = mapped_column(sa.Date)  #: ended early: the first day no longer paused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team = relationship("Team")
    created_by = relationship("User", foreign_keys=[created_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])

    @property
    def last_day(self) -> date:
        """The last day actually paused (before the start when it was ended before it began)."""
        if self.ended_on is None:
            return self.ends_on
        return min(self.ends_on, date.fromordinal(self.ended_on.toordinal() - 1))

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.last_day

    def __repr__(self) -> str:
        return f"<DeadlinePause team={self.team_id} {self.starts_on}..{self.last_day}>"
