"""Putting a service's refusal on the form that asked for it, so the person sees it next to what they typed."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field_error(form: Any, refused: Any, aliases: Mapping[str, str | None] | None = None) -> None:
    """Show `refused.reason` next to the form field `refused.field` names (after `aliases`, where a service's name
    for a field differs from the form's), else at the top of the form (`form_errors`)."""
    name = getattr(refused, "field", None)
    name = (aliases or {}).get(name, name)
    target = form[name] if name and name in form else None
    (target.errors if target is not None else form.form_errors).append(refused.reason)
