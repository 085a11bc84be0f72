"""`python -m bench.generate`: load a deterministic synthetic trust into an empty database, in bulk.

    python -m bench.generate --teams 10000 --years 5 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/bench_accredit
    python -m bench.generate --teams 200 --years 1            # quick: SQLite at var/bench.sqlite

The schema comes from the real migrations; frameworks from the shipped YAML files (through the app's importer);
everything else is written with COPY (PostgreSQL) or executemany (SQLite). The same seed, sizes and --as-of
always load the same trust. Every synthetic account's password is bench.trust.BENCH_PASSWORD.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from bench import extras, history, reviews
from bench.loader import BulkLoader
from bench.trust import BENCH_PASSWORD, EPOCH, Dice, Trust, build_trust, month_start

DEFAULT_SQLITE = Path(__file__).resolve().parent.parent / "var" / "bench.sqlite"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5, help="months of history = 12 x years, ending this month")
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_SQLITE}")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--as-of", type=date.fromisoformat, default=datetime.now(UTC).date(),
                        help="the day the history runs up to (default today, UTC)")
    return parser.parse_args(argv)


def build_schema(url: str) -> sa.MetaData:
    """Run the real migrations on `url`, import the shipped frameworks; refuse a database that has teams."""
    from flask_migrate import upgrade

    from accredit import create_app
    from accredit.demo import import_shipped_frameworks
    from accredit.extensions import db
    from config import DevelopmentConfig

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        if db.session.execute(sa.text("SELECT count(*) FROM teams")).scalar():
            raise SystemExit("That database already holds teams: give an empty one (nothing is dropped)")
        import_shipped_frameworks()
        db.session.commit()
        metadata = db.metadata
        db.engine.dispose()
    return metadata


def read_standards(engine: sa.Engine) -> history.Standards:
    by_key: dict[str, list[tuple[int, int]]] = {}
    version_by_key: dict[str, int] = {}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT f.key, v.id, s.id, s.position FROM frameworks f JOIN framework_versions v ON v.framework_id = f.id"
            " JOIN standards s ON s.framework_version_id = v.id ORDER BY f.key, v.id, s.position")).all()
    for key, version_id, standard_id, position in rows:
        if version_by_key.get(key) != version_id:  # the latest version wins: new work uses it
            version_by_key[key], by_key[key] = version_id, []
        by_key[key].append((standard_id, position))
    return history.Standards(by_key, version_by_key)


def load_trust(loader: BulkLoader, trust: Trust, first_month: date) -> None:
    from accredit.auth.passwords import hash_password

    password_hash = hash_password(BENCH_PASSWORD)  # one hash for every account: argon2 costs ~0.1 s each
    loader.load("divisions", ("id", "code", "name", "created_at"), ((*d, EPOCH) for d in trust.divisions))
    loader.load("services", ("id", "code", "name", "division_id", "created_at"), ((*s, EPOCH) for s in trust.services))
    loader.load("teams", ("id", "code", "name", "service_id", "team_type", "status", "framework_key", "opened_on",
                          "closed_on", "created_at", "version"),
                ((t.id, t.code, f"Team {t.code}", t.service_id, t.team_type,
                  "active" if t.closed_month is None else "closed", t.framework_key, t.opened_on,
                  None if t.closed_month is None else month_start(first_month, t.closed_month), EPOCH, 1)
                 for t in trust.teams))
    loader.load("users", ("id", "email", "name", "password_hash", "active", "session_version", "created_at",
                          "notification_mode"),
                ((uid, email, name, password_hash, True, 1, EPOCH, "immediate") for uid, email, name in trust.users))
    loader.load("role_assignments", ("id", "user_id", "role", "scope_kind", "scope_id", "granted_at"),
                ((n, *g, EPOCH) for n, g in enumerate(trust.grants, start=1)))


def populate(engine: sa.Engine, metadata: sa.MetaData, *, teams: int, months: int, as_of: date,
             seed: int = 2026) -> BulkLoader:
    """Load the synthetic trust into a migrated database whose frameworks are imported; returns the loader
    (its `counts` and `seconds` per table). Used by `main` and by the query-count guard tests."""
    loader = BulkLoader(engine, metadata)
    first_month = month_start(date(as_of.year, as_of.month, 1), -(months - 1))
    dice = Dice(seed)
    trust = build_trust(dice, teams, first_month, months)
    standards = read_standards(engine)
    load_trust(loader, trust, first_month)
    plan = history.plan_assessments(dice, trust, first_month, months, as_of, standards)
    loader.load("self_assessments", history.ASSESSMENT_COLUMNS, history.assessment_rows(plan, standards, trust))
    loader.load("assessment_responses", history.RESPONSE_COLUMNS, history.response_rows(plan, standards),
                defer_indexes=True)
    loader.load("evidence", history.EVIDENCE_COLUMNS, history.evidence_rows(trust, first_month, months))
    loader.load("response_evidence", ("response_id", "evidence_id"),
                history.response_evidence_rows(plan, standards, first_month, months))
    loader.load("notifications", history.NOTIFICATION_COLUMNS, history.notification_rows(plan, as_of))
    with engine.connect() as conn:  # the frameworks' import rows are already there
        audit_from = (conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar() or 0) + 1
    audit_n = loader.load("audit_events", history.AUDIT_COLUMNS, history.assessment_audit_rows(plan, trust, audit_from),
                          defer_indexes=True)
    found = reviews.plan_reviews(dice, trust, first_month, months, as_of,
                                 standards.version_by_key.get(extras.ACCREDITATION_KEY))
    loader.load("visits", reviews.VISIT_COLUMNS, reviews.visit_rows(found, trust))
    loader.load("visit_ratings", reviews.RATING_COLUMNS, reviews.visit_rating_rows(found))
    loader.load("visit_reviewers", reviews.REVIEWER_COLUMNS, reviews.reviewer_rows(found, trust))
    loader.load("actions", reviews.ACTION_COLUMNS, reviews.action_rows(found, as_of))
    loader.load("eligibility_checks", reviews.ELIGIBILITY_COLUMNS, iter(found.eligibility))
    loader.load("applications", reviews.APPLICATION_COLUMNS, iter(found.applications))
    loader.load("audit_events", history.AUDIT_COLUMNS, reviews.visit_audit_rows(found, audit_from + audit_n))
    extras.load_extras(loader, trust, found, as_of, dice, standards.by_key.get(extras.ACCREDITATION_KEY, []))
    loader.finish()
    return loader


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    metadata = build_schema(args.database_url)
    engine = sa.create_engine(args.database_url)
    loader = populate(engine, metadata, teams=args.teams, months=args.years * 12, as_of=args.as_of, seed=args.seed)
    if loader.is_postgres:
        checked = time.perf_counter()
        broken = loader.check_foreign_keys()
        if broken:
            raise SystemExit("Foreign keys broken by the generator:\n  " + "\n  ".join(broken))
        print(f"Foreign keys checked in {time.perf_counter() - checked:.0f} s")
    print(f"Loaded {args.teams} teams x {args.years * 12} months into "
          f"{engine.url.render_as_string(hide_password=True)} in {time.perf_counter() - started:.0f} s")
    for name, count in loader.counts.items():
        print(f"  {name:<24} {count:>12,} rows  {loader.seconds[name]:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
