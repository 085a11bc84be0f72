"""The measures over the constructed history of conftest.py, each figure worked out by hand."""
from __future__ import annotations

from datetime import date

import pytest

from accredit.dashboards.facts import TeamScope, load_facts
from accredit.dashboards.measures import build_dashboard, month_ends, reporting_period
from accredit.dashboards.models import AccreditationTarget
from accredit.dashboards.services import set_target
from accredit.permissions import teams_in_scope_clause
from accredit.roles import Role
from tests.dashboards.conftest import AS_OF, action, at, eligibility, published_visit, submitted_assessment
from workflows.ratings import Domain, Rating
from workflows.scheme import Scheme


def board_for(history, user=None, as_of=AS_OF, target=None, **filters):
    user = user or history.quality_lead
    scope = TeamScope(teams_in_scope_clause(user, Role.QUALITY_LEAD, Role.ADMIN), **filters)
    return build_dashboard(scope, as_of, Scheme(), target=target)


def figures(board, prefix: str) -> dict[str, list[int]]:
    return {f.key: list(f.team_ids) for m in board.measures.values() for f in m.figures if f.key.startswith(prefix)}


def test_active_teams_leave_out_closed_merged_and_not_yet_opened(history):
    board = board_for(history)
    h = history
    assert list(board.active) == h.ids(h.nursing, h.ward1, h.ward2, h.ward20, h.ward22, h.ward3)


def test_reporting_period_is_the_latest_whose_due_date_has_passed():
    assert reporting_period(date(2026, 10, 20), Scheme()).label == "October 2026"
    assert reporting_period(date(2026, 10, 14), Scheme()).label == "September 2026"
    assert reporting_period(date(2026, 11, 5), Scheme()).label == "October 2026"


def test_compliance_as_of_the_20th(history):
    h = history
    board = board_for(h)
    assert figures(board, "compliance.") == {
        "compliance.on_time": h.ids(h.ward1),
        "compliance.late": h.ids(h.ward2),
        "compliance.overdue": h.ids(h.nursing, h.ward20, h.ward22),  # Ward 20 submitted on the 21st
        "compliance.paused": h.ids(h.ward3),  # its pause moved the deadline to the 25th
        "compliance.missed": [],
    }
    on_time = board.figure("compliance.on_time")
    assert (on_time.count, on_time.denominator, on_time.percent) == (1, 6, 16.7)


def test_compliance_once_the_period_is_over(history):
    """On 5 November October is still the period judged; Ward 22 has merged, Ward 23 opened after October's due
    date and is not expected to have submitted."""
    h = history
    board = board_for(h, as_of=date(2026, 11, 5))
    assert figures(board, "compliance.") == {
        "compliance.on_time": h.ids(h.ward1),
        "compliance.late": h.ids(h.ward2, h.ward20),
        "compliance.overdue": [],
        "compliance.paused": [],
        "compliance.missed": h.ids(h.nursing, h.ward3),
    }
    assert board.figure("compliance.on_time").denominator == 5


def test_qrv_coverage_counts_published_qrvs_of_the_last_12_months(history):
    h = history
    board = board_for(h)
    assert figures(board, "qrv.") == {
        "qrv.covered": h.ids(h.ward1, h.ward22),
        "qrv.not_covered": h.ids(h.nursing, h.ward2, h.ward20, h.ward3),
    }
    assert board.figure("qrv.covered").percent == 33.3


def test_pipeline_reads_application_states_from_the_audit_trail(history):
    h = history
    assert figures(board_for(h), "pipeline.") == {
        # Eligible, no application under way, no current award: District Nursing (its award expired in 2025).
        # Ward 22's latest check says not eligible; Wards 1 and 20 have applications; Wards 2 and 3 hold awards.
        "pipeline.eligible": h.ids(h.nursing),
        "pipeline.invited": [],
        "pipeline.preparing": h.ids(h.ward1),  # reached pre-panel only on the 25th
        "pipeline.pre_panel": [],
        "pipeline.panel_ready": h.ids(h.ward20),
    }
    assert figures(board_for(h, as_of=date(2026, 10, 26)), "pipeline.")["pipeline.pre_panel"] == h.ids(h.ward1)
    assert figures(board_for(h, as_of=date(2026, 6, 1)), "pipeline.")["pipeline.invited"] == h.ids(h.ward2)


def test_overdue_actions_as_they_stood(history):
    h = history
    overdue = board_for(h).figure("risk.overdue_actions")
    assert (overdue.count, list(overdue.team_ids)) == (2, h.ids(h.ward1, h.ward2))
    later = board_for(h, as_of=date(2026, 10, 31)).figure("risk.overdue_actions")
    assert (later.count, list(later.team_ids)) == (2, h.ids(h.nursing, h.ward1))


