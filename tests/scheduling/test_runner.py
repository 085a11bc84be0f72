"""`jobs run --now`: every sweep once as of a London time, through month ends and both clock changes."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accredit.extensions import db
from accredit.schemes.services import change_scheme
from accredit.scheduling import registry
from accredit.scheduling.registry import Sweep
from accredit.scheduling.runner import parse_now, run_all
from tests.notifications.fixtures import OPENED, notifications, smtp, ward  # noqa: F401

SWEEPS = ["open_periods", "close_ended_periods", "assessment_reminders", "stepup_review", "visit_reminders",
          "action_reminders", "lapse_invitations", "invitation_reminders", "panel_reminders", "expire_awards",
          "award_expiry_reminders", "daily_digests", "deliver_notifications",
          "purge_deleted_evidence", "sweep_evidence_store"]


@pytest.fixture
def jobs(app):
    runner = app.test_cli_runner()

    def run(now: str):
        result = runner.invoke(args=["jobs", "run", "--now", now])
        db.session.expire_all()
        return result

    return run


def counts(result) -> list[int]:
    """The count each sweep printed, in order (fails the test if a line is not `name: count`)."""
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == SWEEPS
    return [int(line.split(": ")[1]) for line in lines]


def test_jobs_run_prints_each_sweep_and_exits_zero(jobs, ward, smtp):
    first = jobs("2026-01-07T09:00")
    assert (first.exit_code, first.stdout) == (0, "open_periods: 2\nclose_ended_periods: 0\nassessment_reminders: 5\n"
                                                   "stepup_review: 0\nvisit_reminders: 0\naction_reminders: 0\n"
                                                   "lapse_invitations: 0\ninvitation_reminders: 0\npanel_reminders: 0\n"
                                                   "expire_awards: 0\naward_expiry_reminders: 0\n"
                                                   "daily_digests: 0\ndeliver_notifications: 5\n"
                                                   "purge_deleted_evidence: 0\nsweep_evidence_store: 0\n")
    again = jobs("2026-01-07T09:00")
    assert (again.exit_code, counts(again)) == (0, [0] * len(SWEEPS))
    assert sorted(smtp.recipients()) == ["lead@test.nhs.uk", "lead@test.nhs.uk", "nurse@test.nhs.uk",
                                         "ward9@test.nhs.uk", "ward9@test.nhs.uk"]


@pytest.mark.parametrize("now, message", [
    ("yesterday", "'yesterday' is not an ISO time like 2026-03-29T01:30 or 2026-03-29T01:30:00+00:00"),
    ("2026-02-30T09:00", "'2026-02-30T09:00' is not an ISO time like 2026-03-29T01:30 or 2026-03-29T01:30:00+00:00"),
])
def test_jobs_run_refuses_a_time_it_cannot_read(jobs, now, message):
    result = jobs(now)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_one_failing_sweep_does_not_stop_the_others(app, monkeypatch):
    def boom(now):
        raise RuntimeError("the database went away")

    def after(now):  # on PostgreSQL a worker process: what it saw comes back as its count
        return 3 if now == datetime(2026, 1, 7, 9, tzinfo=UTC) else -1

    monkeypatch.setattr(registry, "sweeps", lambda: [Sweep("boom", boom, ""), Sweep("after", after, "")])
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--now", "2026-01-07T09:00:00+00:00"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "after: 3\n", "boom: failed (RuntimeError: the database went away)\n")


def test_run_all_refuses_a_naive_time(app):
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        run_all(datetime(2026, 1, 7, 9))


@pytest.mark.parametrize("text, utc", [
    ("2026-01-07T09:00", datetime(2026, 1, 7, 9, tzinfo=UTC)),  # GMT
    ("2026-07-07T09:00", datetime(2026, 7, 7, 8, tzinfo=UTC)),  # BST
    ("2026-03-29T01:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # skipped by the spring change: winter offset
    ("2026-10-25T01:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # repeated in the autumn: the first, BST
    ("2026-10-25T01:30:00+00:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
])
def test_parse_now_reads_naive_times_as_london(text, utc):
    assert parse_now(text) == utc


# --- Month ends and clock changes, through the whole run -------------------------------------------------------


def new_team_from(ward, opened: date):
    ward.team.opened_on = opened
    ward.other_team.opened_on = date(2030, 1, 1)  # not yet open: only Ward 7 is in play
    db.session.commit()


def written(result) -> int:
    assert result.exit_code == 0, result.output
    return counts(result)[2]


def test_month_end_in_winter_opens_the_new_period_at_london_midnight(jobs, ward, smtp):
    new_team_from(ward, date(2026, 2, 1))
    assert [written(jobs(t)) for t in ("2026-01-31T23:59:59+00:00", "2026-02-01T00:00")] == [0, 2]
    assert [(n.subject, n.recipient.email) for n in notifications()] == [
        ("Ward 7: the February 2026 self-assessment is open", "lead@test.nhs.uk"),
        ("Ward 7: the February 2026 self-assessment is open", "nurse@test.nhs.uk")]


def test_month_end_in_summer_opens_the_new_period_before_utc_midnight(jobs, ward, smtp):
    new_team_from(ward, date(2026, 5, 1))
    # 22:59 UTC on 30 April is 23:59 BST; 23:00 UTC is already 1 May in London.
    assert [written(jobs(t)) for t in ("2026-04-30T22:59:00+00:00", "2026-04-30T23:00:00+00:00")] == [0, 2]
    assert {n.subject for n in notifications()} == {"Ward 7: the May 2026 self-assessment is open"}


def test_spring_clock_change_day_counts_as_29_march(jobs, ward, smtp):
    change_scheme({"assessment_due_after_days": 27}, by=None)  # March's self-assessment is due on the 28th
    new_team_from(ward, OPENED)
    before = jobs("2026-03-28T23:59:59+00:00")  # 23:59:59 GMT on the 28th
    during = jobs("2026-03-29T01:30")  # a London time the clocks skip
    after = jobs("2026-03-29T03:00")
    assert [written(r) for r in (before, during, after)] == [3, 1, 0]
    # (the Step-up sweep also tells the lead a cycle step is due: not what this test is about)
    assert [(n.dedupe_key.split(":")[2], n.recipient.email) for n in notifications()
            if n.dedupe_key.startswith("assessment:")] == [
        ("opened", "lead@test.nhs.uk"), ("opened", "nurse@test.nhs.uk"), ("due-1", "lead@test.nhs.uk"),
        ("overdue-1", "lead@test.nhs.uk")]


def test_autumn_clock_change_day_starts_at_london_midnight(jobs, ward, smtp):
    change_scheme({"assessment_due_after_days": 23}, by=None)  # October's is due on the 24th
    new_team_from(ward, OPENED)
    before = jobs("2026-10-24T22:59:59+00:00")  # 23:59:59 BST on the 24th
    london_midnight = jobs("2026-10-24T23:30:00+00:00")  # 00:30 BST on the 25th, still the 24th in UTC
    first_0130 = jobs("2026-10-25T01:30")
    second_0130 = jobs("2026-10-25T01:30:00+00:00")  # the hour the clocks repeat
    assert [written(r) for r in (before, london_midnight, first_0130, second_0130)] == [3, 1, 0, 0]
    assert notifications()[-1].subject == "Ward 7: the October 2026 self-assessment is 1 day overdue"
    assert len(smtp.messages) == 4
