"""Importing divisions, services and teams from a spreadsheet export (CSV): all rows or none."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from accredit.extensions import db
from accredit.org import services
from accredit.org.models import Division, Service, Team, TeamType

COLUMNS = ["division_code", "division_name", "service_code", "service_name", "team_code", "team_name", "team_type"]
MAX_ROWS = 50_000
TYPES = ", ".join(t.value for t in TeamType)


class OrgImportError(ValueError):
    """The file was refused whole; `problems` lists (line, reason) for every bad row."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems[:20]))


@dataclass
class ImportResult:
    divisions: int = 0
    services: int = 0
    teams: int = 0
    unchanged: int = 0
    created: list[str] = field(default_factory=list)


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a byte-order mark
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise OrgImportError([(1, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")])
    reader.fieldnames = header
    rows = []
    for row in reader:
        if reader.line_num > MAX_ROWS + 1:
            raise OrgImportError([(reader.line_num, f"more than {MAX_ROWS} rows; split the file")])
        if None in row:
            raise OrgImportError([(reader.line_num, "this row has more cells than the header")])
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    if not rows:
        raise OrgImportError([(1, "the file has a header but no rows")])
    return rows


def _row_problem(row: dict[str, str]) -> str | None:
    empty = [c for c in COLUMNS if not row.get(c)]
    if empty:
        return f"empty {', '.join(empty)}"
    if row["team_type"] not in {t.value for t in TeamType}:
        return f"team_type {row['team_type']!r} is not one of {TYPES}"
    for column in ("division_code", "service_code", "team_code"):
        if len(row[column]) > 32 or not row[column].replace("-", "").replace("_", "").isalnum():
            return f"{column} {row[column]!r} must be up to 32 letters, digits, - or _"
    return None


def _consistency_problems(rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, str]]:
    """The same code must mean the same thing on every row, and in the database."""
    problems, seen_team, service_division = [], {}, {}
    existing_services = {s.code: s.division.code for s in db.session.scalars(sa.select(Service))}
    for line, row in rows:
        team, service, division = row["team_code"].upper(), row["service_code"].upper(), row["division_code"].upper()
        if team in seen_team:
            problems.append((line, f"team_code {team} appears again (first on line {seen_team[team]})"))
        seen_team.setdefault(team, line)
        owner = service_division.setdefault(service, division)
        if owner != division or existing_services.get(service, division) != division:
            problems.append((line, f"service {service} belongs to division {existing_services.get(service, owner)}, not {division}"))
    return problems


def import_org_csv(text: str, *, by: Any = None) -> ImportResult:
    """Create what is new and update team names/types from a CSV; refuse the whole file on any bad row.

    Returns counts. Raises OrgImportError listing every bad line; nothing is written then (the caller
    rolls back). Flushes, never commits.
    """
    rows = _read_rows(text)
    problems = [(line, p) for line, row in rows if (p := _row_problem(row))]
    bad_lines = {line for line, _ in problems}
    # Codes are compared on the well-formed rows too, so one upload reports every problem at once.
    problems += _consistency_problems([(line, row) for line, row in rows if line not in bad_lines])
    problems.sort(key=lambda problem: problem[0])
    if problems:
        raise OrgImportError(problems)
    result = ImportResult()
    for line, row in rows:
        try:
            _apply_row(row, result, by)
        except services.OrgError as refused:
            raise OrgImportError([(line, str(refused))]) from None
    return result


def _apply_row(row: dict[str, str], result: ImportResult, by: Any) -> None:
    division = db.session.scalar(sa.select(Division).where(Division.code == row["division_code"].upper()))
    if division is None:
        division = services.create_division(row["division_code"], row["division_name"], by=by)
        result.divisions += 1
    service = db.session.scalar(sa.select(Service).where(Service.code == row["service_code"].upper()))
    if service is None:
        service = services.create_service(division, row["service_code"], row["service_name"], by=by)
        result.services += 1
    team = db.session.scalar(sa.select(Team).where(Team.code == row["team_code"].upper()))
    team_type = TeamType(row["team_type"])
    if team is None:
        services.create_team(service, row["team_code"], row["team_name"], team_type, by=by)
        result.teams += 1
        result.created.append(row["team_code"].upper())
    elif (team.name, team.team_type, team.service) != (row["team_name"], team_type, service):
        services.update_team(team, name=row["team_name"], team_type=team_type, service=service, by=by)
        result.teams += 1
    else:
        result.unchanged += 1
