"""A demo trust for `make run` and the browser tests: three divisions, 45 teams, a user for every role."""
from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from accredit.auth import services as accounts
from accredit.auth.models import User
from accredit.extensions import db
from accredit.frameworks.schema import load_framework_file
from accredit.frameworks.services import import_framework
from accredit.org import services as org
from accredit.org.models import Team, TeamType
from accredit.roles import Role, ScopeKind
from config import BASE_DIR

DEMO_PASSWORD = "accredit-demo-2026"  # demo data only: documented in the README, never used for real accounts

DIVISIONS = {
    ("MED", "Medicine"): {
        ("MED-ACUTE", "Acute and emergency medicine"): ["Acute Medical Unit", "Ward 7 Respiratory", "Ward 8 Cardiology",
                                                        "Ward 9 Stroke", "Discharge Lounge"],
        ("MED-ELDER", "Care of older people"): ["Ward 10 Elderly Care", "Ward 11 Frailty", "Falls Clinic",
                                                "Memory Clinic", "Older Adults Day Hospital"],
        ("MED-COMM", "Community medicine"): ["District Nursing North", "District Nursing South", "Community Diabetes",
                                             "Heart Failure Team", "Respiratory Community Team"],
    },
    ("SURG", "Surgery"): {
        ("SURG-GEN", "General surgery"): ["Ward 20 Surgical", "Ward 21 Colorectal", "Surgical Assessment Unit",
                                          "Pre-operative Assessment Clinic", "Day Surgery Unit"],
        ("SURG-ORTH", "Orthopaedics"): ["Ward 22 Trauma", "Ward 23 Elective Orthopaedics", "Fracture Clinic",
                                        "Orthopaedic Outreach"],
        ("SURG-CRIT", "Critical care and theatres"): ["Intensive Care Unit", "High Dependency Unit",
                                                      "Critical Care Outreach", "Main Theatres Recovery"],
    },
    ("MH", "Mental health and community"): {
        ("MH-ADULT", "Adult mental health"): ["Willow Ward", "Oak Ward", "Crisis Resolution Team North",
                                              "Crisis Resolution Team South", "Community Mental Health Team East",
                                              "Community Mental Health Team West"],
        ("MH-CAMHS", "Children and young people"): ["CAMHS Community", "CAMHS Crisis", "Beech Adolescent Unit",
                                                    "Eating Disorders Team"],
        ("MH-LD", "Learning disability and autism"): ["Learning Disability Community Team", "Autism Assessment Service",
                                                      "Intensive Support Team", "Maple Assessment Unit",
                                                      "Positive Behaviour Support Team"],
    },
}

# The accounts the README lists: (email, name, [(role, scope)]), scope "trust" or ("division"|"team", index).
DEMO_USERS = [
    ("admin@demo.nhs.uk", "Alex Admin", [(Role.ADMIN, "trust")]),
    ("quality.lead@demo.nhs.uk", "Quinn Quality", [(Role.QUALITY_LEAD, "trust")]),
    ("medicine.quality@demo.nhs.uk", "Morgan Medicine", [(Role.QUALITY_LEAD, ("division", "MED"))]),
    ("reviewer@demo.nhs.uk", "Riley Reviewer", [(Role.REVIEWER, "trust")]),
    ("panel.chair@demo.nhs.uk", "Casey Chair", [(Role.PANEL_CHAIR, "trust")]),
    ("panel.member@demo.nhs.uk", "Parker Panel", [(Role.PANEL_MEMBER, "trust")]),
    ("panel.member2@demo.nhs.uk", "Jordan Panel", [(Role.PANEL_MEMBER, "trust")]),
    ("ward.manager@demo.nhs.uk", "Sam Sister", [(Role.TEAM_LEAD, ("team", "MED-ACUTE-02"))]),
    ("nurse@demo.nhs.uk", "Nadia Nurse", [(Role.TEAM_MEMBER, ("team", "MED-ACUTE-02"))]),
    ("crisis.lead@demo.nhs.uk", "Chris Crisis", [(Role.TEAM_LEAD, ("team", "MH-ADULT-03"))]),
]