def test_heatmap_and_calibration(history):
    h = history
    board = board_for(h)
    rows = {row.team.id: row for row in board.heatmap}
    assert rows[h.ward1.id].self_assessed == dict.fromkeys(Domain, Rating.OUTSTANDING)
    assert rows[h.ward1.id].qrv == {**dict.fromkeys(Domain, Rating.GOOD), Domain.SAFE: Rating.OUTSTANDING}
    assert rows[h.ward22.id].self_assessed == dict.fromkeys(Domain)
    assert rows[h.ward22.id].qrv == dict.fromkeys(Domain, Rating.GOOD)
    assert rows[h.ward20.id].qrv == dict.fromkeys(Domain)  # its visit was published after AS_OF
    assert [rows[h.ward1.id].gap(d) for d in Domain] == [0, 1, 1, 1, 1]
    assert board.calibration == {Domain.SAFE: (0.0, 2), Domain.EFFECTIVE: (0.5, 2), Domain.CARING: (0.5, 2),
                                 Domain.RESPONSIVE: (0.5, 2), Domain.WELL_LED: (0.5, 2)}
    assert figures(board, "calibration.") == {"calibration.over": h.ids(h.ward1), "calibration.under": [],
                                              "calibration.level": h.ids(h.ward2)}


def test_filters_narrow_the_teams(history):
    h = history
    assert list(board_for(h, division_id=h.medicine.id).active) == h.ids(h.nursing, h.ward1, h.ward2, h.ward3)
    assert list(board_for(h, service_id=h.general.id).active) == h.ids(h.ward20, h.ward22)
    from accredit.org.models import TeamType

    assert list(board_for(h, team_type=TeamType.COMMUNITY_TEAM).active) == h.ids(h.nursing)


def test_a_division_quality_lead_counts_only_their_division(history):
    h = history
    assert list(board_for(h, user=h.medicine_lead).active) == h.ids(h.nursing, h.ward1, h.ward2, h.ward3)


def test_trends_give_each_month_end_figure(history):
    h = history
    board = board_for(h)
    assert board.trends[0].months[-2:] == (date(2026, 9, 30), AS_OF)
    assert len(board.trends[0].months) == 24
    qrv = next(t for t in board.trends if t.key == "qrv")
    # 30 September 2026: Ward 1 (March), Ward 22 (February) and Ward 2 (20 October 2025, still inside the window)
    # of the 6 teams active then (Ward 21 closed on 1 September).
    assert qrv.series[0][1][-2:] == (50.0, 33.3)
    actions = next(t for t in board.trends if t.key == "overdue_actions")
    assert actions.series[0][1][-3:] == (1.0, 0.0, 2.0)  # Ward 21's action was overdue on 31 August


def test_month_ends():
    assert month_ends(date(2026, 3, 15), 4) == (date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28),
                                                date(2026, 3, 15))


@pytest.mark.parametrize("kind", ["outstanding_team", "excelling_team"])
def test_target_is_stored_and_audited(history, kind):
    target = set_target(percentage=80, award_kind=kind, target_on=date(2028, 3, 31), by=history.quality_lead)
    assert isinstance(target, AccreditationTarget)
    assert target.summary.startswith("80% of active teams ")
    progress = board_for(history, target=target).target
    assert (progress.percentage, progress.target_on) == (80, date(2028, 3, 31))


def test_accreditation_coverage_keeps_outstanding_and_excelling_apart(history):
    h = history
    board = board_for(h)
    assert figures(board, "accreditation.") == {
        "accreditation.any": h.ids(h.ward1, h.ward22, h.ward3),  # Ward 3 was reinstated in June
        "accreditation.excelling_team": h.ids(h.ward1),
        "accreditation.outstanding_team": h.ids(h.ward22, h.ward3),
        "accreditation.suspended": h.ids(h.ward2),
        "accreditation.none": h.ids(h.nursing, h.ward20),  # District Nursing's award expired in 2025
    }
    assert board.figure("accreditation.any").percent == 50.0
    in_may = board_for(h, as_of=date(2026, 5, 15))
    assert figures(in_may, "accreditation.suspended")["accreditation.suspended"] == h.ids(h.ward3)


def test_awards_expiring_within_60_days(history):
    h = history
    assert list(board_for(h).figure("risk.expiring_awards").team_ids) == h.ids(h.ward1, h.ward22)


def test_teams_per_stepup_level_as_they_stood(history):
    h = history
    assert figures(board_for(h), "stepup.") == {
        "stepup.step_down": h.ids(h.ward2),  # back to standard only in November
        "stepup.standard": h.ids(h.nursing, h.ward20, h.ward22, h.ward3),
        "stepup.step_up": h.ids(h.ward1),
        "stepup.intensive": [],
    }
    assert figures(board_for(h, as_of=date(2026, 8, 1)), "stepup.")["stepup.step_up"] == []


