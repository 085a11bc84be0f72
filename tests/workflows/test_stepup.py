"""Every (level, trigger) pair of the Step-up workflow, the guards' refusals in their own words, the proposal
workflow, and the pure rules: the risk score, the level a score points to, proposals and the cycle."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Rating
from workflows.scheme import Scheme
from workflows.stepup import PROPOSAL_WORKFLOW, STEPUP_WORKFLOW, ProposalStatus as P, Severity, StepupLevel as L
from workflows.stepup_rules import (Signal, StepDone, add_months, current_cycle, cycle_steps, derived_signals,
                                    guard_context, level_for_score, months_between, propose_level, risk_score)

SCHEME = Scheme()


@dataclass
class FakeRegulation:
    level: L


TRIGGERS = ["step_up", "step_down"]
#: (level, trigger) -> the level it leads to; every pair not listed is illegal. One neighbour at a time.
LEGAL = {
    (L.STEP_DOWN, "step_up"): L.STANDARD,
    (L.STANDARD, "step_up"): L.STEP_UP,
    (L.STEP_UP, "step_up"): L.INTENSIVE,
    (L.INTENSIVE, "step_down"): L.STEP_UP,
    (L.STEP_UP, "step_down"): L.STANDARD,
    (L.STANDARD, "step_down"): L.STEP_DOWN,
}
PAIRS = [(level, trigger) for level in L for trigger in TRIGGERS]
#: Context that satisfies every guard: long enough at the level, and a reason.
PASSING = {**guard_context(6, False, SCHEME), "reason": "Agreed at the quality committee"}


def test_stepup_triggers_are_the_ones_tabled():
    assert sorted({t.trigger for t in STEPUP_WORKFLOW.transitions}) == sorted(TRIGGERS)
    assert sorted((L(t.source[0]), t.trigger) for t in STEPUP_WORKFLOW.transitions) == sorted(LEGAL)


@pytest.mark.parametrize(("level", "trigger"), PAIRS, ids=[f"{s.value}-{t}" for s, t in PAIRS])
def test_every_level_trigger_pair(level, trigger):
    regulation = FakeRegulation(level)
    if (level, trigger) in LEGAL:
        fired = STEPUP_WORKFLOW.fire(regulation, trigger, **PASSING)
        assert (fired.from_state, fired.to_state, regulation.level) == (level, LEGAL[level, trigger],
                                                                         LEGAL[level, trigger])
        assert abs(LEGAL[level, trigger].rank - level.rank) == 1  # never a skipped level
    else:
        with pytest.raises(IllegalTrigger) as refused:
            STEPUP_WORKFLOW.fire(regulation, trigger, **PASSING)
        assert refused.value.reason == (f"{trigger!r} is not allowed from {level.value!r}; allowed: "
                                        f"{', '.join(STEPUP_WORKFLOW.triggers_from(level))}")
        assert regulation.level is level


@pytest.mark.parametrize("trigger", ["step_to_intensive", "jump"])
def test_skipping_a_level_is_no_trigger_at_all(trigger):
    regulation = FakeRegulation(L.STANDARD)
    with pytest.raises(IllegalTrigger) as refused:
        STEPUP_WORKFLOW.fire(regulation, trigger, **PASSING)
    assert refused.value.reason == (f"{trigger!r} is not a trigger of this workflow; allowed from 'standard': "
                                    "step_up, step_down")
    assert regulation.level is L.STANDARD


DOWN = [(level, trigger) for (level, trigger) in LEGAL if trigger == "step_down"]
UP = [(level, trigger) for (level, trigger) in LEGAL if trigger == "step_up"]


@pytest.mark.parametrize(("level", "trigger"), DOWN, ids=[s.value for s, _ in DOWN])
def test_stepping_down_too_soon_is_refused(level, trigger):
    regulation = FakeRegulation(level)
    with pytest.raises(GuardRefused) as refused:
        STEPUP_WORKFLOW.fire(regulation, trigger, **{**PASSING, "months_at_level": 2, "has_red": True})
    assert refused.value.reasons == [f"A team stays at least 3 months at a level before stepping down; this team "
                                     f"has been at {level.short_label} for 2 months"]
    assert regulation.level is level


@pytest.mark.parametrize(("level", "trigger"), UP, ids=[s.value for s, _ in UP])
def test_stepping_up_soon_needs_a_red_signal(level, trigger):
    regulation = FakeRegulation(level)
    with pytest.raises(GuardRefused) as refused:
        STEPUP_WORKFLOW.fire(regulation, trigger, **{**PASSING, "months_at_level": 0})
    assert refused.value.reasons == [f"Stepping up within 3 months of the last change needs a red signal; this team "
                                     f"has been at {level.short_label} for less than a month and has no red signal"]
    assert regulation.level is level
    fired = STEPUP_WORKFLOW.fire(regulation, trigger, **{**PASSING, "months_at_level": 0, "has_red": True})
    assert fired.to_state is LEGAL[level, trigger]


@pytest.mark.parametrize(("level", "trigger"), sorted(LEGAL, key=str), ids=lambda p: str(p))
def test_a_change_needs_a_reason(level, trigger):
    with pytest.raises(GuardRefused) as refused:
        STEPUP_WORKFLOW.fire(FakeRegulation(level), trigger, **{**PASSING, "reason": "  "})
    assert refused.value.reasons == ["Give a reason for the change of level"]


def test_minimum_months_are_settings():
    strict = Scheme(stepup_min_months_before_step_down=6)
    context = {**guard_context(5, False, strict), "reason": "x"}
    assert STEPUP_WORKFLOW.check(FakeRegulation(L.STANDARD), "step_down", **context) == [
        "A team stays at least 6 months at a level before stepping down; this team has been at Standard for 5 months"]


PROPOSAL_LEGAL = {(P.PENDING, "approve"): P.APPROVED, (P.PENDING, "reject"): P.REJECTED,
                  (P.PENDING, "withdraw"): P.WITHDRAWN}
PROPOSAL_PAIRS = [(s, t) for s in P for t in ["approve", "reject", "withdraw"]]


@dataclass
class FakeProposal:
    status: P


@pytest.mark.parametrize(("state", "trigger"), PROPOSAL_PAIRS, ids=[f"{s.value}-{t}" for s, t in PROPOSAL_PAIRS])
def test_every_proposal_state_trigger_pair(state, trigger):
    proposal = FakeProposal(state)
    if (state, trigger) in PROPOSAL_LEGAL:
        assert PROPOSAL_WORKFLOW.fire(proposal, trigger, reason="Agreed").to_state is PROPOSAL_LEGAL[state, trigger]
    else:
        with pytest.raises(IllegalTrigger):
            PROPOSAL_WORKFLOW.fire(proposal, trigger, reason="Agreed")
        assert proposal.status is state


def test_rejecting_a_proposal_needs_a_note():
    with pytest.raises(GuardRefused) as refused:
        PROPOSAL_WORKFLOW.fire(FakeProposal(P.PENDING), "reject", reason="")
    assert refused.value.reasons == ["Give a note saying why you reject the proposal"]


# --- The rules --------------------------------------------------------------------------------------------

TODAY = date(2026, 6, 15)


def signal(severity: Severity, on: date = date(2026, 6, 1), text: str = "Incident: fall on the ward") -> Signal:
    return Signal("recorded", severity, on, text)


def test_risk_score_sums_points_by_severity_and_lists_every_reason():
    result = risk_score([signal(Severity.GREEN), signal(Severity.RED, date(2026, 5, 2), "Safeguarding: referral"),
                         signal(Severity.AMBER)], SCHEME)
    assert result.value == 42
    assert result.explanation == ("Risk score 42: 1 red (30 points), 1 amber (10 points), 1 green (2 points) "
                                  "in the last 6 months")
    assert [(r.description, r.severity, r.points) for r in result.inputs["reasons"]] == [
        ("Safeguarding: referral", Severity.RED, 30), ("Incident: fall on the ward", Severity.AMBER, 10),
        ("Incident: fall on the ward", Severity.GREEN, 2)]
    assert result.inputs["has_red"] is True


def test_risk_score_of_nothing_is_zero():
    result = risk_score([], SCHEME)
    assert (result.value, result.explanation, result.inputs["has_red"]) == (
        0, "Risk score 0: no signals in the last 6 months", False)


def test_which_severity_counts_as_red_is_a_setting():
    assert risk_score([signal(Severity.AMBER)], Scheme(stepup_red_severity="amber")).inputs["has_red"] is True


def test_derived_signals_from_ratings_lateness_and_overdue_actions():
    signals = derived_signals(
        assessment=(date(2026, 5, 10), Rating.REQUIRES_IMPROVEMENT),
        review=(date(2026, 4, 2), Rating.INADEQUATE, "Peer review (like for like) on 2 April 2026"),
        missed=[date(2026, 3, 1)], late=[date(2026, 2, 1)],
        overdue_actions=[(date(2026, 6, 1), "Fix the sluice door")],
    )
    assert [(s.source, s.severity, s.description) for s in signals] == [
        ("self_assessment", Severity.AMBER, "Latest self-assessment rated Requires improvement overall"),
        ("review", Severity.RED, "Peer review (like for like) on 2 April 2026 rated Inadequate overall"),
        ("missed_assessment", Severity.AMBER, "Self-assessment for March 2026 missed"),
        ("late_assessment", Severity.GREEN, "Self-assessment for February 2026 submitted late"),
        ("overdue_action", Severity.GREEN, "Action overdue since 1 June 2026: Fix the sluice door"),
    ]


def test_good_ratings_give_no_signal():
    assert derived_signals(assessment=(TODAY, Rating.GOOD), review=(TODAY, Rating.OUTSTANDING, "QRV")) == []


@pytest.mark.parametrize(("score", "level"), [
    (0, L.STEP_DOWN), (4, L.STEP_DOWN), (5, L.STANDARD), (19, L.STANDARD), (20, L.STEP_UP), (44, L.STEP_UP),
    (45, L.INTENSIVE), (300, L.INTENSIVE),
])
def test_level_for_score_by_thresholds(score, level):
    assert level_for_score(score, SCHEME).value is level


def test_level_for_score_explains_the_band():
    assert level_for_score(30, SCHEME).explanation == "A score of 30 points to Step up (20–44)"


def _score(*severities: Severity):
    return risk_score([signal(s) for s in severities], SCHEME)


def test_engine_proposes_one_level_up_even_when_the_score_points_further():
    result = propose_level(L.STEP_DOWN, _score(Severity.RED, Severity.RED), months_at_level=12,
                           has_good_review=False, scheme=SCHEME)
    assert (result.value.trigger, result.value.to_level, result.value.blocked) == ("step_up", L.STANDARD, [])
    assert result.explanation == ("Step up to Standard: Risk score 60: 2 red (60 points) in the last 6 months; "
                                  "a score of 60 points to intensive (45 and above) (one level at a time; the score "
                                  "points to Intensive)")


def test_engine_proposal_to_step_up_soon_without_red_is_blocked():
    result = propose_level(L.STANDARD, _score(Severity.AMBER, Severity.AMBER), months_at_level=1,
                           has_good_review=False, scheme=SCHEME)
    assert (result.value.trigger, result.value.to_level) == ("step_up", L.STEP_UP)
    assert result.value.blocked == ["Stepping up within 3 months of the last change needs a red signal; this team "
                                    "has been at Standard for 1 month and has no red signal"]


def test_engine_proposal_to_step_up_soon_with_red_goes_ahead():
    result = propose_level(L.STANDARD, _score(Severity.RED), months_at_level=0, has_good_review=False, scheme=SCHEME)
    assert (result.value.trigger, result.value.blocked) == ("step_up", [])


def test_engine_does_not_step_a_quiet_team_down_without_a_good_review():
    result = propose_level(L.STANDARD, _score(), months_at_level=12, has_good_review=False, scheme=SCHEME)
    assert result.value is None
    assert result.explanation == ("Stay at Standard: a score of 0 points to step down (below 5), but stepping down "
                                  "also needs a published review rated Good or better in the last 6 months")


def test_engine_steps_down_after_a_good_review_and_long_enough():
    result = propose_level(L.STANDARD, _score(), months_at_level=3, has_good_review=True, scheme=SCHEME)
    assert (result.value.trigger, result.value.to_level, result.value.blocked) == ("step_down", L.STEP_DOWN, [])


def test_engine_stays_when_the_score_fits_the_level():
    result = propose_level(L.STEP_UP, _score(Severity.RED), months_at_level=1, has_good_review=True, scheme=SCHEME)
    assert (result.value, result.explanation) == (None, "Stay at Step up: a score of 30 points to step up (20–44)")


@pytest.mark.parametrize(("since", "today", "months"), [
    (date(2026, 1, 31), date(2026, 2, 27), 0), (date(2026, 1, 31), date(2026, 2, 28), 1),
    (date(2026, 1, 31), date(2026, 3, 30), 1), (date(2026, 1, 31), date(2026, 3, 31), 2),
    (date(2026, 1, 15), date(2026, 4, 14), 2), (date(2026, 1, 15), date(2026, 4, 15), 3),
    (date(2026, 5, 1), date(2026, 4, 1), 0),
])
def test_months_between(since, today, months):
    assert months_between(since, today) == months


def test_add_months_keeps_within_the_month():
    assert [add_months(date(2026, 1, 31), n) for n in (1, 2, 13)] == [date(2026, 2, 28), date(2026, 3, 31),
                                                                       date(2027, 2, 28)]


@pytest.mark.parametrize(("level", "today", "number", "start", "end"), [
    (L.STANDARD, date(2026, 1, 1), 1, date(2026, 1, 1), date(2026, 6, 30)),
    (L.STANDARD, date(2026, 7, 1), 2, date(2026, 7, 1), date(2026, 12, 31)),
    (L.STEP_DOWN, date(2026, 12, 31), 1, date(2026, 1, 1), date(2026, 12, 31)),
    (L.STEP_UP, date(2026, 4, 1), 2, date(2026, 4, 1), date(2026, 6, 30)),
    (L.INTENSIVE, date(2026, 3, 20), 3, date(2026, 3, 1), date(2026, 3, 31)),
])
def test_the_cycle_follows_the_level_frequency(level, today, number, start, end):
    cycle = current_cycle(date(2026, 1, 1), level, today, SCHEME)
    assert (cycle.number, cycle.start, cycle.end, cycle.months) == (number, start, end,
                                                                     SCHEME.stepup_cycle_months[level.value])


def test_cycle_steps_are_done_due_or_overdue():
    cycle = current_cycle(date(2026, 1, 1), L.STANDARD, date(2026, 4, 1), SCHEME)  # 1 January to 30 June: 181 days
    done = {"self_assessment": StepDone(date(2026, 1, 20), "Self-assessment for January 2026 submitted")}
    steps = cycle_steps(cycle, done, date(2026, 4, 1), SCHEME)
    assert [(s.number, s.key, s.due_on, s.state) for s in steps] == [
        (1, "self_assessment", date(2026, 2, 14), "done"),
        (2, "peer_review", date(2026, 3, 31), "overdue"),
        (3, "improvement_plan", date(2026, 5, 15), "due"),
        (4, "validation_review", date(2026, 6, 30), "due"),
    ]
    assert [s.detail for s in steps] == ["Self-assessment for January 2026 submitted",
                                         "Not done yet: was due 31 March 2026", "Not done yet: due by 15 May 2026",
                                         "Not done yet: due by 30 June 2026"]


@pytest.mark.parametrize(("change", "message"), [
    ({"stepup_thresholds": {"standard": 5, "step_up": 4, "intensive": 45}}, "stepup_thresholds needs rising"),
    ({"stepup_severity_points": {"green": 1}}, "stepup_severity_points needs points"),
    ({"stepup_red_severity": "purple"}, "stepup_red_severity must be one of"),
    ({"stepup_cycle_months": {"step_down": 12, "standard": 0, "step_up": 3, "intensive": 1}},
     "stepup_cycle_months needs"),
    ({"stepup_step_due_percent": (25, 50, 75, 90)}, "stepup_step_due_percent needs"),
])
def test_scheme_refuses_inconsistent_stepup_settings(change, message):
    with pytest.raises(ValueError, match=message):
        replace(SCHEME, **change)


def test_stepup_settings_survive_a_json_round_trip():
    import json

    stored = json.loads(json.dumps(SCHEME.to_mapping()))
    assert Scheme.from_mapping(stored) == SCHEME
