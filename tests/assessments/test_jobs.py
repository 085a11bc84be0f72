"""The self-assessment sweeps: open each period for every active team, close unsubmitted ones as missed; run twice."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from accredit.assessments import jobs, services
from accredit.assessments.models import AssessmentResponse, SelfAssessment
from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.org import services as org
from accredit.roles import Role
from accredit.schemes.services import change_scheme
from tests.assessments.conftest import OPENED, answer_all
from workflows.periods import period_containing

#: 09:00 in London on 3 February 2026 (GMT), inside the February period and after January's ended.
NOW = datetime(2026, 2, 3, 9, 0, tzinfo=timezone.utc)


def _periods() -> list[tuple[str, date, date, date, str]]:
    """(team name, period start, end, due, state) of every self-assessment."""
    db.session.expire_all()
    rows = db.session.scalars(sa.select(SelfAssessment).order_by(SelfAssessment.period_start, SelfAssessment.team_id))
    return [(a.team.name, a.period_start, a.period_end, a.due_on, a.status.value) for a in rows]


@pytest.fixture
def trust(ward, factory):
    """The ward and the other team (both active), a SAF team, a closed team and one that opens in March."""
    factory.team(name="Willow Ward", framework_key="cqc-saf-2023", opened_on=OPENED)
    closed = factory.team(name="Old Ward", opened_on=OPENED)
    org.close_team(closed, by=None, reason="Merged into the new building", on=date(2025, 12, 31))
    factory.team(name="New Ward", opened_on=date(2026, 3, 1))
    factory.commit()
    return ward


def test_open_periods_opens_one_per_active_team(trust):
    assert jobs.open_periods(NOW) == 3
    db.session.commit()
    february = (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 14), "open")
    assert _periods() == [("Ward 7 Respiratory", *february), ("Ward 99 Elsewhere", *february),
                          ("Willow Ward", *february)]
    opened = db.session.scalars(sa.select(SelfAssessment).order_by(SelfAssessment.id)).all()
    assert [a.framework_version.framework.key for a in opened] == ["cqc-kloe-2017", "cqc-kloe-2017", "cqc-saf-2023"]
    # The empty answers wait for the first reading (tests/assessments/test_first_reading.py), which writes them.
    assert db.session.scalar(sa.select(sa.func.count(AssessmentResponse.id))) == 0
    assert [services.ensure_answers(a) for a in opened] == [True, True, True]
    db.session.commit()
    assert [len(a.responses) for a in opened] == [27, 27, 34]


def test_open_periods_twice_opens_nothing_more(trust):
    jobs.open_periods(NOW)
    db.session.commit()
    assert jobs.open_periods(NOW) == 0
    assert jobs.open_periods(datetime(2026, 2, 27, 23, 0, tzinfo=timezone.utc)) == 0
    assert len(_periods()) == 3


def test_open_periods_includes_a_team_opened_during_the_period(trust):
    assert jobs.open_periods(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)) == 4
    assert [row[0] for row in _periods()] == ["Ward 7 Respiratory", "Ward 99 Elsewhere", "Willow Ward", "New Ward"]


def test_open_periods_reads_the_london_date(trust):
    # 23:30 UTC on 31 March 2026 is already 1 April in London (BST).
    jobs.open_periods(datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc))
    assert {row[1] for row in _periods()} == {date(2026, 4, 1)}


def test_open_periods_follows_a_quarterly_cadence(trust, factory):
    admin = factory.user(role=Role.ADMIN, password=None)
    change_scheme({"assessment_cadence": "quarterly"}, by=admin)
    # New Ward opens on 1 March, within the quarter: it gets this quarter's self-assessment too.
    assert jobs.open_periods(NOW) == 4
    assert {row[1:4] for row in _periods()} == {(date(2026, 1, 1), date(2026, 3, 31), date(2026, 1, 14))}
    assert jobs.open_periods(datetime(2026, 3, 31, 12, tzinfo=timezone.utc)) == 0
    assert {row[1] for row in _periods()} == {date(2026, 1, 1)}


def test_open_periods_skips_a_team_whose_framework_is_missing(trust, factory):
    factory.team(name="Trust Own Ward", framework_key="trust-own-2030", opened_on=OPENED)
    assert jobs.open_periods(NOW) == 3
    assert "Trust Own Ward" not in [row[0] for row in _periods()]


def test_close_ended_periods_marks_unsubmitted_ones_missed(ward):
    january = period_containing(date(2026, 1, 10))
    untouched, _ = services.ensure_assessment(ward.team, january)
    started, _ = services.ensure_assessment(ward.other_team, january)
    services.save_answers(started, [services.Answer("S1", None, "Started")], by=ward.outsider)
    db.session.commit()
    assert jobs.close_ended_periods(NOW) == 2
    db.session.commit()
    assert [row[4] for row in _periods()] == ["missed", "missed"]
    assert [(a.closed_at, a.is_overdue(date(2026, 2, 3))) for a in (untouched, started)] == [(NOW, False), (NOW, False)]
    closures = db.session.execute(sa.select(AuditEvent.subject_id, AuditEvent.from_state, AuditEvent.reason)
                                  .where(AuditEvent.action == "close_period").order_by(AuditEvent.subject_id)).all()
    assert [tuple(row) for row in closures] == [(untouched.id, "open", "The period ended without a submission"),
                                                (started.id, "in_progress", "The period ended without a submission")]


def test_close_ended_periods_leaves_submitted_and_current_ones(ward, factory):
    january = period_containing(date(2026, 1, 10))
    done, _ = services.ensure_assessment(ward.team, january)
    answer_all(done, ward.lead)
    services.submit_self_assessment(done, by=ward.lead)
    current, _ = services.ensure_assessment(ward.other_team, period_containing(date(2026, 2, 10)))
    db.session.commit()
    assert jobs.close_ended_periods(NOW) == 0
    assert [row[4] for row in _periods()] == ["submitted", "open"]


def test_close_ended_periods_waits_for_the_last_day_to_end(ward):
    services.ensure_assessment(ward.team, period_containing(date(2026, 1, 10)))
    db.session.commit()
    # 23:30 UTC on 31 January is still 31 January in London (GMT).
    assert jobs.close_ended_periods(datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)) == 0
    assert jobs.close_ended_periods(datetime(2026, 2, 1, 0, 0, tzinfo=timezone.utc)) == 1


def test_close_ended_periods_twice_closes_nothing_more(ward):
    services.ensure_assessment(ward.team, period_containing(date(2026, 1, 10)))
    db.session.commit()
    jobs.close_ended_periods(NOW)
    db.session.commit()
    assert jobs.close_ended_periods(NOW) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "close_period")) == 1


def test_open_periods_clash_on_one_team_loses_none_of_the_others(trust, monkeypatch):
    """Another scheduler opens Ward 99's period between this sweep's selection and its insert: that team is
    skipped (its row stays the other run's, with no audit row from this run), the others are opened in the same
    batch, and the next run finds nothing left to open."""
    real = jobs.teams_without
    rival = {}

    def racing(period):
        teams = real(period)
        team = next(t for t in teams if t.name == "Ward 99 Elsewhere")  # the other scheduler's row arrives first
        rival["id"] = db.session.execute(sa.insert(SelfAssessment).values(
            team_id=team.id, framework_version_id=current_version(team.framework_key).id, period_start=period.start,
            period_end=period.end, due_on=period.due, status="open")).inserted_primary_key[0]
        return teams

    monkeypatch.setattr(jobs, "teams_without", racing)
    assert jobs.open_periods(NOW) == 2
    db.session.commit()
    assert [row[0] for row in _periods()] == ["Ward 7 Respiratory", "Ward 99 Elsewhere", "Willow Ward"]
    audited = db.session.scalars(sa.select(AuditEvent.subject_id).where(AuditEvent.action == "assessment.open")).all()
    assert len(audited) == 2 and rival["id"] not in audited
    monkeypatch.setattr(jobs, "teams_without", real)
    assert jobs.open_periods(NOW) == 0


def test_open_periods_in_several_batches_opens_each_team_once(trust, monkeypatch):
    monkeypatch.setattr(services, "OPEN_BATCH", 2)
    assert jobs.open_periods(NOW) == 3
    db.session.commit()
    assert [row[0] for row in _periods()] == ["Ward 7 Respiratory", "Ward 99 Elsewhere", "Willow Ward"]
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "assessment.open")) == 3


def test_close_all_missed_leaves_one_another_run_closed_meanwhile(ward):
    """Between the sweep's selection and its update, another run closes one of the periods: this run closes only
    the other, and writes one audit row, not two for the same change."""
    january = period_containing(date(2026, 1, 10))
    mine, _ = services.ensure_assessment(ward.team, january)
    theirs, _ = services.ensure_assessment(ward.other_team, january)
    db.session.commit()
    selected = [mine, theirs]
    db.session.execute(sa.update(SelfAssessment).where(SelfAssessment.id == theirs.id)
                       .values(status="missed", closed_at=NOW).execution_options(synchronize_session=False))
    assert services.close_all_missed(selected, now=NOW) == 1
    db.session.commit()
    audited = db.session.scalars(sa.select(AuditEvent.subject_id).where(AuditEvent.action == "close_period")).all()
    assert audited == [mine.id]
    assert (mine.status.value, mine.version, theirs.version) == ("missed", 2, 1)


def test_close_missed_keeps_what_the_caller_changed_and_had_not_flushed(ward):
    assessment, _ = services.ensure_assessment(ward.team, period_containing(date(2026, 1, 10)))
    db.session.commit()
    assessment.return_reason = "Kept"  # pending, not flushed
    services.close_missed(assessment, now=NOW)
    db.session.commit()
    assert (assessment.status.value, assessment.return_reason) == ("missed", "Kept")