def test_panel_ratings_sit_beside_the_others_in_the_heatmap(history):
    h = history
    rows = {row.team.id: row for row in board_for(h).heatmap}
    assert rows[h.ward3.id].panel == {**dict.fromkeys(Domain, Rating.GOOD), Domain.SAFE: Rating.OUTSTANDING,
                                      Domain.CARING: Rating.OUTSTANDING}
    assert rows[h.ward1.id].panel == dict.fromkeys(Domain)


def test_progress_to_target_follows_the_trend(history):
    """Outstanding or better, month ends from November 2025: 1/7, 2/7, 4/7, 5/7, 5/7, 5/7, 4/7 (Ward 3 suspended
    in May), 5/7, 5/7, 5/7, then 3/6 in September (Ward 2 suspended, Ward 21 closed) and 3/6 on 20 October.
    The least-squares line through those twelve percentages rises 2.35 points a month: 12 months on, 78.2%."""
    target = set_target(percentage=75, award_kind="outstanding_team", target_on=date(2027, 10, 31),
                        by=history.quality_lead)
    progress = board_for(history, target=target).target
    assert (progress.current, progress.monthly_change, progress.projected, progress.meets) == (50.0, 2.35, 78.2, True)
    assert progress.explanation == ("50% now, changing by +2.3 points a month over the last 12 months: 78.2% "
                                    "expected by 31 October 2027 against 75% (on track)")
    stricter = set_target(percentage=80, award_kind="excelling_team", target_on=date(2027, 10, 31),
                          by=history.quality_lead)
    assert board_for(history, target=stricter).target.meets is False


def test_calibration_trend_uses_the_ratings_of_each_month(history):
    """Ward 1 rates itself above its QRV from its October self-assessment on; Ward 2, level, has no
    self-assessment before October either: both only count in the latest month."""
    h = history
    calibration = next(t for t in board_for(h).trends if t.key == "calibration")
    assert calibration.series == (("Above their QRV", (0.0,) * 23 + (1.0,)), ("Below their QRV", (0.0,) * 24))


@pytest.mark.parametrize("cadence", ["monthly", "quarterly"])
def test_figures_without_trends_and_each_trend_month_agree_with_a_board_as_of_that_day(history, cadence):
    """The dashboard reads self-assessments only from the first reporting period it will judge: without trends,
    today's; with them, the first trend month's. Every figure must come out as if everything had been read."""
    h = history
    submitted_assessment(h.ward1, date(2024, 11, 1), at(date(2024, 11, 5)), h.quality_lead)  # the first trend month
    submitted_assessment(h.ward2, date(2025, 10, 1), at(date(2025, 10, 5)), h.quality_lead)  # the 12th
    scheme = Scheme(assessment_cadence=cadence)
    scope = TeamScope(teams_in_scope_clause(h.quality_lead, Role.QUALITY_LEAD, Role.ADMIN))
    full = build_dashboard(scope, AS_OF, scheme)
    assert build_dashboard(scope, AS_OF, scheme, with_trends=False).measures == full.measures
    compliance = next(t for t in full.trends if t.key == "compliance")
    on_time = []
    for index in (0, 11):
        then = build_dashboard(scope, compliance.months[index], scheme, with_trends=False).figure("compliance.on_time")
        on_time.append(then.percent or 0.0)
    assert [compliance.series[0][1][i] for i in (0, 11)] == on_time
    # Monthly: 1 of the 7 teams open then, each time. Quarterly: November is inside the October quarter.
    assert on_time == ([14.3, 14.3] if cadence == "monthly" else [0.0, 14.3])


def test_an_action_closed_inside_the_trend_counts_until_it_closed_and_one_closed_before_it_never(history):
    """The facts leave out actions closed before the first day any figure looks at; one closed inside the trend
    still counts as overdue at each month end it was open past its due date."""
    h = history
    action(h.ward3, h.quality_lead, due=date(2025, 1, 10), raised=date(2024, 12, 1), verified=date(2025, 3, 5))
    action(h.ward3, h.quality_lead, due=date(2024, 6, 10), raised=date(2024, 5, 1), verified=date(2024, 10, 30))
    board = board_for(h)
    trend = next(t for t in board.trends if t.key == "overdue_actions")
    assert trend.months[:5] == (date(2024, 11, 30), date(2024, 12, 31), date(2025, 1, 31), date(2025, 2, 28),
                                date(2025, 3, 31))
    assert trend.series[0][1][:5] == (0.0, 0.0, 1.0, 1.0, 0.0)
    then = board_for(h, as_of=date(2025, 2, 28)).figure("risk.overdue_actions")
    assert (then.count, list(then.team_ids)) == (1, h.ids(h.ward3))


