"""Divisions, services and teams: the trust's structure, kept with its history."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.team import TeamStatus


class TeamType(enum.Enum):
    """Kinds of team, so that like-for-like teams can be compared and peer reviewers matched."""

    INPATIENT_WARD = "inpatient_ward"
    COMMUNITY_TEAM = "community_team"
    CRISIS_TEAM = "crisis_team"
    OUTPATIENT_CLINIC = "outpatient_clinic"
    DAY_SERVICE = "day_service"
    SPECIALIST_TEAM = "specialist_team"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Division(db.Model):
    __tablename__ = "divisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)  #: short code used by imports
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    services: Mapped[list[Service]] = relationship(back_populates="division", order_by="Service.name")

    def __repr__(self) -> str:
        return f"<Division {self.code}>"


class Service(db.Model):
    __tablename__ = "services"
    __table_args__ = (sa.UniqueConstraint("division_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    division_id: Mapped[int] = mapped_column(sa.ForeignKey("divisions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    division: Mapped[Division] = relationship(back_populates="services")
    teams: Mapped[list[Team]] = relationship(back_populates="service", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Service {self.code}>"


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (
        # A merged team always names the team it went into; a closed or merged one has a closing date.
        sa.CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_target"),
        sa.CheckConstraint("(status = 'active') = (closed_on IS NULL)", name="closed_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"), index=True)
    team_type: Mapped[TeamType] = mapped_column(enum_column(TeamType, "team_type"))
    status: Mapped[TeamStatus] = mapped_column(enum_column(TeamStatus, "team_status"), default=TeamStatus.ACTIVE)
    framework_key: Mapped[str] = mapped_column(sa.String(64), default="cqc-kloe-2017")  #: self-assessment framework
    opened_on: Mapped[date] = mapped_column(sa.Date, default=date.today)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  #: optimistic lock for API writes

    service: Mapped[Service] = relationship(back_populates="teams")
    merged_into: Mapped[Team | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def division(self) -> Division:
        return self.service.division

    @property
    def is_active(self) -> bool:
        return self.status is TeamStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Team {self.code}>"