def _team_type(name: str) -> TeamType:
    lowered = name.lower()
    for words, team_type in (
        (("crisis",), TeamType.CRISIS_TEAM),
        (("clinic",), TeamType.OUTPATIENT_CLINIC),
        (("day ", "lounge"), TeamType.DAY_SERVICE),
        (("community", "district", "outreach"), TeamType.COMMUNITY_TEAM),
        (("ward", "unit"), TeamType.INPATIENT_WARD),
    ):
        if any(w in lowered for w in words):
            return team_type
    return TeamType.SPECIALIST_TEAM


def import_shipped_frameworks() -> list[str]:
    """Import every YAML file in frameworks/ (identical versions already present are left alone)."""
    imported = []
    for path in sorted((BASE_DIR / "frameworks").glob("*.yaml")):
        version, created = import_framework(load_framework_file(path))
        if created:
            imported.append(f"{version.framework.key} {version.version}")
    return imported


def _build_org(rng: random.Random) -> int:
    count = 0
    for (division_code, division_name), services in DIVISIONS.items():
        division = org.create_division(division_code, division_name)
        for (service_code, service_name), teams in services.items():
            service = org.create_service(division, service_code, service_name)
            for index, team_name in enumerate(teams, start=1):
                opened = date(2018, 4, 1) + timedelta(days=rng.randrange(0, 1500))
                framework = "cqc-saf-2023" if division_code == "MH" else "cqc-kloe-2017"
                org.create_team(service, f"{service_code}-{index:02d}", team_name, _team_type(team_name),
                                opened_on=opened, framework_key=framework)
                count += 1
    return count


def _scope_for(spec: str | tuple[str, str]) -> tuple[ScopeKind, int | None]:
    from accredit.org.models import Division

    if spec == "trust":
        return ScopeKind.TRUST, None
    kind, code = spec
    model = Division if kind == "division" else Team
    return ScopeKind(kind), db.session.scalar(sa.select(model.id).where(model.code == code))


def _build_users() -> None:
    for email, name, grants in DEMO_USERS:
        user = accounts.create_user(email, name, password=DEMO_PASSWORD)
        for role, scope in grants:
            kind, scope_id = _scope_for(scope)
            accounts.grant_role(user, role, kind, scope_id)


def load_demo(seed: int = 2026, today: date | None = None) -> str:
    """Load the demo trust into an empty database and return a one-line summary; a loaded one is left alone.

    The trust comes with two years of history up to `today` (default: today in London; accredit.demo_history),
    which a demo trust loaded before the history existed also gets; the same seed and day give the same data.
    """
    from accredit.assessments.services import today_in_london
    from accredit.demo_history import load_history

    frameworks = import_shipped_frameworks()
    if db.session.scalar(sa.select(User.id).limit(1)) is not None:
        added = load_history(seed, today or today_in_london()) if _is_demo_trust() else None
        if added:
            return f"Demo history added: {added}"
        return "Demo data already present; nothing added" + (f" (frameworks imported: {', '.join(frameworks)})" if frameworks else "")
    teams = _build_org(random.Random(seed))
    _build_users()
    _build_application()
    history = load_history(seed, today or today_in_london())
    return (f"Demo trust loaded: {len(DIVISIONS)} divisions, {teams} teams, {len(DEMO_USERS)} users (password "
            f"{DEMO_PASSWORD}); history: {history}")


def _is_demo_trust() -> bool:
    """Whether the database holds the demo trust (its accounts), not a real trust that history must never touch."""
    return db.session.scalar(sa.select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


def _build_application() -> None:
    """Crisis Resolution Team North (its lead is crisis.lead@demo.nhs.uk) has started an accreditation application."""
    from accredit.accreditation.models import EligibilityCheck
    from accredit.accreditation.portfolio import start_application
    from accredit.accreditation.services import invite_team
    from accredit.assessments.services import today_in_london

    team = db.session.scalar(sa.select(Team).where(Team.code == "MH-ADULT-03"))
    lead = db.session.scalar(sa.select(User).where(User.email == "crisis.lead@demo.nhs.uk"))
    check = EligibilityCheck(team_id=team.id, is_eligible=True, scheme_version="1", inputs={"rule": "eligibility"},
                             explanation="Eligible: two Quality Review Visits rated Good in a row (demo data)")
    db.session.add(check)
    db.session.flush()
    start_application(invite_team(team, check, today=today_in_london()), by=lead)
