"""Step-up fixtures: two divisions, a ward and its staff, quality leads for the trust and for each division.

    Division Medicine: Service Acute: Ward 7 Respiratory (the ward, opened 1 April 2020), Ward 8 Cardiology
    Division Surgery:  Service General: Ward 20 Surgical
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from accredit.demo import import_shipped_frameworks
from accredit.org.models import Team
from accredit.roles import Role
from workflows.scheme import Scheme

OPENED = date(2020, 4, 1)
SCHEME = Scheme()


@dataclass
class Trust:
    ward: Team  #: Ward 7 Respiratory, Medicine
    sister_ward: Team  #: Ward 8 Cardiology, Medicine
    surgical_ward: Team  #: Ward 20 Surgical, Surgery
    quality_lead: Any  #: quality lead for the whole trust
    medicine_lead: Any  #: quality lead for Medicine
    surgery_lead: Any  #: quality lead for Surgery (another division than the ward's)
    lead: Any  #: Ward 7's team lead
    member: Any  #: Ward 7's team member


@pytest.fixture
def password() -> str | None:
    """None: no sign-in (no password hashing); page and API tests override it with a real password."""
    return None


@pytest.fixture
def trust(factory, password) -> Trust:
    import_shipped_frameworks()
    medicine, surgery = factory.division(name="Medicine"), factory.division(name="Surgery")
    acute, general = factory.service(medicine, name="Acute"), factory.service(surgery, name="General")
    ward = factory.team(acute, name="Ward 7 Respiratory", opened_on=OPENED)
    trust = Trust(
        ward=ward,
        sister_ward=factory.team(acute, name="Ward 8 Cardiology", opened_on=OPENED),
        surgical_ward=factory.team(general, name="Ward 20 Surgical", opened_on=OPENED),
        quality_lead=factory.user(name="Quinn Quality", role=Role.QUALITY_LEAD, password=password),
        medicine_lead=factory.user(name="Morgan Medicine", role=Role.QUALITY_LEAD, scope=medicine, password=password),
        surgery_lead=factory.user(name="Sasha Surgery", role=Role.QUALITY_LEAD, scope=surgery, password=password),
        lead=factory.user(name="Sam Sister", email="lead@test.nhs.uk", role=Role.TEAM_LEAD, scope=ward,
                          password=password),
        member=factory.user(name="Nadia Nurse", role=Role.TEAM_MEMBER, scope=ward, password=password),
    )
    factory.commit()
    return trust
