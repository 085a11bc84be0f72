"""Who may browse and import frameworks."""
from __future__ import annotations

from typing import Any

from accredit.permissions import has_trust_role, predicate
from accredit.roles import Role


@predicate("frameworks.view")
def can_view_frameworks(user: Any, _: Any = None) -> bool:
    """Frameworks are the trust's shared rulebook: every signed-in person with a role may read them."""
    return bool(user.roles)


@predicate("frameworks.import")
def can_import_frameworks(user: Any, _: Any = None) -> bool:
    return has_trust_role(user, Role.ADMIN)
