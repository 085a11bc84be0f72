"""Who may see, upload and change evidence: the team's own people and the quality leads who cover it."""
from __future__ import annotations

from typing import Any

from accredit.permissions import PREDICATES, has_role, predicate
from accredit.roles import Role

#: Roles that may add to and edit a team's library (for a scope covering the team).
CONTRIBUTORS = (Role.TEAM_MEMBER, Role.TEAM_LEAD, Role.QUALITY_LEAD)


@predicate("evidence.view")
def can_view_evidence(user: Any, evidence: Any) -> bool:
    """Anyone who may see the team may see its (not deleted) evidence."""
    if evidence is None or evidence.deleted_at is not None:
        return False
    return PREDICATES["team.view"](user, evidence.team)


@predicate("evidence.upload")
def can_upload_evidence(user: Any, team: Any) -> bool:
    """Team members and leads of the team, and quality leads whose scope covers it."""
    return team is not None and has_role(user, *CONTRIBUTORS, team=team)


@predicate("evidence.edit")
def can_edit_evidence(user: Any, evidence: Any) -> bool:
    """The same people who may upload to the evidence's team."""
    return can_view_evidence(user, evidence) and has_role(user, *CONTRIBUTORS, team=evidence.team)


@predicate("evidence.delete")
def can_delete_evidence(user: Any, evidence: Any) -> bool:
    """The team's lead and the quality leads who cover it, and whoever uploaded the item (a member's mistake)."""
    if not can_view_evidence(user, evidence):
        return False
    uploaded_it = evidence.uploaded_by_id is not None and evidence.uploaded_by_id == getattr(user, "id", None)
    return (uploaded_it and has_role(user, *CONTRIBUTORS, team=evidence.team)) or has_role(
        user, Role.TEAM_LEAD, Role.QUALITY_LEAD, team=evidence.team)
