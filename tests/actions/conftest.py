"""Improvement action fixtures: a ward with its lead, a member, a reviewer and a quality lead; actions raised and
walked through the real services.

    Division Medicine: Service Acute: Ward 7 Respiratory (the ward)
    Division Surgery:  Service General: Ward 20 Surgical (another team, with its own member)
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from accredit.actions import services
from accredit.actions.models import Action
from accredit.assessments.services import today_in_london
from accredit.demo import import_shipped_frameworks
from accredit.evidence.services import upload_evidence
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role
from tests.evidence import samples
from tests.factories import PASSWORD
from workflows.action import ActionStatus
from workflows.ratings import Domain

OPENED = date(2020, 4, 1)


@dataclass
class Ward:
    team: Team  #: Ward 7 Respiratory, Medicine
    lead: Any  #: its team lead
    member: Any  #: its team member
    reviewer: Any  #: a reviewer for Medicine
    quality_lead: Any  #: a quality lead for the trust
    other_team: Team  #: Ward 20 Surgical, Surgery
    outsider: Any  #: a member of Ward 20


@pytest.fixture
def password() -> str | None:
    """None: no sign-in needed (no password hashing); page and API tests override it with a real password."""
    return None


@pytest.fixture
def ward(factory, password) -> Ward:
    import_shipped_frameworks()
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    team = factory.team(factory.service(medicine, name="Acute"), name="Ward 7 Respiratory", opened_on=OPENED)
    other = factory.team(factory.service(surgery, name="General"), name="Ward 20 Surgical", opened_on=OPENED)
    ward = Ward(
        team=team,
        lead=factory.user(name="Sam Sister", role=Role.TEAM_LEAD, scope=team, password=password),
        member=factory.user(name="Nadia Nurse", role=Role.TEAM_MEMBER, scope=team, password=password),
        reviewer=factory.user(name="Riley Reviewer", role=Role.REVIEWER, scope=medicine, password=password),
        quality_lead=factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD, password=password),
        other_team=other,
        outsider=factory.user(name="Olly Outsider", role=Role.TEAM_MEMBER, scope=other, password=password),
    )
    factory.commit()
    return ward


def in_days(days: int) -> date:
    return today_in_london() + timedelta(days=days)


def raise_one(ward: Ward, *, by: Any = None, owner: Any = None, title: str = "Audit hand hygiene weekly",
              due_on: date | None = None, commit: bool = True, **kwargs: Any) -> Action:
    """An open action of the ward, raised by its lead for its member unless told otherwise."""
    kwargs.setdefault("domain", Domain.SAFE)
    kwargs.setdefault("finding", "Hand hygiene audit at 78% in March")
    action = services.raise_action(ward.team, title=title, owner=owner or ward.member, due_on=due_on or in_days(30),
                                   by=by or ward.lead, **kwargs)
    if commit:
        db.session.commit()
    return action


def walk_to(action: Action, state: ActionStatus, ward: Ward, evidence_ids: tuple[int, ...] = ()) -> Action:
    """Fire the triggers that take a new action to `state`, as its owner and the ward's reviewer would; commits."""
    steps = [ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_EVIDENCE, ActionStatus.CLOSED]
    for step in steps[: steps.index(state) + 1] if state is not ActionStatus.OPEN else []:
        if step is ActionStatus.IN_PROGRESS:
            services.start_action(action, by=ward.member)
        elif step is ActionStatus.AWAITING_EVIDENCE:
            services.complete_action(action, by=ward.member, note="Weekly audits since April: 97%",
                                     evidence_ids=evidence_ids)
        else:
            services.verify_action(action, by=ward.reviewer)
    db.session.commit()
    return action


def add_evidence(team: Team, by: Any, title: str = "Hand hygiene audit") -> Any:
    """One small PDF in `team`'s library, committed."""
    item = upload_evidence(team, io.BytesIO(samples.pdf(title.encode())), filename="audit.pdf", title=title,
                           review_by=None, by=by)
    db.session.commit()
    return item


__all__ = ["PASSWORD", "Ward", "add_evidence", "in_days", "raise_one", "walk_to"]
