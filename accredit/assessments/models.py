"""A team's self-assessment for one period, and its answer to each standard."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.frameworks.models import FrameworkVersion, Standard
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating

LONDON = ZoneInfo("Europe/London")


def london_day(moment: datetime) -> date:
    """The day it was in England at `moment` (an aware datetime): deadlines and periods are London days."""
    return moment.astimezone(LONDON).date()


@lru_cache(maxsize=512)
def period_label(start: date, end: date) -> str:
    """How a period is named: `March 2026`, or `January to March 2026` for a period of several months.
    Remembered: a month-end sweep names the same few periods in 30,000 reminders (strftime is not cheap)."""
    if start.month == end.month:
        return start.strftime("%B %Y")
    return f"{start.strftime('%B')} to {end.strftime('%B %Y')}"


#: What str.strip() takes off: every character for which str.isspace() holds (none lies above U+3000).
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())

response_evidence = sa.Table(
    "response_evidence",
    db.metadata,
    sa.Column("response_id", sa.ForeignKey("assessment_responses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True, index=True),
)


class SelfAssessment(db.Model):
    __tablename__ = "self_assessments"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "period_start", name="one_per_period"),
        # A submitted or accepted assessment always says when it was submitted and by whom.
        sa.CheckConstraint(
            "status NOT IN ('submitted', 'accepted') OR (submitted_at IS NOT NULL AND submitted_by_id IS NOT NULL)",
            name="submission_recorded",
        ),
        sa.CheckConstraint("status != 'accepted' OR accepted_at IS NOT NULL", name="acceptance_recorded"),
        sa.CheckConstraint("period_start <= due_on AND due_on <= period_end", name="due_in_period"),
        sa.Index("ix_self_assessments_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"))  #: looked up by one_per_period's index
    framework_version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_versions.id"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus, "assessment_status"), default=AssessmentStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str | None] = mapped_column(sa.Text)  #: shown to the team at the top of the form
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: when the period closed as missed
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: last answer saved
    version: Mapped[int] = mapped_column(default=1)  #: bumped by every change; the API's optimistic lock

    team = relationship("Team")
    framework_version: Mapped[FrameworkVersion] = relationship()
    responses: Mapped[list[AssessmentResponse]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentResponse.position"
    )
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def period_label(self) -> str:
        return period_label(self.period_start, self.period_end)

    def response_for(self, code: str) -> AssessmentResponse | None:
        return next((r for r in self.responses if r.standard.code == code), None)

    def unanswered_codes(self) -> list[str]:
        """Codes of the standards still lacking a rating or a narrative, in framework order: every standard of
        the framework version while no answer has been written (see services.ensure_answers)."""
        if not self.responses:
            return [standard.code for standard in self.framework_version.standards]
        return [r.standard.code for r in self.responses if not r.is_answered]

    @property
    def submitted_on(self) -> date | None:
        return london_day(self.submitted_at) if self.submitted_at else None

    @property
    def is_late(self) -> bool:
        """Submitted after its due date (a late submission still counts, but is shown apart)."""
        return self.submitted_on is not None and self.submitted_on > self.due_on

    def is_overdue(self, today: date) -> bool:
        """Not yet submitted and past its due date."""
        return self.submitted_at is None and self.status is not AssessmentStatus.MISSED and today > self.due_on


class AssessmentResponse(db.Model):
    __tablename__ = "assessment_responses"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "standard_id", name="one_per_standard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Looked up by one_per_standard's index (its leading column): a second index only slowed every write.
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("self_assessments.id", ondelete="CASCADE"))
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"))
    position: Mapped[int] = mapped_column()  #: the standard's place in the framework
    rating: Mapped[Rating | None] = mapped_column(enum_column(Rating, "rating"))
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)  #: per-standard lock: two editors of one standard conflict

    assessment: Mapped[SelfAssessment] = relationship(back_populates="responses")
    standard: Mapped[Standard] = relationship()
    updated_by = relationship("User")
    evidence = relationship("Evidence", secondary=response_evidence, order_by="Evidence.title")

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def is_answered(self) -> bool:
        return self.rating is not None and bool((self.narrative or "").strip())

    @is_answered.inplace.expression
    @classmethod
    def _is_answered_expression(cls) -> sa.ColumnElement[bool]:
        # The same test in SQL (a sweep counts answers without loading them): trim() told to take off what
        # str.strip() takes off, as by itself it takes off spaces only and a narrative may be just line breaks.
        return sa.and_(cls.rating.is_not(None), sa.func.trim(sa.func.coalesce(cls.narrative, ""), WHITESPACE) != "")
