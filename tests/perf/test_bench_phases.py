"""bench.phases on a small synthetic trust: every repeat does the same work, the phases are reported, and
nothing it did stays in the database."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.stepup.models import LevelProposal
from bench import phases
from bench.generate import populate


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count(Notification.id))),
            db.session.scalar(sa.select(sa.func.count(LevelProposal.id))))


def small_trust() -> tuple[int, int]:
    """The synthetic trust at 5 teams x 36 months, committed; its counts()."""
    import_shipped_frameworks()
    db.session.commit()
    populate(db.engine, db.metadata, as_of=datetime.now(UTC).date(), teams=5, months=36)
    db.session.remove()
    return counts()


def test_phases_repeat_the_same_work_and_leave_nothing_behind(app, capsys):
    before = small_trust()

    assert phases.main(["--database-url", app.config["SQLALCHEMY_DATABASE_URI"], "--sweep", "assessment_reminders",
                        "--repeat", "2"]) == 0

    out = capsys.readouterr().out
    runs = re.findall(r"^\s+[\d.]+ s\s+(\d+) done$", out, flags=re.MULTILINE)
    assert len(runs) == 2 and runs[0] == runs[1] and int(runs[0]) > 0
    assert re.search(r"^\s+[\d.]+ s\s+services\.notify_many$", out, flags=re.MULTILINE)
    db.session.remove()
    assert counts() == before


def test_phases_refuse_an_unknown_sweep(app):
    with pytest.raises(SystemExit):
        phases.main(["--database-url", app.config["SQLALCHEMY_DATABASE_URI"], "--sweep", "no_such_sweep"])
