"""An award granted by a panel decision, its domain ratings, and each period it was suspended.

Awards are answerable "as of a date" (DESIGN.md §8): an award is held on day D when granted_on <= D <= valid_until,
it had not ended (ended_on is the first day it was no longer held), and no suspension covers D (a suspension covers
suspended_on <= D < reinstated_on, or every day from suspended_on while it lasts).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.accreditation import AwardKind, AwardStatus
from workflows.ratings import Domain, Rating

#: An award in one of these states is current: a team holds at most one (a partial unique index says so too).
CURRENT_STATES = ("active", "suspended")


class Award(db.Model):
    __tablename__ = "awards"
    __table_args__ = (
        sa.CheckConstraint("status != 'expired' OR (ended_on IS NOT NULL AND ended_reason IS NOT NULL)",
                           name="expired_has_end"),
        sa.CheckConstraint("valid_until >= granted_on", name="valid_after_granted"),
        sa.Index("uq_awards_current_team", "team_id", unique=True,
                 sqlite_where=sa.text("status IN ('active', 'suspended')"),
                 postgresql_where=sa.text("status IN ('active', 'suspended')")),
        sa.Index("ix_awards_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    kind: Mapped[AwardKind] = mapped_column(enum_column(AwardKind, "award_kind"))
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus, "award_status"), default=AwardStatus.ACTIVE)
    explanation: Mapped[str] = mapped_column(sa.Text)  #: the award rule's explanation, as the panel decided it
    granted_on: Mapped[date] = mapped_column(sa.Date)  #: the date of the panel's decision
    valid_until: Mapped[date] = mapped_column(sa.Date)  #: the last day the award is held, unless it ends sooner
    validity_explanation: Mapped[str] = mapped_column(sa.Text)
    scheme_version: Mapped[str] = mapped_column(sa.String(32))  #: the rules it was granted under
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    chair_name: Mapped[str] = mapped_column(sa.String(200))  #: as printed on the certificate
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_on: Mapped[date | None] = mapped_column(sa.Date)  #: the first day it was no longer held
    ended_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    application = relationship("Application")
    chair = relationship("User", foreign_keys=[chair_id])
    ratings: Mapped[list[AwardRating]] = relationship(back_populates="award", cascade="all, delete-orphan",
                                                      order_by="AwardRating.id")
    suspensions: Mapped[list[AwardSuspension]] = relationship(back_populates="award", cascade="all, delete-orphan",
                                                              order_by="AwardSuspension.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        """'Outstanding Team award'."""
        return f"{self.kind.label} award"

    @property
    def is_current(self) -> bool:
        return self.status.value in CURRENT_STATES

    @property
    def open_suspension(self) -> AwardSuspension | None:
        """The suspension still in force, if any."""
        return next((s for s in self.suspensions if s.reinstated_on is None), None)

    def rating_for(self, domain: Domain) -> Rating | None:
        return next((r.rating for r in self.ratings if r.domain is domain), None)

    def domain_ratings(self) -> list[tuple[Domain, Rating | None]]:
        """Each domain with the panel's rating, in CQC order."""
        return [(d, self.rating_for(d)) for d in Domain]

    def is_held_on(self, day: date) -> bool:
        """Whether the team held this award, not suspended, on `day`."""
        if not (self.granted_on <= day <= self.valid_until) or (self.ended_on is not None and day >= self.ended_on):
            return False
        return not any(s.covers(day) for s in self.suspensions)


class AwardRating(db.Model):
    """The panel's rating of one domain, as the award records it (what the certificate prints)."""

    __tablename__ = "award_ratings"
    __table_args__ = (sa.UniqueConstraint("award_id", "domain", name="one_award_rating_per_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, "domain"))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "rating"))

    award: Mapped[Award] = relationship(back_populates="ratings")


class AwardSuspension(db.Model):
    """One period an award was suspended: from a visit below Good until a quality lead reinstated it.

A suspension still open when the award ends stays open: the award's ended_on closes it."""

    __tablename__ = "award_suspensions"
    __table_args__ = (
        sa.CheckConstraint("reinstated_on IS NULL OR reinstate_reason IS NOT NULL", name="reinstated_has_reason"),
        sa.CheckConstraint("reinstated_on IS NULL OR reinstated_on >= suspended_on", name="reinstated_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    suspended_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"), index=True)  #: the visit that caused it
    suspended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reinstated_on: Mapped[date | None] = mapped_column(sa.Date)
    reinstate_reason: Mapped[str | None] = mapped_column(sa.Text)
    reinstated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    award: Mapped[Award] = relationship(back_populates="suspensions")
    visit = relationship("Visit")
    suspended_by = relationship("User", foreign_keys=[suspended_by_id])
    reinstated_by = relationship("User", foreign_keys=[reinstated_by_id])

    def covers(self, day: date) -> bool:
        """Whether the award was suspended on `day` by this suspension."""
        return self.suspended_on <= day and (self.reinstated_on is None or day < self.reinstated_on)
