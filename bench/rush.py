"""`python -m bench.rush`: the month-end rush. 200 simulated staff (locust) against gunicorn on PostgreSQL for
three minutes, saving and submitting self-assessments and uploading evidence; then every write the server
acknowledged is looked for in the database.

    python -m bench.rush --database-url postgresql+psycopg://postgres@127.0.0.1/bench_accredit --users 200 --minutes 3
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from bench.server import ROOT, WORKERS, gunicorn

OUT = ROOT / "var" / "bench"


def list_teams(engine: sa.Engine, limit: int) -> list[list]:
    """Teams with this month's assessment open or in progress: (team, assessment, lead's email, codes)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT a.team_id, a.id, 'lead.' || lower(t.code) || '@bench.nhs.uk', "
            "array_agg(s.code ORDER BY s.position) FROM self_assessments a JOIN teams t ON t.id = a.team_id "
            "JOIN standards s ON s.framework_version_id = a.framework_version_id "
            "WHERE a.status IN ('open', 'in_progress') AND t.status = 'active' AND a.period_start = "
            "CAST(date_trunc('month', now() AT TIME ZONE 'Europe/London') AS date) "
            "GROUP BY a.team_id, a.id, t.code ORDER BY a.team_id LIMIT :n"), {"n": limit}).all()
    return [[r[0], r[1], r[2], list(r[3])] for r in rows]


def issue_tokens(database_url: str, teams: list[list]) -> None:
    """A bearer token for each team's lead, issued before the rush (staff signed in at the start of their shift:
    argon2 sign-ins, ~0.1 s of CPU each by design, are not what a month-end rush is made of)."""
    from accredit import create_app
    from accredit.auth.models import User
    from accredit.auth.services import issue_token
    from accredit.extensions import db
    from config import Config

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="bench")
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_([t[2] for t in teams])))}
        for team in teams:
            team.append(issue_token(users[team[2]])[0])
        db.session.commit()


def verify(engine: sa.Engine, acks_path: Path) -> list[str]:
    """Every acknowledged write, looked for: the last save of each standard, each evidence row, each submission."""
    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
    last_save: dict[tuple[int, str], dict] = {}
    for a in sorted((a for a in acks if a["kind"] == "save"), key=lambda a: a["at"]):
        last_save[(a["assessment"], a["standard"])] = a
    evidence = [a for a in acks if a["kind"] == "evidence"]
    submitted = {a["assessment"] for a in acks if a["kind"] == "submit"}
    missing = []
    with engine.connect() as conn:
        for (assessment, code), a in last_save.items():
            row = conn.execute(sa.text(
                "SELECT r.rating, r.narrative, array(SELECT evidence_id FROM response_evidence e WHERE "
                "e.response_id = r.id) FROM assessment_responses r JOIN standards s ON s.id = r.standard_id "
                "WHERE r.assessment_id = :a AND s.code = :c"), {"a": assessment, "c": code}).one_or_none()
            if row is None or (row[0], row[1]) != (a["rating"], a["narrative"]) or \
                    (a["evidence"] and not set(a["evidence"]) <= set(row[2])):
                missing.append(f"save {assessment}/{code}: acknowledged {a['rating']!r}, database has {row}")
        for a in evidence:
            found = conn.execute(sa.text("SELECT team_id, title FROM evidence WHERE id = :i"),
                                 {"i": a["id"]}).one_or_none()
            if found is None or tuple(found) != (a["team"], a["title"]):
                missing.append(f"evidence {a['id']}: acknowledged, database has {found}")
        for assessment in submitted:
            status = conn.execute(sa.text("SELECT status FROM self_assessments WHERE id = :i AND submitted_at IS NOT "
                                          "NULL"), {"i": assessment}).scalar()
            if status != "submitted":
                missing.append(f"submission {assessment}: acknowledged, database has {status}")
    return [f"acknowledged writes: {len(acks)} ({len(last_save)} standards' last saves, {len(evidence)} evidence "
            f"files, {len(submitted)} submissions); missing or different in the database: {len(missing)}",
            *missing[:20]]


def summary(stats_csv: Path) -> list[str]:
    lines = []
    with stats_csv.open() as f:
        for row in csv.DictReader(f):
            lines.append(f"{row['Name']:<34} n={int(row['Request Count']):>6} fail={int(row['Failure Count']):<4} "
                         f"{float(row['Requests/s']):7.1f}/s p50={row['50%']:>5} p95={row['95%']:>5} "
                         f"p99={row['99%']:>5} ms")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rush")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--teams", type=int, default=3000, help="open assessments to hand out, at most")
    args = parser.parse_args(argv)
    engine = sa.create_engine(args.database_url)
    OUT.mkdir(parents=True, exist_ok=True)
    teams_path, acks_path = OUT / "rush_teams.json", OUT / "rush_acks.jsonl"
    teams = list_teams(engine, args.teams)
    issue_tokens(args.database_url, teams)
    teams_path.write_text(json.dumps(teams))
    acks_path.write_text("")
    print(f"month-end rush: {args.users} staff, {args.minutes:g} min, gunicorn {WORKERS} sync workers, "
          f"{len(teams)} open assessments to work through")
    with gunicorn(args.database_url) as base:
        env = {**__import__("os").environ, "RUSH_TEAMS": str(teams_path), "RUSH_ACKS": str(acks_path),
               "PYTHONPATH": str(ROOT)}
        subprocess.run([str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
                        "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                        "--run-time", f"{int(args.minutes * 60)}s", "--host", base, "--csv", str(OUT / "rush"),
                        "--only-summary", "--loglevel", "WARNING"], env=env, check=False)
    print("\n".join(summary(OUT / "rush_stats.csv")))
    print("\n".join(verify(engine, acks_path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
