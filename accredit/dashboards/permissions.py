"""Who may watch coverage: quality leads (for the teams their scope covers) and administrators; who sets the target."""
from __future__ import annotations

from typing import Any

from accredit.permissions import has_role, has_trust_role, predicate
from accredit.roles import Role

#: The roles whose scope decides which teams a dashboard counts.
DASHBOARD_ROLES = (Role.QUALITY_LEAD, Role.ADMIN)


@predicate("dashboards.view")
def can_view_dashboards(user: Any, _: Any = None) -> bool:
    """A quality lead for any scope (a division quality lead sees that division only), or an administrator."""
    return has_role(user, *DASHBOARD_ROLES)


@predicate("dashboards.set_target")
def can_set_target(user: Any, _: Any = None) -> bool:
    """The target is the trust's: set by a trust-wide quality lead or an administrator."""
    return has_trust_role(user, *DASHBOARD_ROLES)
