"""Self-assessment services: opening, saving with the version check, submit, accept, return, copy forward, ratings."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from accredit.assessments import queries, services
from accredit.assessments.models import AssessmentResponse, SelfAssessment
from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.schemes.services import current_scheme
from tests.assessments.conftest import (
    KLOE_CODES, add_evidence, answer_all, answers, coming_period, past_period, submitted, this_period,
)
from workflows.assessment import AssessmentStatus
from workflows.base import GuardRefused, IllegalTrigger
from workflows.ratings import Domain, Rating

G, O, RI, I = Rating.GOOD, Rating.OUTSTANDING, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE


def _stored(assessment_id: int) -> dict[str, tuple[str | None, str, int]]:
    """(rating, narrative, version) per standard code, read afresh from the database."""
    db.session.expire_all()
    found = db.session.get(SelfAssessment, assessment_id)
    return {r.standard.code: (r.rating.value if r.rating else None, r.narrative, r.version) for r in found.responses}


def _state_changes(assessment) -> list[tuple[str, str | None, str | None, str | None]]:
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "self_assessments", AuditEvent.subject_id == assessment.id,
        AuditEvent.to_state.is_not(None)).order_by(AuditEvent.id))
    return [(row.action, row.from_state, row.to_state, row.reason) for row in rows]


# --- Opening ---------------------------------------------------------------------------------------------------


def test_ensure_assessment_creates_one_empty_answer_per_kloe_standard(ward):
    assessment, created = services.ensure_assessment(ward.team, coming_period())
    assert (created, assessment.status, assessment.framework_version.framework.key) == (
        True, AssessmentStatus.OPEN, "cqc-kloe-2017")
    assert [r.standard.code for r in assessment.responses] == KLOE_CODES
    assert {(r.rating, r.narrative) for r in assessment.responses} == {(None, "")}
    period = coming_period()
    assert (assessment.period_start, assessment.period_end, assessment.due_on) == (period.start, period.end, period.due)


def test_ensure_assessment_is_idempotent(ward):
    first, _ = services.ensure_assessment(ward.team, coming_period())
    again, created = services.ensure_assessment(ward.team, coming_period())
    assert (again.id, created) == (first.id, False)
    assert db.session.scalar(sa.select(sa.func.count(SelfAssessment.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AssessmentResponse.id))) == 27


def test_ensure_assessment_uses_saf_for_a_saf_team(ward, factory):
    team = factory.team(framework_key="cqc-saf-2023")
    assessment, _ = services.ensure_assessment(team, coming_period())
    by_domain = {d: len(s) for d, s in assessment.framework_version.standards_by_domain().items()}
    assert len(assessment.responses) == 34
    assert by_domain == {Domain.SAFE: 8, Domain.EFFECTIVE: 6, Domain.CARING: 5, Domain.RESPONSIVE: 7, Domain.WELL_LED: 8}


def test_ensure_assessment_refuses_a_framework_not_imported(ward, factory):
    team = factory.team(framework_key="trust-own-2030")
    with pytest.raises(services.AssessmentError, match="The framework trust-own-2030 has not been imported"):
        services.ensure_assessment(team, coming_period())


# --- Saving answers --------------------------------------------------------------------------------------------


def test_save_answers_starts_an_open_assessment_and_bumps_versions(assessment, ward):
    assert (assessment.status, assessment.version) == (AssessmentStatus.OPEN, 1)
    changed = services.save_answers(assessment, answers({"S1": G, "S2": O}), by=ward.member)
    db.session.commit()
    assert [r.standard.code for r in changed] == ["S1", "S2"]
    stored = _stored(assessment.id)
    assert (stored["S1"], stored["S2"], stored["S3"]) == (
        ("good", "S1: Audited weekly; see the minutes", 2), ("outstanding", "S2: Audited weekly; see the minutes", 2),
        (None, "", 1))
    assert assessment.status is AssessmentStatus.IN_PROGRESS
    assert assessment.version > 1
    assert (assessment.response_for("S1").updated_by_id, assessment.started_at is not None) == (ward.member.id, True)
    assert _state_changes(assessment) == [("assessment.open", None, "open", None), ("start", "open", "in_progress", None)]


def test_save_answers_skips_answers_equal_to_stored_ones(assessment, ward):
    services.save_answers(assessment, answers({"S1": G}), by=ward.member)
    db.session.commit()
    version = assessment.version
    changed = services.save_answers(assessment, answers({"S1": G, "S2": RI}), by=ward.lead)
    db.session.commit()
    assert [r.standard.code for r in changed] == ["S2"]
    assert (_stored(assessment.id)["S1"][2], assessment.response_for("S1").updated_by_id) == (2, ward.member.id)
    assert services.save_answers(assessment, answers({"S1": G, "S2": RI}), by=ward.lead) == []
    assert assessment.version == version + 1


def test_save_answers_refuses_a_stale_version_with_different_content(assessment, ward):
    services.save_answers(assessment, answers({"S1": G}, narrative="Nadia's answer"), by=ward.member)
    db.session.commit()
    stale = answers({"S1": RI}, narrative="Sam's answer", expected_version=1)
    with pytest.raises(services.EditConflict) as refused:
        services.save_answers(assessment, stale, by=ward.lead)
    assert (refused.value.reason, refused.value.field) == ("Nadia Nurse changed S1 since you opened it", "S1")
    assert (refused.value.theirs.rating, refused.value.theirs.narrative) == (G, "S1: Nadia's answer")


def test_save_answers_accepts_a_stale_version_with_the_same_content(assessment, ward):
    services.save_answers(assessment, answers({"S1": G}), by=ward.member)
    db.session.commit()
    assert services.save_answers(assessment, answers({"S1": G}, expected_version=1), by=ward.lead) == []


def test_save_answers_writes_nothing_when_one_of_several_answers_conflicts(assessment, ward):
    services.save_answers(assessment, answers({"S3": G}, narrative="first"), by=ward.member)
    db.session.commit()
    before = _stored(assessment.id)
    mixed = answers({"S1": O, "S2": O}, expected_version=1) + answers({"S3": RI}, narrative="second", expected_version=1)
    with pytest.raises(services.EditConflict):
        services.save_answers(assessment, mixed, by=ward.lead)
    db.session.rollback()
    assert _stored(assessment.id) == before


def test_save_answers_refuses_evidence_from_another_team(assessment, ward):
    ours = add_evidence(ward.team, ward.member, "Our audit")
    theirs = add_evidence(ward.other_team, ward.outsider, "Their audit")
    with pytest.raises(services.AssessmentError) as refused:
        services.save_answers(assessment, answers({"S1": G}, evidence_ids=[ours.id, theirs.id]), by=ward.member)
    assert (refused.value.reason, refused.value.field) == ("S1: evidence can only come from this team's library", "S1")
    db.session.rollback()
    assert _stored(assessment.id)["S1"] == (None, "", 1)


def test_save_answers_links_evidence_of_the_team(assessment, ward):
    first, second = add_evidence(ward.team, ward.member, "B audit"), add_evidence(ward.team, ward.member, "A audit")
    services.save_answers(assessment, answers({"S1": G}, evidence_ids=[first.id, second.id]), by=ward.member)
    db.session.commit()
    db.session.expire_all()
    assert [e.title for e in assessment.response_for("S1").evidence] == ["A audit", "B audit"]


@pytest.mark.parametrize("narrative", ["Line one\x00", "Bell\x07", "Escape \x1b[31m", "Delete\x7f"])
def test_save_answers_refuses_control_characters(assessment, ward, narrative):
    with pytest.raises(services.AssessmentError) as refused:
        services.save_answers(assessment, [services.Answer("S2", G, narrative)], by=ward.member)
    assert (refused.value.reason, refused.value.field) == ("S2: the narrative contains characters that cannot be stored", "S2")


def test_save_answers_keeps_line_breaks_and_tabs(assessment, ward):
    services.save_answers(assessment, [services.Answer("S2", G, "Line one\r\n\tLine two")], by=ward.member)
    db.session.commit()
    assert _stored(assessment.id)["S2"][1] == "Line one\r\n\tLine two"


def test_save_answers_refuses_too_long_a_narrative(assessment, ward):
    services.save_answers(assessment, [services.Answer("S2", G, "x" * services.MAX_NARRATIVE)], by=ward.member)
    with pytest.raises(services.AssessmentError) as refused:
        services.save_answers(assessment, [services.Answer("S2", G, "x" * (services.MAX_NARRATIVE + 1))], by=ward.member)
    assert refused.value.reason == "S2: the narrative must be 5000 characters or fewer"


def test_save_answers_refuses_an_unknown_standard(assessment, ward):
    with pytest.raises(services.AssessmentError) as refused:
        services.save_answers(assessment, answers({"SAFE1": G}), by=ward.member)
    assert (refused.value.reason, refused.value.field) == ("SAFE1 is not a standard of this self-assessment", "SAFE1")


def test_save_answers_refuses_a_submitted_assessment(assessment, ward):
    submitted(assessment, ward)
    with pytest.raises(services.AssessmentError, match="^This self-assessment is submitted and can no longer be changed$"):
        services.save_answers(assessment, answers({"S1": O}), by=ward.lead)


# --- Submit, accept, return ------------------------------------------------------------------------------------


def test_submit_names_every_unanswered_standard(assessment, ward):
    answer_all(assessment, ward.member, skip=["S4", "W8"])
    services.save_answers(assessment, [services.Answer("C2", G, "   ")], by=ward.member)  # a blank narrative
    with pytest.raises(GuardRefused) as refused:
        services.submit_self_assessment(assessment, by=ward.lead)
    assert refused.value.reasons == ["3 standards need a rating and a narrative: S4, C2, W8"]
    assert (assessment.status, assessment.submitted_at) == (AssessmentStatus.IN_PROGRESS, None)
    services.save_answers(assessment, answers(dict.fromkeys(["S4", "C2", "W8"], G)), by=ward.member)
    services.submit_self_assessment(assessment, by=ward.lead)
    assert (assessment.status, assessment.submitted_by_id) == (AssessmentStatus.SUBMITTED, ward.lead.id)


def test_submit_names_a_single_missing_standard(assessment, ward):
    answer_all(assessment, ward.member, skip=["R3"])
    with pytest.raises(GuardRefused, match="^1 standard needs a rating and a narrative: R3$"):
        services.submit_self_assessment(assessment, by=ward.lead)


def test_submit_refuses_an_open_assessment(assessment, ward):
    with pytest.raises(IllegalTrigger, match="'submit' is not allowed from 'open'"):
        services.submit_self_assessment(assessment, by=ward.lead)


def test_submit_succeeds_once_every_standard_is_answered(assessment, ward):
    answer_all(assessment, ward.member)
    services.submit_self_assessment(assessment, by=ward.lead)
    db.session.commit()
    db.session.expire_all()
    assert (assessment.status, assessment.submitted_by_id, assessment.submitted_at is not None) == (
        AssessmentStatus.SUBMITTED, ward.lead.id, True)
    assert assessment.is_late is False
    assert _state_changes(assessment)[-1] == ("submit", "in_progress", "submitted", None)


def test_return_requires_a_reason(assessment, ward):
    submitted(assessment, ward)
    with pytest.raises(GuardRefused, match="^Give a reason for returning it to the team$"):
        services.return_self_assessment(assessment, by=ward.reviewer, reason="  ")
    assert assessment.status is AssessmentStatus.SUBMITTED


def test_return_clears_the_submission_and_keeps_the_reason(assessment, ward):
    submitted(assessment, ward)
    services.return_self_assessment(assessment, by=ward.reviewer, reason="  Add the falls audit to S2  ")
    db.session.commit()
    db.session.expire_all()
    assert (assessment.status, assessment.submitted_at, assessment.submitted_by_id, assessment.return_reason) == (
        AssessmentStatus.IN_PROGRESS, None, None, "Add the falls audit to S2")
    assert _state_changes(assessment)[-1] == (
        "return_to_team", "submitted", "in_progress", "  Add the falls audit to S2  ")


def test_resubmitting_clears_the_return_reason(assessment, ward):
    submitted(assessment, ward)
    services.return_self_assessment(assessment, by=ward.reviewer, reason="Add the falls audit to S2")
    services.submit_self_assessment(assessment, by=ward.lead)
    db.session.commit()
    assert (assessment.status, assessment.return_reason) == (AssessmentStatus.SUBMITTED, None)


def test_accept_records_who_and_when(assessment, ward):
    submitted(assessment, ward)
    services.accept_self_assessment(assessment, by=ward.reviewer)
    db.session.commit()
    db.session.expire_all()
    assert (assessment.status, assessment.accepted_by_id, assessment.accepted_at is not None) == (
        AssessmentStatus.ACCEPTED, ward.reviewer.id, True)
    assert [row[0] for row in _state_changes(assessment)] == ["assessment.open", "start", "submit", "accept"]


def test_accept_refuses_an_assessment_in_progress(assessment, ward):
    answer_all(assessment, ward.member)
    with pytest.raises(IllegalTrigger, match="'accept' is not allowed from 'in_progress'"):
        services.accept_self_assessment(assessment, by=ward.reviewer)


# --- Late and overdue ------------------------------------------------------------------------------------------


def test_submission_after_the_due_date_is_late(ward):
    assessment, _ = services.ensure_assessment(ward.team, past_period())
    assert assessment.is_overdue(services.today_in_london()) is True
    submitted(assessment, ward)
    assert (assessment.is_late, assessment.is_overdue(services.today_in_london())) == (True, False)


def test_submission_before_the_due_date_is_not_late(assessment, ward):
    assert assessment.is_overdue(services.today_in_london()) is False
    submitted(assessment, ward)
    assert (assessment.is_late, assessment.is_overdue(assessment.period_end)) == (False, False)


def test_is_overdue_only_after_the_due_date(assessment):
    due = assessment.due_on
    assert [assessment.is_overdue(due), assessment.is_overdue(due + timedelta(days=1))] == [False, True]


# --- Copy forward ----------------------------------------------------------------------------------------------


@pytest.fixture
def last_month(ward):
    """Last period, every standard answered (S1 Outstanding with evidence), submitted."""
    earlier, _ = services.ensure_assessment(ward.team, past_period())
    evidence = add_evidence(ward.team, ward.member, "Falls audit")
    answer_all(earlier, ward.member)
    services.save_answers(earlier, answers({"S1": O}, narrative="Last month", evidence_ids=[evidence.id]), by=ward.member)
    services.submit_self_assessment(earlier, by=ward.lead)
    db.session.commit()
    return earlier


def test_copy_forward_fills_only_unanswered_standards_with_evidence(last_month, ward):
    current, _ = services.ensure_assessment(ward.team, this_period())
    services.save_answers(current, answers({"S2": RI}, narrative="Changed this month"), by=ward.member)
    services.save_answers(current, [services.Answer("S3", None, "Started typing")], by=ward.member)
    copied = services.copy_forward(current, by=ward.lead)
    db.session.commit()
    assert copied == [c for c in KLOE_CODES if c not in {"S2", "S3"}]
    stored = _stored(current.id)
    assert [stored[c][:2] for c in ("S1", "S2", "S3", "W8")] == [
        ("outstanding", "S1: Last month"), ("requires_improvement", "S2: Changed this month"), (None, "Started typing"),
        ("good", "W8: Audited weekly; see the minutes")]
    assert [e.title for e in current.response_for("S1").evidence] == ["Falls audit"]
    assert current.response_for("S1").updated_by_id == ward.lead.id


def test_copy_forward_matches_standards_by_code_across_framework_versions(last_month, ward):
    current, _ = services.ensure_assessment(ward.team, this_period())
    assert current.framework_version_id == last_month.framework_version_id
    assert {r.standard_id for r in current.responses} == {r.standard_id for r in last_month.responses}
    assert len(services.copy_forward(current, by=ward.lead)) == 27


def test_copy_forward_refuses_without_an_earlier_assessment(assessment, ward):
    with pytest.raises(services.AssessmentError, match="^There is no earlier self-assessment to start from$"):
        services.copy_forward(assessment, by=ward.lead)


def test_copy_forward_ignores_an_earlier_assessment_without_ratings(ward):
    services.ensure_assessment(ward.team, past_period())
    current, _ = services.ensure_assessment(ward.team, this_period())
    with pytest.raises(services.AssessmentError, match="^There is no earlier self-assessment to start from$"):
        services.copy_forward(current, by=ward.lead)


# --- Ratings per domain ----------------------------------------------------------------------------------------


def test_domain_results_follow_the_cqc_principles_for_kloe(assessment, ward):
    ratings = {"S1": O, "S2": O, "S3": G, "E1": RI, "E2": RI, "C1": I, "C2": G, "R1": O, "R2": RI,
               "W1": I, "W2": I}
    services.save_answers(assessment, answers(ratings), by=ward.member)
    results = queries.domain_results(assessment, current_scheme())
    assert {d: (r.value, r.explanation) for d, r in results.items()} == {
        Domain.SAFE: (O, "Outstanding: 2 Outstanding, 1 Good of 3 standards; at least two Outstanding and none below Good"),
        Domain.EFFECTIVE: (RI, "Requires improvement: 2 Requires improvement of 2 standards; two or more Requires "
                               "improvement cap it at Requires improvement"),
        Domain.CARING: (RI, "Requires improvement: 1 Good, 1 Inadequate of 2 standards; an Inadequate caps it at "
                            "Requires improvement"),
        Domain.RESPONSIVE: (G, "Good: 1 Outstanding, 1 Requires improvement of 2 standards; Outstanding needs at "
                               "least two Outstanding and none below Good"),
        Domain.WELL_LED: (I, "Inadequate: 2 Inadequate of 2 standards; two or more Inadequate make it Inadequate"),
    }
    overall = queries.overall_result(assessment, current_scheme())
    assert (overall.value, overall.explanation) == (RI, (
        "Requires improvement: 1 Outstanding, 1 Good, 2 Requires improvement, 1 Inadequate of 5 domains; "
        "an Inadequate caps it at Requires improvement"))


def test_overall_result_waits_for_every_domain_under_kloe(assessment, ward):
    services.save_answers(assessment, answers({"S1": G, "E1": G}), by=ward.member)
    overall = queries.overall_result(assessment, current_scheme())
    assert (overall.value, overall.explanation) == (None, "Not rated: 3 domains have no rating yet")
    assert queries.domain_results(assessment, current_scheme())[Domain.CARING].explanation == "Not rated: no standards yet"


def test_domain_and_overall_results_use_saf_scoring(ward, factory):
    team = factory.team(framework_key="cqc-saf-2023")
    assessment, _ = services.ensure_assessment(team, coming_period())
    codes = [r.standard.code for r in assessment.responses]
    ratings = {c: G for c in codes}
    ratings.update({"SAFE1": O, "SAFE2": O, "SAFE3": O, "SAFE4": O, "SAFE5": O, "SAFE6": O, "SAFE7": O,
                    "CAR1": RI, "CAR2": RI, "CAR3": I, "WL1": I, "WL2": I, "WL3": I, "WL4": I, "WL5": I})
    services.save_answers(assessment, answers(ratings), by=ward.lead)
    results = queries.domain_results(assessment, current_scheme())
    assert {d: (r.value, r.explanation) for d, r in results.items()} == {
        Domain.SAFE: (O, "Outstanding: 31 of 32 points across 8 standards is 97% (88% and above)"),
        Domain.EFFECTIVE: (G, "Good: 18 of 24 points across 6 standards is 75% (63–87%)"),
        Domain.CARING: (RI, "Requires improvement: 11 of 20 points across 5 standards is 55% (39–62%)"),
        Domain.RESPONSIVE: (G, "Good: 21 of 28 points across 7 standards is 75% (63–87%)"),
        Domain.WELL_LED: (RI, "Requires improvement: 14 of 32 points across 8 standards is 44% (39–62%)"),
    }
    overall = queries.overall_result(assessment, current_scheme())
    assert (overall.value, overall.explanation) == (
        G, "Good: 95 of 136 points across 34 statements is 70% (63–87%)")


@pytest.mark.parametrize("framework_key", ["cqc-kloe-2017", "cqc-saf-2023"])
def test_stored_ratings_give_what_the_loaded_answers_give(ward, factory, framework_key):
    team = factory.team(framework_key=framework_key)
    assessment, _ = services.ensure_assessment(team, coming_period())
    cycle = [O, None, G, RI, I, G, O]
    services.save_answers(assessment, answers({r.standard.code: cycle[n % len(cycle)]
                                               for n, r in enumerate(assessment.responses)}), by=ward.lead)
    stored = queries.stored_ratings_by_domain(assessment.id)
    assert stored == queries.ratings_by_domain(assessment)
    assert queries.domain_results(assessment, current_scheme(), stored) == queries.domain_results(
        assessment, current_scheme())
