"""Positions for many teams at once: exactly each team's own position, and a daily sweep whose statements do not
grow with the number of teams (a guard, not a timing)."""
from __future__ import annotations

import itertools
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from accredit.assessments.queries import overall_ratings, overall_result
from accredit.audit import AuditEvent
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.scheduling.runner import parse_now
from accredit.stepup import facts, queries, services
from accredit.stepup.jobs import stepup_review
from accredit.stepup.models import StepupRegulation
from tests.stepup.conftest import OPENED, SCHEME
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.ratings import Rating
from workflows.stepup import Severity, SignalKind, StepupLevel
from workflows.visit import VisitKind

TODAY = date(2026, 6, 15)  #: the risk window is 16 December 2025 to 15 June 2026


def _change(team, trigger: str, on: date) -> None:
    regulation = services.ensure_regulation(team)
    services.change_level(regulation, trigger, by=None, reason="Constructed history", today=on, scheme=SCHEME)


@pytest.fixture
def varied(trust, factory):
    """Seven teams, each with a different history: every kind of fact a position reads."""
    service = trust.ward.service
    ward, sister, surgical = trust.ward, trust.sister_ward, trust.surgical_ward
    # Ward 7: a signal of each severity, a missed and a late self-assessment, an overdue action, a QRV below Good
    factory.signal(ward, Severity.RED, date(2026, 6, 1), kind=SignalKind.SAFEGUARDING, description="Bruising")
    factory.signal(ward, Severity.AMBER, date(2026, 2, 10), kind=SignalKind.STAFFING, description="Night shifts")
    factory.signal(ward, Severity.GREEN, date(2026, 3, 3), kind=SignalKind.COMPLAINT, description="Meals")
    factory.signal(ward, Severity.RED, date(2025, 12, 15))  # a day before the window
    factory.self_assessment(ward, date(2026, 4, 1), status=AssessmentStatus.MISSED)
    factory.self_assessment(ward, date(2026, 5, 1), Rating.REQUIRES_IMPROVEMENT, submitted_on=date(2026, 5, 20))
    factory.review(ward, date(2026, 3, 5), Rating.INADEQUATE, kind=VisitKind.QRV)
    factory.action(ward, due_on=date(2026, 6, 1), raised_on=date(2026, 3, 10), title="Fix the sluice door")
    # Ward 8: quiet, a published review rated Good: the engine proposes to step down, and the proposal waits
    factory.review(sister, date(2026, 5, 1), Rating.GOOD)
    services.review_team(sister, today=date(2026, 6, 1), scheme=SCHEME)
    # Ward 20 has no regulation row. The others: levels reached on different days, so cycles of their own
    stepped_up = factory.team(service, name="Ward 30 Stepped up", opened_on=date(2021, 1, 4))
    _change(stepped_up, "step_up", date(2026, 2, 10))
    factory.self_assessment(stepped_up, date(2026, 5, 1), Rating.GOOD, submitted_on=date(2026, 5, 12))
    review = factory.review(stepped_up, date(2026, 5, 20), Rating.REQUIRES_IMPROVEMENT)
    factory.action(stepped_up, due_on=date(2026, 7, 1), raised_on=date(2026, 5, 22), visit=review)
    intensive = factory.team(service, name="Ward 31 Intensive", opened_on=date(2022, 9, 1))
    _change(intensive, "step_up", date(2025, 10, 5))
    _change(intensive, "step_up", date(2026, 3, 20))
    factory.action(intensive, due_on=date(2026, 6, 30), raised_on=date(2026, 5, 25), status=ActionStatus.CLOSED)
    stepped_down = factory.team(service, name="Ward 32 Stepped down", opened_on=date(2019, 6, 1))
    factory.review(stepped_down, date(2025, 7, 1), Rating.OUTSTANDING)
    _change(stepped_down, "step_down", date(2025, 8, 1))
    factory.review(stepped_down, date(2026, 1, 12), Rating.GOOD, kind=VisitKind.OBJECTIVE_REVIEW)
    factory.self_assessment(stepped_down, date(2026, 1, 1), Rating.OUTSTANDING, submitted_on=date(2026, 1, 9))
    new = factory.team(service, name="Ward 33 New", opened_on=date(2026, 5, 18))
    factory.signal(new, Severity.AMBER, date(2026, 6, 2))
    factory.commit()
    return [ward, sister, surgical, stepped_up, intensive, stepped_down, new]


