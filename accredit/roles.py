"""The roles and scope kinds of DESIGN.md §1, shared by models, permissions and the API."""
from __future__ import annotations

import enum


class Role(enum.Enum):
    TEAM_MEMBER = "team_member"
    TEAM_LEAD = "team_lead"
    REVIEWER = "reviewer"
    PANEL_MEMBER = "panel_member"
    PANEL_CHAIR = "panel_chair"
    QUALITY_LEAD = "quality_lead"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.TEAM_MEMBER: "Team member",
    Role.TEAM_LEAD: "Team lead",
    Role.REVIEWER: "Reviewer",
    Role.PANEL_MEMBER: "Panel member",
    Role.PANEL_CHAIR: "Panel chair",
    Role.QUALITY_LEAD: "Quality lead",
    Role.ADMIN: "Administrator",
}


class ScopeKind(enum.Enum):
    """What a role is held for, widest first."""

    TRUST = "trust"
    DIVISION = "division"
    SERVICE = "service"
    TEAM = "team"

    @property
    def label(self) -> str:
        return self.value.capitalize()
