"""Eligibility as computed; the accreditation application an eligible team is invited to, its portfolio, pre-panel
reviews, panel members, decisions and appeals."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.accreditation import ApplicationStatus
from workflows.ratings import Domain, Rating
from workflows.rules import RuleResult, award_outcome


class PanelStage(enum.Enum):
    PRE_PANEL = "pre_panel"  #: checks the portfolio, standard by standard
    PANEL = "panel"  #: sits on the panel and decides

    @property
    def label(self) -> str:
        return "Pre-panel" if self is PanelStage.PRE_PANEL else "Panel"


class Verdict(enum.Enum):
    ROBUST = "robust"
    NEEDS_MORE = "needs_more"

    @property
    def label(self) -> str:
        return "Robust" if self is Verdict.ROBUST else "Needs more"


class AppealOutcome(enum.Enum):
    UPHELD = "upheld"  #: the application goes back to the panel
    DISMISSED = "dismissed"  #: the decision stands

    @property
    def label(self) -> str:
        return self.value.capitalize()


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
    #: the accreditation standards the portfolio is assembled against (set when the team starts)
    framework_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("framework_versions.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    round: Mapped[int] = mapped_column(default=0)  #: times submitted to pre-panel; reviews belong to a round
    sitting: Mapped[int] = mapped_column(default=1)  #: the panel sitting; an upheld appeal opens the next
    panel_date: Mapped[date | None] = mapped_column(sa.Date)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)  #: why pre-panel last returned it
    version: Mapped[int] = mapped_column(default=1)

    team = relationship("Team")
    eligibility: Mapped[EligibilityCheck] = relationship()
    framework_version = relationship("FrameworkVersion")
    entries: Mapped[list[PortfolioEntry]] = relationship(back_populates="application", cascade="all, delete-orphan",
                                                         order_by="PortfolioEntry.id")
    members: Mapped[list[PanelMember]] = relationship(back_populates="application", order_by="PanelMember.id")
    reviews: Mapped[list[PrePanelReview]] = relationship(back_populates="application", order_by="PrePanelReview.id")
    decisions: Mapped[list[PanelDecision]] = relationship(back_populates="application", order_by="PanelDecision.id",
                                                          foreign_keys="PanelDecision.application_id")
    appeals: Mapped[list[Appeal]] = relationship(back_populates="application", order_by="Appeal.id")

    __mapper_args__ = {"version_id_col": version}

    # -- the portfolio --------------------------------------------------------------------------------------
    @property
    def standards(self) -> list[Any]:
        return list(self.framework_version.standards) if self.framework_version is not None else []

    def entry_for(self, standard: Any) -> PortfolioEntry | None:
        return next((e for e in self.entries if e.standard_id == standard.id), None)

    def incomplete_standards(self) -> list[str]:
        """Codes of the standards still without a statement or without evidence, in framework order."""
        if self.framework_version is None:
            return ["the portfolio (not started)"]
        return [s.code for s in self.standards if not ((e := self.entry_for(s)) and e.is_complete)]

    # -- pre-panel ------------------------------------------------------------------------------------------
    def review_for(self, standard: Any, round_: int | None = None) -> PrePanelReview | None:
        wanted = self.round if round_ is None else round_
        return next((r for r in self.reviews if r.standard_id == standard.id and r.round == wanted), None)

    def standards_not_robust(self) -> list[str]:
        """'AS3 (needs more)' or 'AS5 (not reviewed)' for each standard this round has not marked robust."""
        weak = []
        for standard in self.standards:
            review = self.review_for(standard)
            if review is None:
                weak.append(f"{standard.code} (not reviewed)")
            elif review.verdict is Verdict.NEEDS_MORE:
                weak.append(f"{standard.code} (needs more)")
        return weak

    def panel_of(self, stage: PanelStage, sitting: int | None = None) -> list[PanelMember]:
        """Members at `stage` (for the panel: of this sitting, or of `sitting`), chair first."""
        rows = [m for m in self.members if m.stage is stage
                and (stage is PanelStage.PRE_PANEL or m.sitting == (sitting or self.sitting))]
        return sorted(rows, key=lambda m: (not m.is_chair, m.id or 0))

    @property
    def chair(self) -> PanelMember | None:
        return next((m for m in self.panel_of(PanelStage.PANEL) if m.is_chair), None)

    def quorum_problems(self) -> list[str]:
        """What keeps this sitting's panel from being quorate (DESIGN.md §4.3); [] when it is."""
        sitting = [m for m in self.panel_of(PanelStage.PANEL) if not m.recused]
        chair = next((m for m in sitting if m.is_chair), None)
        others = [m for m in sitting if not m.is_chair]
        problems = []
        if self.panel_date is None:
            problems.append("Set the panel date")
        if chair is None:
            problems.append("The panel needs a chair")
        if len(others) < 2:
            problems.append(f"The panel needs at least two members besides the chair ({len(others)} sitting)")
        if not any(m.from_outside_division for m in sitting):
            problems.append("At least one member must come from outside the team's division")
        return problems

    # -- decisions and appeals ------------------------------------------------------------------------------
    @property
    def decision(self) -> PanelDecision | None:
        """The decision in force: the latest confirmed one."""
        return self.decisions[-1] if self.decisions else None

    @property
    def appeal_deadline(self) -> date | None:
        return self.decision.appeal_deadline if self.decision is not None else None

    @property
    def open_appeal(self) -> Appeal | None:
        return next((a for a in self.appeals if a.outcome is None), None)

    def sat_on_panel(self, user_id: int) -> bool:
        """Whether the person was ever on this application's panel (any sitting): they may not decide its appeal."""
        return any(m.user_id == user_id and m.stage is PanelStage.PANEL for m in self.members)