def test_positions_are_each_teams_own_position(varied, monkeypatch):
    monkeypatch.setattr(facts, "CHUNK", 3)  # three chunks: teams grouped across chunk boundaries too
    found = queries.positions(varied, TODAY, SCHEME)

    assert found == {team.id: queries.position(team, TODAY, SCHEME) for team in varied}
    assert [(p.team.name, p.level, p.regulation is not None, p.risk.value, p.pending is not None, p.cycle.start,
             [s.state for s in p.steps]) for p in found.values()] == [
        ("Ward 7 Respiratory", StepupLevel.STANDARD, False, 96, False, date(2026, 4, 1), ["done", "due", "due", "due"]),
        ("Ward 8 Cardiology", StepupLevel.STANDARD, True, 0, True, date(2026, 4, 1), ["overdue", "done", "due", "due"]),
        ("Ward 20 Surgical", StepupLevel.STANDARD, False, 0, False, date(2026, 4, 1),
         ["overdue", "due", "due", "due"]),
        ("Ward 30 Stepped up", StepupLevel.STEP_UP, True, 10, False, date(2026, 5, 10),
         ["done", "done", "done", "due"]),
        ("Ward 31 Intensive", StepupLevel.INTENSIVE, True, 0, False, date(2026, 5, 20),
         ["overdue", "overdue", "done", "done"]),
        ("Ward 32 Stepped down", StepupLevel.STEP_DOWN, True, 0, False, date(2025, 8, 1),
         ["done", "done", "overdue", "due"]),
        ("Ward 33 New", StepupLevel.STANDARD, False, 10, False, date(2026, 5, 18), ["due", "due", "due", "due"]),
    ]
    assert [p.proposal.value.trigger if p.proposal.value else None for p in found.values()] == [
        "step_up", "step_down", None, None, None, None, None]


def test_positions_of_no_teams_are_empty(app):
    assert queries.positions([], TODAY, SCHEME) == {}


def test_overall_ratings_of_many_assessments_are_their_overall_results(trust, factory):
    """The latest self-assessments are rated from counts in the database; the value must be overall_result's."""
    saf_team = factory.team(trust.ward.service, name="Ward 40 SAF", framework_key="cqc-saf-2023", opened_on=OPENED)
    mixed = factory.self_assessment(trust.ward, date(2026, 5, 1), Rating.GOOD, submitted_on=date(2026, 5, 9))
    ratings = itertools.cycle([Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, None, Rating.GOOD])
    for response, rating in zip(mixed.responses, ratings):
        response.rating = rating
    unrated = factory.self_assessment(trust.sister_ward, date(2026, 5, 1))
    outstanding = factory.self_assessment(trust.surgical_ward, date(2026, 5, 1), Rating.OUTSTANDING)
    saf = factory.self_assessment(saf_team, date(2026, 5, 1), Rating.GOOD)
    for response in saf.responses[:9]:
        response.rating = Rating.INADEQUATE
    db.session.flush()
    assessments = [mixed, unrated, outstanding, saf]

    rated = overall_ratings([a.id for a in assessments], SCHEME)

    assert rated == {a.id: overall_result(a, SCHEME).value for a in assessments}
    assert [rated[a.id] for a in assessments] == [Rating.GOOD, None, Rating.OUTSTANDING,
                                                   Rating.REQUIRES_IMPROVEMENT]


def test_regulations_are_made_for_the_teams_without_one_and_each_audited_once(trust):
    existing = services.ensure_regulation(trust.ward)
    made = services.ensure_regulations([trust.ward, trust.sister_ward, trust.surgical_ward])
    again = services.ensure_regulations([trust.sister_ward, trust.surgical_ward])
    db.session.commit()

    assert made[trust.ward.id] is existing
    assert again == {team.id: made[team.id] for team in (trust.sister_ward, trust.surgical_ward)}
    assert [(r.level, r.since, r.cycle_started_on) for r in made.values()] == [
        (StepupLevel.STANDARD, date(2020, 4, 1), date(2020, 4, 1))] * 3
    audited = db.session.scalars(sa.select(AuditEvent.subject_id).where(AuditEvent.action == "stepup.create")
                                 .order_by(AuditEvent.id)).all()
    assert audited == [existing.id, made[trust.sister_ward.id].id, made[trust.surgical_ward.id].id]


