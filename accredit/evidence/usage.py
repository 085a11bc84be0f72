"""Where each piece of evidence is used: every domain that links evidence contributes the places it links it.

A domain registers one source in a module that is imported at start-up (for example its permissions.py):

    @usage_source
    def _self_assessment_usage(evidence_ids):
        rows = db.session.execute(select ... where evidence_id in evidence_ids)   # one query, not one per item
        return {evidence_id: [Usage("November 2026 self-assessment, standard S3", href)] ...}

The library asks once for all the items on a page, so each source runs one query per page.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    """One place a piece of evidence is used: what to call it and (optionally) where to see it."""

    text: str
    href: str | None = None


UsageSource = Callable[[Collection[int]], dict[int, list[Usage]]]
_SOURCES: list[UsageSource] = []


def usage_source(fn: UsageSource) -> UsageSource:
    """Register `fn(evidence_ids) -> {evidence_id: [Usage, ...]}`; ids it does not know may be left out."""
    _SOURCES.append(fn)
    return fn


def usages_for(evidence_ids: Collection[int]) -> dict[int, list[Usage]]:
    """Every id in `evidence_ids` mapped to the places it is used (an empty list if nowhere), sorted by text."""
    found: dict[int, list[Usage]] = {evidence_id: [] for evidence_id in evidence_ids}
    if not found:
        return found
    for source in _SOURCES:
        for evidence_id, usages in source(list(found)).items():
            if evidence_id in found:
                found[evidence_id].extend(usages)
    return {evidence_id: sorted(usages, key=lambda u: u.text) for evidence_id, usages in found.items()}
