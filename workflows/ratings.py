"""The CQC vocabulary every workflow and rule shares: ratings, domains and STEEEP-L dimensions."""
from __future__ import annotations

import enum
from functools import total_ordering


@total_ordering
class Rating(enum.Enum):
    """The rating scale, lowest first; members compare by rank (`Rating.GOOD < Rating.OUTSTANDING`)."""

    INADEQUATE = "inadequate"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    GOOD = "good"
    OUTSTANDING = "outstanding"

    @property
    def rank(self) -> int:
        return _RATING_ORDER.index(self)

    @property
    def label(self) -> str:
        return _RATING_LABELS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Rating):
            return NotImplemented
        return self.rank < other.rank


_RATING_ORDER = [Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD, Rating.OUTSTANDING]
_RATING_LABELS = {
    Rating.INADEQUATE: "Inadequate",
    Rating.REQUIRES_IMPROVEMENT: "Requires improvement",
    Rating.GOOD: "Good",
    Rating.OUTSTANDING: "Outstanding",
}


class Domain(enum.Enum):
    """The five CQC key questions, in the order CQC asks them."""

    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well_led"

    @property
    def label(self) -> str:
        return "Well-led" if self is Domain.WELL_LED else self.value.capitalize()


class Steeep(enum.Enum):
    """The seven STEEEP-L quality dimensions that tag accreditation standards."""

    SAFE = "safe"
    TIMELY = "timely"
    EFFECTIVE = "effective"
    EFFICIENT = "efficient"
    EQUITABLE = "equitable"
    PERSON_CENTRED = "person_centred"
    LEADERSHIP = "leadership"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()
