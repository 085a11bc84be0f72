"""A visit to a team, its reviewers, its rating per domain, and declared conflicts of interest."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.ratings import Domain, Rating
from workflows.visit import VisitKind, VisitStatus


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        sa.CheckConstraint("status != 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"),
        sa.CheckConstraint("status != 'published' OR (published_at IS NOT NULL AND overall_rating IS NOT NULL)",
                           name="published_is_rated"),
        sa.CheckConstraint("NOT overall_overridden OR override_reason IS NOT NULL", name="override_has_reason"),
        sa.Index("ix_visits_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    kind: Mapped[VisitKind] = mapped_column(enum_column(VisitKind, "visit_kind"), default=VisitKind.QRV)
    status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus, "visit_status"), default=VisitStatus.PLANNED)
    visit_date: Mapped[date | None] = mapped_column(sa.Date)
    scheme_version: Mapped[str] = mapped_column(sa.String(32))  #: the rules the visit was made under
    planned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    factual_accuracy_due: Mapped[date | None] = mapped_column(sa.Date)  #: last working day for the team's comments
    team_comments: Mapped[str | None] = mapped_column(sa.Text)
    team_comments_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: "no further comments"
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    overall_computed: Mapped[Rating | None] = mapped_column(enum_column(Rating, "computed_rating"))
    overall_rating: Mapped[Rating | None] = mapped_column(enum_column(Rating, "overall_rating"))
    overall_overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    reviewers: Mapped[list[VisitReviewer]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    ratings: Mapped[list[VisitRating]] = relationship(back_populates="visit", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def title(self) -> str:
        """'Quality Review Visit on 3 March 2026'."""
        return f"{self.kind.label} on {self.visit_date:%-d %B %Y}" if self.visit_date else self.kind.label

    @property
    def lead_reviewer(self) -> VisitReviewer | None:
        return next((r for r in self.reviewers if r.is_lead), None)

    def reviewer_ids(self) -> list[int]:
        return [r.user_id for r in self.reviewers]

    def rating_for(self, domain: Domain) -> VisitRating | None:
        return next((r for r in self.ratings if r.domain is domain), None)

    def unrated_domains(self) -> list[str]:
        """Labels of the domains still without a rating, in CQC order."""
        rated = {r.domain for r in self.ratings if r.rating is not None}
        return [d.label for d in Domain if d not in rated]


class VisitReviewer(db.Model):
    __tablename__ = "visit_reviewers"
    __table_args__ = (sa.UniqueConstraint("visit_id", "user_id", name="one_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    conflict_override_reason: Mapped[str | None] = mapped_column(sa.Text)  #: set when a quality lead overrode a conflict

    visit: Mapped[Visit] = relationship(back_populates="reviewers")
    user = relationship("User", foreign_keys=[user_id])


class VisitRating(db.Model):
    __tablename__ = "visit_ratings"
    __table_args__ = (sa.UniqueConstraint("visit_id", "domain", name="one_per_domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, "domain"))
    rating: Mapped[Rating | None] = mapped_column(enum_column(Rating, "rating"))
    findings: Mapped[str] = mapped_column(sa.Text, default="")

    visit: Mapped[Visit] = relationship(back_populates="ratings")


class ConflictDeclaration(db.Model):
    """A person's declared conflict of interest with a team (a relative works there, a recent move, ...)."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (sa.UniqueConstraint("user_id", "team_id", name="one_declaration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")
    team = relationship("Team")
