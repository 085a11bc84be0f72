"""Scheme settings: DESIGN.md's defaults, overrides, and refusals of bad settings."""
import pytest

from workflows.rules import SafThresholds
from workflows.scheme import Scheme


def test_scheme_defaults_are_the_design_defaults():
    scheme = Scheme()
    assert (scheme.assessment_cadence, scheme.invitation_valid_days, scheme.award_valid_months) == ("monthly", 90, 12)
    assert dict(scheme.stepup_cycle_months) == {"step_down": 12, "standard": 6, "step_up": 3, "intensive": 1}


def test_scheme_from_mapping_overrides_and_round_trips():
    scheme = Scheme.from_mapping({"assessment_cadence": "quarterly", "saf_thresholds": {"outstanding": 90, "good": 60, "requires_improvement": 40}})
    assert scheme.saf_thresholds == SafThresholds(90, 60, 40)
    assert Scheme.from_mapping(scheme.to_mapping()) == scheme


@pytest.mark.parametrize(("values", "message"), [
    ({"assesment_cadence": "monthly"}, "unknown scheme setting 'assesment_cadence'"),
    ({"assessment_cadence": "weekly"}, "assessment_cadence must be one of monthly, quarterly"),
    ({"invitation_valid_days": "90"}, "scheme setting 'invitation_valid_days' must be a whole number"),
    ({"invitation_valid_days": True}, "scheme setting 'invitation_valid_days' must be a whole number"),
    ({"assessment_due_after_days": 120}, "assessment_due_after_days must be between 0 and 88"),
])
def test_scheme_refuses_bad_settings(values, message):
    with pytest.raises(ValueError) as refused:
        Scheme.from_mapping(values)
    assert str(refused.value) == message


def test_scheme_reminder_settings_default_to_design_and_round_trip_from_json_lists():
    assert (Scheme().assessment_reminder_days, Scheme().assessment_escalation) == (
        (7, 1), ((1, "team_lead"), (7, "division_quality_lead"), (14, "trust_quality_lead")))
    scheme = Scheme.from_mapping({"assessment_reminder_days": [3], "assessment_escalation": [[2, "team"]]})
    assert (scheme.assessment_reminder_days, scheme.assessment_escalation) == ((3,), ((2, "team"),))
    assert Scheme.from_mapping(scheme.to_mapping()) == scheme


@pytest.mark.parametrize(("values", "message"), [
    ({"assessment_reminder_days": 7}, "scheme setting 'assessment_reminder_days' must be a list"),
    ({"assessment_escalation": [[7, "ward_clerk"]]},
     "assessment_escalation audience 'ward_clerk' is not one of team, team_lead, division_quality_lead, "
     "trust_quality_lead"),
])
def test_scheme_refuses_bad_reminder_settings(values, message):
    with pytest.raises(ValueError) as refused:
        Scheme.from_mapping(values)
    assert str(refused.value) == message
