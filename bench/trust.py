"""The synthetic trust's structure and people: divisions, services, teams of every type, users and their roles.

Everything is a pure function of the seed and the sizes, so two runs with the same arguments load the same trust.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from accredit.org.models import TeamType

BENCH_PASSWORD = "bench-password-2026"  # synthetic accounts only; the load test signs in with it
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
TEAM_TYPES = list(TeamType)
SAF_EVERY_NTH_DIVISION = 5  #: one division in five (mental health, say) assesses against the 2023 framework


class Dice:
    """Deterministic draws keyed by what they are for (a team, a month), not by the order they are made in.

    So a team's history is the same whatever the trust's size: the guard tests compare a small and a large
    trust through the same team's pages. Python hashes tuples of ints the same way in every process.
    """

    def __init__(self, seed: int):
        self.seed = seed

    def unit(self, *keys: int) -> float:
        return (hash((self.seed, *keys)) & 0xFFFFFFFF) / 0x100000000

    def int(self, low: int, high: int, *keys: int) -> int:
        """low <= n < high."""
        return low + int(self.unit(*keys) * (high - low))


def month_number(day: date) -> int:
    """Months since year 0: the same month has the same number whatever the history's first month."""
    return day.year * 12 + day.month - 1


@dataclass
class TeamRow:
    id: int
    code: str
    service_id: int
    division_id: int
    team_type: str
    framework_key: str
    opened_on: date
    closed_month: int | None  #: index (from the first month) of the month it closed in, or None while active
    quality: int  #: 0..3, how good the team tends to be (drives its ratings)
    lead_id: int = 0
    member_ids: list[int] = field(default_factory=list)


@dataclass
class Trust:
    divisions: list[tuple[int, str, str]]
    services: list[tuple[int, str, str, int]]
    teams: list[TeamRow]
    users: list[tuple[int, str, str]]  #: (id, email, name)
    grants: list[tuple[int, str, str, int | None]]  #: (user id, role, scope kind, scope id)
    reviewer_ids: list[int]
    panel_ids: list[int]
    trust_lead_id: int


def build_trust(dice: Dice, teams: int, first_month: date, months: int) -> Trust:
    """Divisions (one per 1,000 teams, at least 2), services (one per 25 teams), `teams` teams, their people.

    One team in ten (the 1st, 11th, ...) is a flagship: Outstanding, never closed, with an application and an
    award in any history of three years or more, so every kind of page has a row to show.
    """
    n_div = max(2, teams // 1000)
    n_svc = max(n_div, teams // 25)
    divisions = [(i, f"D{i:03d}", f"Division {i}") for i in range(1, n_div + 1)]
    services = [(i, f"S{i:04d}", f"Service {i}", (i - 1) % n_div + 1) for i in range(1, n_svc + 1)]
    team_rows = []
    for i in range(1, teams + 1):
        service_id = (i - 1) % n_svc + 1
        division_id = services[service_id - 1][3]
        framework = "cqc-saf-2023" if division_id % SAF_EVERY_NTH_DIVISION == 0 else "cqc-kloe-2017"
        flagship = i % 10 == 1
        closed = max(1, months - dice.int(1, 24, i, 1)) if dice.unit(i, 2) < 0.01 and not flagship else None
        draw = dice.unit(i, 3)
        quality = 3 if flagship else (0 if draw < 0.03 else 1 if draw < 0.20 else 2 if draw < 0.80 else 3)
        opened = first_month - timedelta(days=dice.int(30, 3000, i, 4))
        team_rows.append(TeamRow(i, f"T{i:05d}", service_id, division_id, TEAM_TYPES[i % len(TEAM_TYPES)].value,
                                 framework, opened, closed, quality))
    users: list[tuple[int, str, str]] = []
    grants: list[tuple[int, str, str, int | None]] = []

    def person(email: str, name: str) -> int:
        users.append((len(users) + 1, email, name))
        return len(users)

    admin = person("admin@bench.nhs.uk", "Bench Admin")
    grants.append((admin, "admin", "trust", None))
    trust_lead = person("quality.lead@bench.nhs.uk", "Trust Quality Lead")
    grants.append((trust_lead, "quality_lead", "trust", None))
    for div_id, code, _ in divisions:
        uid = person(f"quality.{code.lower()}@bench.nhs.uk", f"Quality Lead {code}")
        grants.append((uid, "quality_lead", "division", div_id))
    reviewer_ids = []
    for n in range(max(2, teams // 50)):
        uid = person(f"reviewer{n + 1}@bench.nhs.uk", f"Reviewer {n + 1}")
        grants.append((uid, "reviewer", "trust", None))
        reviewer_ids.append(uid)
    panel_ids = []
    for n in range(max(3, teams // 100)):
        uid = person(f"panel{n + 1}@bench.nhs.uk", f"Panel Member {n + 1}")
        grants.append((uid, "panel_chair" if n % 3 == 0 else "panel_member", "trust", None))
        panel_ids.append(uid)
    for team in team_rows:
        team.lead_id = person(f"lead.{team.code.lower()}@bench.nhs.uk", f"Lead {team.code}")
        grants.append((team.lead_id, "team_lead", "team", team.id))
        for m in (1, 2):
            uid = person(f"staff{m}.{team.code.lower()}@bench.nhs.uk", f"Staff {m} {team.code}")
            grants.append((uid, "team_member", "team", team.id))
            team.member_ids.append(uid)
    return Trust(divisions, services, team_rows, users, grants, reviewer_ids, panel_ids, trust_lead)


def month_start(first_month: date, index: int) -> date:
    n = first_month.year * 12 + first_month.month - 1 + index
    return date(n // 12, n % 12 + 1, 1)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