portfolio_evidence = sa.Table(
    "portfolio_evidence",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("portfolio_entries.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True, index=True),
)


class PortfolioEntry(db.Model):
    """The team's statement and evidence for one accreditation standard."""

    __tablename__ = "portfolio_entries"
    __table_args__ = (sa.UniqueConstraint("application_id", "standard_id", name="one_entry_per_standard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"))
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="entries")
    standard = relationship("Standard")
    evidence = relationship("Evidence", secondary=portfolio_evidence, order_by="Evidence.title")

    @property
    def is_complete(self) -> bool:
        return bool(self.statement.strip()) and bool(self.evidence)


class PanelMember(db.Model):
    """A person on the application's pre-panel or panel, with their conflicts, declarations and recusal."""

    __tablename__ = "panel_members"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "user_id", "stage", "sitting", name="one_seat"),
        sa.CheckConstraint("NOT recused OR recusal_reason IS NOT NULL", name="recusal_has_reason"),
        sa.CheckConstraint("stage = 'panel' OR NOT is_chair", name="chair_sits_on_panel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    stage: Mapped[PanelStage] = mapped_column(enum_column(PanelStage, "panel_stage"))
    sitting: Mapped[int] = mapped_column(default=1)
    is_chair: Mapped[bool] = mapped_column(default=False)
    from_outside_division: Mapped[bool] = mapped_column(default=False)  #: holds no role in the team's division
    conflict_override_reason: Mapped[str | None] = mapped_column(sa.Text)  #: a quality lead overrode a conflict
    declaration: Mapped[str | None] = mapped_column(sa.Text)  #: what they declared at the panel
    recused: Mapped[bool] = mapped_column(default=False)
    recusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="members")
    user = relationship("User", foreign_keys=[user_id])


class PrePanelReview(db.Model):
    """A pre-panel member's verdict on one standard's evidence, in one round of submission."""

    __tablename__ = "prepanel_reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "standard_id", "round", name="one_verdict_per_round"),
        sa.CheckConstraint("verdict = 'robust' OR comment != ''", name="needs_more_says_what"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"))
    round: Mapped[int] = mapped_column()
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, "prepanel_verdict"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")  #: what to strengthen, for "needs more"
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="reviews")
    standard = relationship("Standard")
    reviewer = relationship("User")


class PanelDecision(db.Model):
    """A confirmed panel decision: immutable (the database refuses updates and deletes). A later decision for the
    same application (after an upheld appeal) is a new row linked by `corrects_id`."""

    __tablename__ = "panel_decisions"
    __table_args__ = (sa.UniqueConstraint("application_id", "sitting", name="one_decision_per_sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    sitting: Mapped[int] = mapped_column()
    panel_date: Mapped[date] = mapped_column(sa.Date)
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    members: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)  #: who sat, declarations, recusals, overrides
    ratings: Mapped[dict[str, str]] = mapped_column(sa.JSON)  #: domain value -> rating value
    reasons: Mapped[dict[str, str]] = mapped_column(sa.JSON)  #: domain value -> the panel's reasons
    outcome: Mapped[str | None] = mapped_column(sa.String(32))  #: the award kind's value; None: no award
    explanation: Mapped[str] = mapped_column(sa.Text)
    rule: Mapped[str] = mapped_column(sa.String(32))
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  #: what the award rule saw, settings included
    scheme_version: Mapped[str] = mapped_column(sa.String(32))  #: the rules in force when it was made
    decided_on: Mapped[date] = mapped_column(sa.Date)
    appeal_deadline: Mapped[date] = mapped_column(sa.Date)  #: the last day the team may appeal
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("panel_decisions.id"))

    application: Mapped[Application] = relationship(back_populates="decisions", foreign_keys=[application_id])
    chair = relationship("User", foreign_keys=[chair_id])
    corrects: Mapped[PanelDecision | None] = relationship(remote_side=[id])

    def domain_ratings(self) -> dict[Domain, Rating]:
        return {Domain(d): Rating(r) for d, r in self.ratings.items()}

    def recompute(self) -> RuleResult[str | None]:
        """The award rule run again over the stored inputs (ratings and the settings in force): the same outcome."""
        inputs = self.inputs
        ratings = {Domain(d): Rating(r) for d, r in inputs["ratings"].items()}
        return award_outcome(ratings, outstanding_needed=inputs["outstanding_needed"], floor=Rating(inputs["floor"]))


class Appeal(db.Model):
    """The team's appeal against a decision, on procedural grounds, and its resolution."""

    __tablename__ = "appeals"
    __table_args__ = (
        sa.CheckConstraint("outcome IS NULL OR (outcome_reason IS NOT NULL AND decided_at IS NOT NULL)",
                           name="resolved_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_decisions.id"))
    statement: Mapped[str] = mapped_column(sa.Text)
    lodged_on: Mapped[date] = mapped_column(sa.Date)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lodged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[AppealOutcome | None] = mapped_column(enum_column(AppealOutcome, "appeal_outcome"))
    outcome_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="appeals")
    decision: Mapped[PanelDecision] = relationship()
    lodged_by = relationship("User", foreign_keys=[lodged_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
