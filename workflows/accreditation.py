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


APPLICATION_WORKFLOW = Workflow(
    name="accreditation",
    version="1",
    states=ApplicationStatus,
    initial=ApplicationStatus.INVITED,
    transitions=[
        Transition("start", "invited", "preparing"),
        Transition("decline", "invited", "closed"),
        Transition("expire", "invited", "closed", label="lapse"),
        Transition("withdraw", "preparing", "closed", guards=(reason_given,)),
        Transition("submit", "preparing", "pre_panel", guards=(portfolio_complete,)),
        Transition("return_to_team", "pre_panel", "preparing", guards=(reason_given,), label="return"),
        Transition("assure", "pre_panel", "panel_ready"),
        Transition("decide", "panel_ready", "decided", guards=(panel_quorate,)),
        Transition("appeal", "decided", "appealed", guards=(reason_given,)),
        Transition("uphold", "appealed", "panel_ready", guards=(reason_given,), label="resolve: upheld"),
        Transition("dismiss", "appealed", "decided", guards=(reason_given,), label="resolve: dismissed"),
    ],
)


class AwardStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


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
