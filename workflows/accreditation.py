"""Accreditation applications (DESIGN.md §4.3): invitation, portfolio, pre-panel, panel, decision, appeal."""
from __future__ import annotations

import enum

from workflows.base import Transition, Workflow, guard


class ApplicationStatus(enum.Enum):
    INVITED = "invited"
    PREPARING = "preparing"
    PRE_PANEL = "pre_panel"
    PANEL_READY = "panel_ready"
    DECIDED = "decided"
    APPEALED = "appealed"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@guard("a reason is given")
def reason_given(application, context: dict) -> str | None:
    return None if (context.get("reason") or "").strip() else "Give a reason"


@guard("every standard has evidence and a statement")
def portfolio_complete(application, context: dict) -> str | None:
    missing = list(application.incomplete_standards())
    return f"Add evidence and a statement for {', '.join(missing)}" if missing else None


@guard("a quorate panel")
def panel_quorate(application, context: dict) -> str | None:
    problems = list(application.quorum_problems())
    return "; ".join(problems) or None


@guard("every standard marked robust")
def standards_robust(application, context: dict) -> str | None:
    weak = list(application.standards_not_robust())
    return f"Every standard must be marked robust first: {', '.join(weak)}" if weak else None


@guard("within the appeal period")
def appeal_in_time(application, context: dict) -> str | None:
    deadline, today = getattr(application, "appeal_deadline", None), context.get("today")
    if deadline is None or today is None or today <= deadline:
        return None
    return f"The appeal period ended on {deadline:%-d %B %Y}"


APPLICATION_WORKFLOW = Workflow(
    name="accreditation",
    version="2",
    states=ApplicationStatus,
    initial=ApplicationStatus.INVITED,
    transitions=[
        Transition("start", "invited", "preparing"),
        Transition("decline", "invited", "closed"),
        Transition("expire", "invited", "closed", label="lapse"),
        Transition("withdraw", "preparing", "closed", guards=(reason_given,)),
        Transition("submit", "preparing", "pre_panel", guards=(portfolio_complete,)),
        Transition("return_to_team", "pre_panel", "preparing", guards=(reason_given,), label="return"),
        Transition("assure", "pre_panel", "panel_ready", guards=(standards_robust,)),
        Transition("decide", "panel_ready", "decided", guards=(panel_quorate,)),
        Transition("appeal", "decided", "appealed", guards=(reason_given, appeal_in_time)),
        Transition("uphold", "appealed", "panel_ready", guards=(reason_given,), label="resolve: upheld"),
        Transition("dismiss", "appealed", "decided", guards=(reason_given,), label="resolve: dismissed"),
    ],
)


class AwardStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AwardKind(enum.Enum):
    """What a panel decision awards (DESIGN.md §4.4); the values are workflows.rules.award_outcome's."""

    OUTSTANDING_TEAM = "outstanding_team"
    EXCELLING_TEAM = "excelling_team"

    @property
    def label(self) -> str:
        return {"outstanding_team": "Outstanding Team", "excelling_team": "Excelling Team"}[self.value]


AWARD_WORKFLOW = Workflow(
    name="award",
    version="1",
    states=AwardStatus,
    initial=AwardStatus.ACTIVE,
    transitions=[
        Transition("suspend", "active", "suspended", guards=(reason_given,)),
        Transition("reinstate", "suspended", "active", guards=(reason_given,)),
        Transition("expire", ("active", "suspended"), "expired"),
    ],
)
