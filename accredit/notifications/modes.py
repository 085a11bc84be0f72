"""How a person wants their notification emails: each one as it happens, or one digest a day."""
from __future__ import annotations

import enum


class NotificationMode(enum.Enum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return {"immediate": "An email for each notification", "digest": "One email a day with everything new"}[self.value]
