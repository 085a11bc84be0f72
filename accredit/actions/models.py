"""An improvement action: what must change, who owns it, by when, and the finding it came from."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.action import ActionStatus
from workflows.ratings import Domain


class ActionSource(enum.Enum):
    """Where an action came from."""

    VISIT = "visit"  #: raised at a Quality Review Visit or peer review
    SUPPORT_PLAN = "support_plan"  #: opened when a visit below Good suspends an award
    PANEL = "panel"  #: an accreditation panel's improvement plan
    STEPUP = "stepup"  #: a Step-up cycle's improvement plan
    TEAM = "team"  #: the team's own

    @property
    def label(self) -> str:
        return {"visit": "Review finding", "support_plan": "Support plan", "panel": "Accreditation panel",
                "stepup": "Step-up cycle", "team": "Team's own"}[self.value]


action_evidence = sa.Table(
    "action_evidence",
    db.metadata,
    sa.Column("action_id", sa.ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True, index=True),
)


class Action(db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        sa.CheckConstraint("status != 'closed' OR verified_at IS NOT NULL", name="closed_is_verified"),
        sa.Index("ix_actions_team_status", "team_id", "status"),
        sa.Index("ix_actions_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    finding: Mapped[str] = mapped_column(sa.Text, default="")  #: the finding it answers, in the reviewer's words
    source: Mapped[ActionSource] = mapped_column(enum_column(ActionSource, "action_source"), default=ActionSource.TEAM)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    domain: Mapped[Domain | None] = mapped_column(enum_column(Domain, "domain"))
    standard_code: Mapped[str | None] = mapped_column(sa.String(16))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, "action_status"), default=ActionStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_note: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reopen_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    owner = relationship("User", foreign_keys=[owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    visit = relationship("Visit")
    evidence = relationship("Evidence", secondary=action_evidence, order_by="Evidence.title")

    __mapper_args__ = {"version_id_col": version}

    def is_overdue(self, today: date) -> bool:
        """Past its due date and not yet closed (an action awaiting verification still counts: it is not done)."""
        return self.status is not ActionStatus.CLOSED and today > self.due_on