def test_scores_stored_at_once_bump_each_version_once_and_the_review_writes_nothing_more(trust, factory):
    factory.signal(trust.ward, Severity.AMBER, date(2026, 6, 1))
    teams = [trust.ward, trust.sister_ward]
    services.ensure_regulations(teams)
    found = queries.positions(teams, TODAY, SCHEME)

    services.store_scores(found.values(), today=TODAY)
    statements = _counting()
    for team in teams:
        services.review_team(team, today=TODAY, scheme=SCHEME, found=found[team.id])
    statements.stop()
    db.session.commit()

    db.session.expire_all()
    assert [(r.team_id, r.score, r.reviewed_on, r.version) for r in db.session.scalars(
        sa.select(StepupRegulation).order_by(StepupRegulation.team_id))] == [
        (trust.ward.id, 10, TODAY, 2), (trust.sister_ward.id, 0, TODAY, 2)]
    assert statements.total == 0


def test_scores_are_not_stored_over_a_regulation_changed_since_it_was_read(trust):
    regulation = services.ensure_regulation(trust.ward)
    found = queries.positions([trust.ward], TODAY, SCHEME)
    db.session.execute(sa.update(StepupRegulation).where(StepupRegulation.id == regulation.id)
                       .values(version=StepupRegulation.version + 1).execution_options(synchronize_session=False))

    with pytest.raises(StaleDataError):
        services.store_scores(found.values(), today=TODAY)


# --- The guard: statements per run of the sweep ---------------------------------------------------------------

class _counting:
    """The statements sent from now until `stop()`."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(" ".join(statement.split()[:3]).upper())

    def stop(self) -> None:
        sa.event.remove(db.engine, "before_cursor_execute", self._count)

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def kinds(self) -> Counter[str]:
        """How many of each kind: SELECT, UPDATE, INSERT."""
        return Counter(s.split()[0] for s in self.statements)


def _add_teams(factory, service, n: int, *, regulated: bool) -> None:
    """`n` teams alike: an amber signal, a late self-assessment and an overdue action (14 points: Standard,
    where they are, so no proposal), no team lead (so no reminder)."""
    for _ in range(n):
        team = factory.team(service, opened_on=date(2020, 4, 1))
        factory.signal(team, Severity.AMBER, date(2026, 5, 1))
        factory.self_assessment(team, date(2026, 5, 1), Rating.GOOD, submitted_on=date(2026, 5, 20))
        factory.action(team, due_on=date(2026, 6, 1), raised_on=date(2026, 3, 10))
        if regulated:
            services.ensure_regulation(team)
    factory.commit()


def _sweep(when: str) -> tuple[int, _counting]:
    db.session.remove()  # a fresh session, as the scheduler's
    statements = _counting()
    try:
        done = stepup_review(parse_now(when))
        db.session.commit()
    finally:
        statements.stop()
    return done, statements


def test_the_sweep_sends_as_many_statements_for_three_times_the_teams(app, factory):
    import_shipped_frameworks()
    service = factory.service()
    _add_teams(factory, service, 4, regulated=True)
    # Step 2 of every team's cycle is due on 30 June: from the 16th its reminder is owed (to nobody: no team
    # lead), so both sweeps ask who the team leads are.
    small = _sweep("2026-06-16T07:00")
    _add_teams(factory, service, 8, regulated=True)
    large = _sweep("2026-06-17T07:00")  # all twelve are reviewed: none was yet that day

    assert (small[0], large[0]) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).where(StepupRegulation.reviewed_on == date(2026, 6, 17))) == 12
    assert large[1].kinds == small[1].kinds
    assert large[1].kinds["UPDATE"] == 1  # every score in one statement


def test_a_first_sweep_makes_regulations_in_as_many_selects_for_three_times_the_teams(app, factory):
    import_shipped_frameworks()
    service = factory.service()
    _add_teams(factory, service, 4, regulated=False)
    small = _sweep("2026-06-15T07:00")
    _add_teams(factory, service, 8, regulated=False)
    large = _sweep("2026-06-15T09:00")  # only the eight new ones: the first four were reviewed today

    assert db.session.scalar(sa.select(sa.func.count(StepupRegulation.id))) == 12
    assert large[1].kinds["SELECT"] == small[1].kinds["SELECT"]
    # the missing regulations in one insert (their audit rows are written as the ORM batches them, by backend)
    made = [s for s in large[1].statements if s == "INSERT INTO STEPUP_REGULATIONS"]
    assert made == [s for s in small[1].statements if s == "INSERT INTO STEPUP_REGULATIONS"] == [
        "INSERT INTO STEPUP_REGULATIONS"]
