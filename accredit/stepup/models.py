"""A team's Step-up regulation (its level and cycle), risk signals, proposals to change level, level changes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.stepup import DEFAULT_LEVEL, ProposalStatus, Severity, SignalKind, StepupLevel


class StepupRegulation(db.Model):
    """One per team, made when first needed; a team without one is at `standard` (DEFAULT_LEVEL)."""

    __tablename__ = "stepup_regulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), unique=True)
    level: Mapped[StepupLevel] = mapped_column(enum_column(StepupLevel, "stepup_level"), default=DEFAULT_LEVEL)
    since: Mapped[date] = mapped_column(sa.Date)  #: the day the team reached its level
    cycle_started_on: Mapped[date] = mapped_column(sa.Date)  #: the first cycle at this level starts here
    score: Mapped[int | None] = mapped_column()  #: the risk score at the last review
    reviewed_on: Mapped[date | None] = mapped_column(sa.Date)  #: the day of the last review
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    proposals: Mapped[list[LevelProposal]] = relationship(back_populates="regulation",
                                                          order_by="LevelProposal.id.desc()")

    __mapper_args__ = {"version_id_col": version}

    @property
    def pending_proposal(self) -> LevelProposal | None:
        return next((p for p in self.proposals if p.status is ProposalStatus.PENDING), None)


class RiskSignal(db.Model):
    """Something a quality lead records against a team: an incident, a complaint, staffing, safeguarding."""

    __tablename__ = "risk_signals"
    __table_args__ = (sa.Index("ix_risk_signals_team_on", "team_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    kind: Mapped[SignalKind] = mapped_column(enum_column(SignalKind, "signal_kind"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "signal_severity"))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team = relationship("Team")
    recorded_by = relationship("User")


class LevelProposal(db.Model):
    """The engine's proposal to move a team one level, with its reasons, waiting for a quality lead."""

    __tablename__ = "stepup_proposals"
    __table_args__ = (
        sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decision_recorded"),
        sa.CheckConstraint("status != 'rejected' OR decision_note IS NOT NULL", name="rejection_has_note"),
        sa.Index("ix_stepup_proposals_status", "status", "regulation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regulation_id: Mapped[int] = mapped_column(sa.ForeignKey("stepup_regulations.id"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(32))  #: step_up or step_down
    from_level: Mapped[StepupLevel] = mapped_column(enum_column(StepupLevel, "from_level"))
    to_level: Mapped[StepupLevel] = mapped_column(enum_column(StepupLevel, "to_level"))
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus, "proposal_status"),
                                                   default=ProposalStatus.PENDING)
    score: Mapped[int] = mapped_column()
    explanation: Mapped[str] = mapped_column(sa.Text)  #: the engine's sentence: score, threshold, level
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  #: every signal that counted, with its points
    scheme_version: Mapped[str] = mapped_column(sa.String(32))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    regulation: Mapped[StepupRegulation] = relationship(back_populates="proposals")
    team = relationship("Team")
    decided_by = relationship("User")

    @property
    def reason_rows(self) -> list[dict[str, Any]]:
        """The stored reasons with their dates as dates (JSON keeps them as ISO strings)."""
        return [{**r, "on": date.fromisoformat(r["on"])} for r in self.reasons]

    @property
    def title(self) -> str:
        verb = "Step up" if self.trigger == "step_up" else "Step down"
        return f"{verb} from {self.from_level.short_label} to {self.to_level.label}"


class LevelChange(db.Model):
    """Every change of a team's level, so that any past day's level can be answered (dashboards, `as_of`)."""

    __tablename__ = "stepup_level_changes"
    __table_args__ = (sa.Index("ix_stepup_level_changes_team_on", "team_id", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    regulation_id: Mapped[int] = mapped_column(sa.ForeignKey("stepup_regulations.id"), index=True)
    from_level: Mapped[StepupLevel] = mapped_column(enum_column(StepupLevel, "from_level"))
    to_level: Mapped[StepupLevel] = mapped_column(enum_column(StepupLevel, "to_level"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_on: Mapped[date] = mapped_column(sa.Date)  #: the London day of `changed_at`
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stepup_proposals.id"))  #: None: changed directly
    reason: Mapped[str] = mapped_column(sa.Text)

    changed_by = relationship("User")
    proposal = relationship("LevelProposal")
