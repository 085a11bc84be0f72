"""Hostile input against the JSON API: schemathesis generates requests from /api/v1/openapi.json, valid and
invalid, and sends them to the app in process with a signed-in bearer token. No answer may be a server error,
use an undocumented status or content type, or break the response schema the document promises.

Bounded and repeatable: a few examples per operation and mode, derandomized (a fixed seed), no example database.
FUZZ_EXAMPLES raises the count for a longer run by hand (`FUZZ_EXAMPLES=200 pytest tests/security/test_api_fuzz.py`).
"""
from __future__ import annotations

import os

import hypothesis
import pytest
import schemathesis
from flask import g
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accredit.roles import Role
from tests.factories import PASSWORD
from tests.security.world import build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 12))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Fuzzing these would end the fuzzer's own sign-in; tests/security/test_accounts.py covers them.
LEFT_OUT = {("DELETE", "/api/v1/tokens/current")}


def isolated(app):
    """The app as a WSGI callable whose every request starts with an empty `g`, as in production (see
    FreshGlobalsClient: the test's pushed app context would otherwise carry the signed-in user across requests)."""

    def wsgi(environ, start_response):
        saved = dict(vars(g))
        vars(g).clear()
        try:
            return list(app(environ, start_response))
        finally:
            vars(g).clear()
            vars(g).update(saved)

    return wsgi


def bearer(app, user) -> dict[str, str]:
    response = app.test_client().post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def schema(app):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.app = isolated(app)
    return loaded


def operations(schema) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if (op.method.upper(), op.full_path) not in LEFT_OUT]


def real_ids(world) -> dict[str, object]:
    """Path parameters naming team A's records, so that generated input also reaches real ones (not only 404s)."""
    return {"team_id": world.team_a.id, "assessment_id": world.assessment.id, "visit_id": world.visit.id,
            "action_id": world.action.id, "evidence_id": world.evidence.id, "application_id": world.application.id,
            "award_id": world.award.id, "regulation_id": world.regulation.id, "key": world.framework_key}


def fuzz(operation, mode: GenerationMode, headers: dict[str, str], ids: dict | None = None) -> list[str]:
    """Run EXAMPLES generated cases of one operation (with `ids`, its path parameters are those records);
    the failures, as text (empty when all passed)."""
    failures: list[str] = []
    fixed = {name: value for name, value in (ids or {}).items() if f"{{{name}}}" in operation.path}

    @hypothesis.settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(hypothesis.HealthCheck), phases=[hypothesis.Phase.generate])
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    def run(case):
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, FailureGroup) as failed:  # schemathesis raises a subclass: keep going, report them all
            failures.append(f"{operation.method.upper()} {operation.full_path} [{mode.value}]: {failed}"[:2000])

    run()
    return failures


def test_api_fuzz_finds_no_server_error_and_no_answer_that_breaks_the_document(app, factory, schema):
    world = build_world(factory, PASSWORD)
    headers = bearer(app, world.quality_lead)
    ops = operations(schema)
    failures = [f for op in ops for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                for f in fuzz(op, mode, headers)]
    assert failures == []
    assert len(ops) >= 25


def test_api_fuzz_against_real_records(app, factory, schema):
    world = build_world(factory, PASSWORD)
    headers, ids = bearer(app, world.quality_lead), real_ids(world)
    ops = [op for op in operations(schema) if any(f"{{{name}}}" in op.path for name in ids)]
    failures = [f for op in ops for f in fuzz(op, GenerationMode.POSITIVE, headers, ids)]
    assert failures == []


def test_api_fuzz_as_a_team_member_too(app, factory, schema):
    world = build_world(factory, PASSWORD)
    member = factory.user(role=Role.TEAM_MEMBER, scope=world.team_b)
    factory.commit()
    headers = bearer(app, member)
    failures = [f for op in operations(schema) for f in fuzz(op, GenerationMode.POSITIVE, headers)]
    assert failures == []


HUGE = 2**63  #: past any database integer: must be refused or simply not found, never a database error


def test_api_huge_integers_in_bodies_never_reach_the_database_as_an_error(app, factory):
    """What the fuzzer found on PostgreSQL (an owner id past 2**31 was a 500), for every integer a body takes."""
    world = build_world(factory, PASSWORD)
    client, headers = app.test_client(), bearer(app, world.quality_lead)
    w = world
    writes = [
        ("POST", f"/api/v1/teams/{w.team_a.id}/actions", {"title": "t", "owner": 2**31, "due_on": "2030-01-01",
                                                           "domain": "safe"}),
        ("POST", f"/api/v1/actions/{w.action.id}/transitions/complete", {"note": "n", "evidence": [2**31],
                                                                         "version": HUGE}),
        ("PUT", f"/api/v1/self-assessments/{w.assessment.id}/responses", {"version": HUGE, "responses": [
            {"standard": "S1", "rating": "good", "narrative": "n", "evidence": [2**31]}]}),
        ("POST", f"/api/v1/self-assessments/{w.assessment.id}/transitions/submit", {"version": HUGE}),
        ("PUT", f"/api/v1/visits/{w.visit.id}/ratings", {"version": HUGE, "ratings": []}),
        ("PUT", f"/api/v1/visits/{w.visit.id}/reviewers", {"version": HUGE, "reviewers": []}),
        ("POST", f"/api/v1/visits/{w.visit.id}/transitions/schedule", {"version": HUGE}),
        ("POST", f"/api/v1/applications/{w.application.id}/transitions/start", {"version": HUGE}),
        ("PUT", f"/api/v1/applications/{w.application.id}/panel", {"version": HUGE, "chair": None, "members": [],
                                                                    "panel_date": "2030-01-01"}),
        ("POST", f"/api/v1/awards/{w.award.id}/transitions/suspend", {"version": HUGE, "reason": "r"}),
        ("POST", f"/api/v1/stepup/{w.regulation.id}/transitions/step_up", {"version": HUGE, "reason": "r"}),
        ("DELETE", f"/api/v1/evidence/{w.evidence.id}", {"version": HUGE, "reason": "r"}),
    ]
    statuses = {(method, path): client.open(path, method=method, headers=headers, json=body).status_code
                for method, path, body in writes}
    assert {k: s for k, s in statuses.items() if s >= 500} == {}
    assert statuses[("POST", f"/api/v1/teams/{w.team_a.id}/actions")] == 400