def test_self_assessed_domain_ratings_from_mixed_answers_follow_the_rules(history):
    """Ward 1's October answers mixed within each domain: the heatmap gives what the aggregation rule gives."""
    import sqlalchemy as sa

    from accredit.assessments.models import SelfAssessment
    from accredit.extensions import db
    from workflows.rules import domain_ratings

    h = history
    latest = db.session.scalar(sa.select(SelfAssessment).where(SelfAssessment.team_id == h.ward1.id,
                                                               SelfAssessment.submitted_at.is_not(None)))
    o, g, ri, i = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE
    first = {Domain.SAFE: [o, o], Domain.EFFECTIVE: [o, ri], Domain.CARING: [i], Domain.RESPONSIVE: [i, i],
             Domain.WELL_LED: [o, o, ri]}  # each domain's first standards; the rest Good
    by_domain: dict[Domain, list[Rating]] = {d: [] for d in Domain}
    for response in latest.responses:
        domain = response.standard.domain
        done = len(by_domain[domain])
        response.rating = first[domain][done] if done < len(first[domain]) else g
        by_domain[domain].append(response.rating)
    db.session.flush()
    expected = {d: r.value for d, r in domain_ratings("cqc_principles", by_domain).items()}
    assert expected == {Domain.SAFE: o, Domain.EFFECTIVE: g, Domain.CARING: ri, Domain.RESPONSIVE: i,
                        Domain.WELL_LED: g}
    rows = {row.team.id: row for row in board_for(h).heatmap}
    assert rows[h.ward1.id].self_assessed == expected


def test_each_trend_month_agrees_with_a_board_as_of_that_month(history):
    """The facts leave out what no day judged can change: eligibility checks superseded by the first day judged,
    QRVs published before its 12 months, actions closed by it. Each trend month must still give what a board as
    of that month gives, which reads two years further back."""
    h = history
    eligibility(h.ward3, date(2024, 3, 1), False)  # superseded before 30 November 2024, the first trend month
    eligibility(h.ward3, date(2024, 6, 1), True)  # in force on 30 November 2024
    eligibility(h.ward3, date(2025, 6, 1), False)
    published_visit(h.ward3, date(2023, 11, 30))  # 12 months before the first month end: outside its window
    published_visit(h.nursing, date(2023, 12, 1))  # inside it
    action(h.ward3, h.quality_lead, due=date(2024, 10, 1), raised=date(2024, 9, 1), verified=date(2024, 11, 30))
    action(h.nursing, h.quality_lead, due=date(2024, 10, 1), raised=date(2024, 9, 1), verified=date(2024, 12, 1))
    trends = {t.key: t for t in board_for(h).trends}
    months = trends["pipeline"].months
    compared = {}
    for index in (0, 1, 6, 7, 12, 23):
        then = board_for(h, as_of=months[index])
        for key in ("pipeline", "qrv", "overdue_actions"):
            trend = trends[key]
            for figure_key, (_, values) in zip(trend.keys, trend.series):
                figure = then.figure(figure_key)
                shown = (figure.percent or 0.0) if trend.unit == "%" else float(figure.count)
                compared[(index, figure_key)] = (values[index], shown)
    assert {k: pair for k, pair in compared.items() if pair[0] != pair[1]} == {}
    # 30 November 2024: Ward 3 eligible by its June check, District Nursing's action still open, and only its
    # QRV inside the window (Ward 3's was published the day before it opened).
    first = board_for(h, as_of=months[0])
    assert [list(first.figure(k).team_ids) for k in ("pipeline.eligible", "risk.overdue_actions", "qrv.covered")] == [
        h.ids(h.ward3), h.ids(h.nursing), h.ids(h.nursing)]


def test_facts_read_no_check_or_qrv_that_cannot_change_a_figure(history):
    """Without trends: each team's latest eligibility check by the as-of date, and QRVs of the last 12 months."""
    h = history
    scope = TeamScope(teams_in_scope_clause(h.quality_lead, Role.QUALITY_LEAD, Role.ADMIN))
    scheme = Scheme()
    period = reporting_period(AS_OF, scheme).start
    facts = load_facts(scope, AS_OF, first_day=AS_OF, periods=(period, period), qrvs_since=date(2025, 10, 20),
                       thresholds=scheme.saf_thresholds)
    # Ward 22 was checked on 1 November 2025 (its award), 1 February and 1 September 2026.
    assert [c for c in facts.checks if c[0] == h.ward22.id] == [(h.ward22.id, date(2026, 9, 1), False)]
    # Ward 1's QRVs: September 2025 and March 2026.
    assert [q for q in facts.qrvs if q[0] == h.ward1.id] == [(h.ward1.id, date(2026, 3, 1))]
    assert {start for _, start in facts.assessments} == {period}
