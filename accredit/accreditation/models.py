"""Eligibility as computed, and the accreditation application that an eligible team is invited to."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.accreditation import ApplicationStatus


class EligibilityCheck(db.Model):
    """Each computation of a team's eligibility, kept: the latest is the team's current position."""

    __tablename__ = "eligibility_checks"
    __table_args__ = (sa.Index("ix_eligibility_checks_team_at", "team_id", "computed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    is_eligible: Mapped[bool] = mapped_column()
    explanation: Mapped[str] = mapped_column(sa.Text)
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  #: the visits and settings the rule saw
    scheme_version: Mapped[str] = mapped_column(sa.String(32))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team = relationship("Team")


class Application(db.Model):
    """An accreditation application, from invitation onwards (the accreditation issue builds the rest)."""

    __tablename__ = "applications"
    __table_args__ = (
        # One live application per team: a new invitation waits until the last one is closed or decided.
        sa.Index("uq_applications_live_team", "team_id", unique=True,
                 sqlite_where=sa.text("status IN ('invited', 'preparing', 'pre_panel', 'panel_ready', 'appealed')"),
                 postgresql_where=sa.text("status IN ('invited', 'preparing', 'pre_panel', 'panel_ready', 'appealed')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, "application_status"), default=ApplicationStatus.INVITED
    )
    eligibility_id: Mapped[int] = mapped_column(sa.ForeignKey("eligibility_checks.id"))  #: why it was invited
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invitation_expires_on: Mapped[date] = mapped_column(sa.Date)
    scheme_version: Mapped[str] = mapped_column(sa.String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    eligibility: Mapped[EligibilityCheck] = relationship()

    __mapper_args__ = {"version_id_col": version}
