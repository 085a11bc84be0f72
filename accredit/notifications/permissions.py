"""Who may see the outbox and retry failed emails: trust administrators. Everyone sees their own notifications
(the pages load only the signed-in person's rows, so there is nothing else to check)."""
from __future__ import annotations

from typing import Any

from accredit.permissions import has_trust_role, predicate
from accredit.roles import Role


@predicate("notifications.outbox")
def can_manage_outbox(user: Any, _: Any = None) -> bool:
    return has_trust_role(user, Role.ADMIN)
