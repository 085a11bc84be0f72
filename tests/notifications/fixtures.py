"""Fixtures for notification, reminder and scheduler tests: a small trust with every audience, and a real
SMTP server on 127.0.0.1 (aiosmtpd) that can refuse the first messages.

A test module uses them with `from tests.notifications.fixtures import smtp, ward  # noqa: F401`.
"""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from accredit.assessments import services as assessments
from accredit.assessments.models import SelfAssessment
from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.frameworks.schema import load_framework_file
from accredit.frameworks.services import import_framework
from accredit.notifications.models import Notification
from accredit.notifications.services import notify
from accredit.org.models import Team
from accredit.roles import Role
from config import BASE_DIR
from workflows.periods import Period

OPENED = date(2020, 4, 1)  #: the teams opened long before any period a test uses


class Inbox:
    """What the SMTP server received; `refuse` answers the next N messages with a temporary 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0  #: answer the next N messages "451 try again later"
        self.reject = 0  #: answer the next N messages "550 no such mailbox"
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            if self.reject > 0:
                self.reject -= 1
                return "550 5.1.1 No such mailbox"
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def recipients(self) -> list[str]:
        return [m["To"].addresses[0].addr_spec for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server for this test; the app is pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TIMEOUT=5,
                      SMTP_USE_TLS=False, SMTP_USE_SSL=False, SMTP_USERNAME=None)
    yield inbox
    controller.stop()


@pytest.fixture
def closed_port(app) -> int:
    """Point the app at a port where nothing listens: every connection is refused."""
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    return port


@dataclass
class Ward:
    """Ward 7 (Medicine division) with a person in every audience, and Ward 9 in Surgery."""

    team: Team
    other_team: Team
    lead: Any
    nurse: Any
    medicine_quality_lead: Any
    surgery_quality_lead: Any
    trust_quality_lead: Any
    admin: Any


def _person(factory, email: str, name: str, role: Role, scope: Any) -> Any:
    return factory.user(email=email, name=name, role=role, scope=scope)


@pytest.fixture
def ward(app, factory) -> Ward:
    import_framework(load_framework_file(BASE_DIR / "frameworks" / "cqc-kloe-2017.yaml"))
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    team = factory.team(factory.service(medicine, name="Acute medicine"), name="Ward 7", opened_on=OPENED)
    other = factory.team(factory.service(surgery, name="General surgery"), name="Ward 9", opened_on=OPENED)
    lead = _person(factory, "lead@test.nhs.uk", "Lee Lead", Role.TEAM_LEAD, team)
    nurse = _person(factory, "nurse@test.nhs.uk", "Nia Nurse", Role.TEAM_MEMBER, team)
    leaver = _person(factory, "leaver@test.nhs.uk", "Lou Leaver", Role.TEAM_MEMBER, team)
    accounts.set_active(leaver, False)
    _person(factory, "ward9@test.nhs.uk", "Wyn Ward9", Role.TEAM_LEAD, other)
    _person(factory, "reviewer@test.nhs.uk", "Rae Reviewer", Role.REVIEWER, "trust")
    ward = Ward(
        team=team, other_team=other, lead=lead, nurse=nurse,
        medicine_quality_lead=_person(factory, "medql@test.nhs.uk", "Mo Medicine", Role.QUALITY_LEAD, medicine),
        surgery_quality_lead=_person(factory, "surgql@test.nhs.uk", "Sam Surgery", Role.QUALITY_LEAD, surgery),
        trust_quality_lead=_person(factory, "trustql@test.nhs.uk", "Tia Trust", Role.QUALITY_LEAD, "trust"),
        admin=_person(factory, "admin@test.nhs.uk", "Ada Admin", Role.ADMIN, "trust"),
    )
    factory.commit()
    return ward


def open_assessment(team: Team, start: date, end: date, due: date) -> SelfAssessment:
    """The team's self-assessment for a constructed period (committed)."""
    assessment, _ = assessments.ensure_assessment(team, Period(start, end, due))
    db.session.commit()
    return assessment


def notifications(kind: str | None = None) -> list[Notification]:
    """Every notification row, oldest first (optionally of one kind), as the database now has them."""
    db.session.expire_all()
    query = sa.select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def sent_to(rows: list[Notification]) -> list[str]:
    return [n.recipient.email for n in rows]


def write_notification(user: Any, key: str, *, at: datetime, **overrides: Any) -> Notification | None:
    """A notification written through notify() with the digest templates (any two templates would do)."""
    values = {"kind": "test.reminder", "subject": f"Ward 7: reminder {key}", "template": "notifications/emails/digest",
              "link": "/notifications", "context": {"items": [], "day": at.date(), "absolute_url": lambda p: p}}
    return notify(user, key=key, at=at, **{**values, **overrides})
