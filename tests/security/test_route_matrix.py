"""The authorisation matrix over every route of the app, generated from `app.url_map`: zero leaks.

Team A holds one of every record (tests/security/world.py). Every role held for team B, B's service and B's
division asks for each of A's records on every page and API route, with every method the route takes:
  - a route about one of A's records answers 404, exactly as for a record that does not exist;
  - an administration route answers 403 to anyone but a trust administrator;
  - a route about nothing in particular (home, lists, the caller's own account) never shows A's data;
  - every route but the public allow-list sends an anonymous visitor to sign in (pages) or answers 401 (API);
  - no response, to anyone, ever shows one of A's values (every value of A carries MARKER).
Administrators are held for the whole trust only (grant_role refuses them anywhere else), so they are no outsider.

Every endpoint must be in ROUTES, which says what it is about and how to fill in its path (and body, for an API
write): a route the table does not know FAILS the test with "add a fixture for <endpoint>", so that no new route
escapes the matrix.
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from accredit.roles import Role
from tests.conftest import AuthActions
from tests.evidence import samples
from tests.factories import PASSWORD
from tests.helpers import csrf_token_from
from tests.security.world import MARKER, World, build_world

TEAM, ADMIN, MINE, OPEN, SELF, PUBLIC = "team", "admin", "mine", "open", "self", "public"


@dataclass(frozen=True)
class Route:
    """What an endpoint is about, and how to build a request of it against team A's records.

    kind: TEAM (one of A's records: 404 to B), ADMIN (403 to every non-administrator), MINE (someone else's own
    record, such as a notification: 404), OPEN (nothing in particular: any answer but a server error, never A's
    data), SELF (ends the caller's own token: asked with a token of its own), PUBLIC (the allow-list: no sign-in).
    """

    kind: str
    values: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = field(default=None)  #: JSON (or multipart) for API writes


def team(values=lambda w: {"team_id": w.team_a.id}, body=None) -> Route:
    return Route(TEAM, values, body)


def admin(values=lambda w: {}) -> Route:
    return Route(ADMIN, values)


def a_assessment(w: World) -> dict[str, Any]:
    return {"assessment_id": w.assessment.id}


def a_visit(w: World) -> dict[str, Any]:
    return {"visit_id": w.visit.id}


def a_action(w: World) -> dict[str, Any]:
    return {"action_id": w.action.id}


def a_evidence(w: World) -> dict[str, Any]:
    return {"evidence_id": w.evidence.id}


def a_team(w: World) -> dict[str, Any]:
    return {"team_id": w.team_a.id}


def a_application(w: World) -> dict[str, Any]:
    return {"application_id": w.application.id}


def a_award(w: World) -> dict[str, Any]:
    return {"award_id": w.award.id}


def a_upload(w: World) -> dict[str, Any]:
    return {"title": "Planted", "file": (io.BytesIO(samples.pdf(b"x")), "planted.pdf")}


ROUTES: dict[str, Route] = {
    # public: the allow-list
    "static": Route(PUBLIC, lambda w: {"filename": "css/app.css"}),
    "auth.sign_in": Route(PUBLIC),
    "auth.sign_out": Route(PUBLIC),
    "core.healthz": Route(PUBLIC),
    "core.accessibility": Route(PUBLIC),
    "api-docs.openapi_json": Route(PUBLIC),
    "api_auth.create_token": Route(PUBLIC),
    "awards.public_list": Route(PUBLIC),  # the accredited teams, published on purpose
    # signed in, about nothing in particular
    "core.home": Route(OPEN),
    "auth.account": Route(OPEN),
    "org.teams": Route(OPEN),
    "visits.overview": Route(OPEN),
    "frameworks.index": Route(OPEN),
    "frameworks.show": Route(OPEN, lambda w: {"key": w.framework_key, "version": w.framework_version}),
    "notifications.index": Route(OPEN),
    "notifications.mark_all_read": Route(OPEN),
    "notifications.set_mode": Route(OPEN),
    "api_auth.me": Route(OPEN),
    "api_teams.list_teams": Route(OPEN),
    "api_frameworks.list_frameworks": Route(OPEN),
    "api_frameworks.get_framework": Route(OPEN, lambda w: {"key": w.framework_key}),
    "api_notifications.list_notifications": Route(OPEN),
    "api_auth.revoke_current_token": Route(SELF),
    "api_awards.list_awards": Route(OPEN),
    "api_coverage.coverage": Route(OPEN),
    "stepup.board": Route(OPEN),
    "dashboards.index": Route(OPEN),
    "dashboards.heatmap": Route(OPEN),
    "dashboards.trends": Route(OPEN),
    "dashboards.teams": Route(OPEN),
    "dashboards.export": Route(OPEN),
    "dashboards.report": Route(OPEN),
    "dashboards.target": Route(OPEN),
    # someone else's own records
    "notifications.open_notification": Route(MINE, lambda w: {"notification_id": w.notification.id}),
    "notifications.mark_read": Route(MINE, lambda w: {"notification_id": w.notification.id}),
    # administration
    "core.audit": admin(),
    "org_admin.index": admin(),
    "org_admin.new_division": admin(),
    "org_admin.new_service": admin(),
    "org_admin.new_team": admin(),
    "org_admin.import_csv": admin(),
    "org_admin.import_example": admin(),
    "org_admin.service": admin(lambda w: {"service_id": w.service_a.id}),
    "org_admin.team": admin(a_team),
    "org_admin.change_team": admin(a_team),
    "org_admin.edit_team": admin(a_team),
    "outbox.index": admin(),
    "outbox.show": admin(lambda w: {"notification_id": w.notification.id}),
    "outbox.retry": admin(lambda w: {"notification_id": w.notification.id}),
    "users.index": admin(),
    "users.new": admin(),
    "users.show": admin(lambda w: {"user_id": w.lead_a.id}),
    "users.set_active": admin(lambda w: {"user_id": w.lead_a.id}),
    "users.set_password": admin(lambda w: {"user_id": w.lead_a.id}),
    "users.grant": admin(lambda w: {"user_id": w.lead_a.id}),
    "users.revoke": admin(lambda w: {"user_id": w.lead_a.id, "grant_id": w.lead_a.roles[0].id}),
    # team A's records: pages
    "org.team": team(),
    "evidence.library": team(),
    "evidence.show": team(a_evidence),
    "evidence.download": team(a_evidence),
    "evidence.delete": team(a_evidence),
    "assessments.history": team(),
    "assessments.current": team(),
    "assessments.show": team(a_assessment),
    "assessments.accept": team(a_assessment),
    "assessments.copy_forward": team(a_assessment),
    "assessments.autosave": team(lambda w: {**a_assessment(w), "code": "S1"}),
    "assessments.return_to_team": team(a_assessment),
    "assessments.submit": team(a_assessment),
    "visits.team_visits": team(),
    "visits.plan": team(),
    "visits.show": team(a_visit),
    "visits.fire": team(a_visit),
    "visits.raise_action": team(a_visit),
    "visits.cancel": team(a_visit),
    "visits.comments": team(a_visit),
    "visits.ratings": team(a_visit),
    "visits.reviewers": team(a_visit),
    "visits.remove_reviewer": team(lambda w: {**a_visit(w), "user_id": w.reviewer_a.id}),
    "actions.plan": team(),
    "actions.new": team(),
    "actions.show": team(a_action),
    "actions.fire": team(a_action),
    "actions.complete": team(a_action),
    "actions.edit": team(a_action),
    "actions.reopen": team(a_action),
    "deadlines.index": team(),
    "deadlines.end": team(lambda w: {"team_id": w.team_a.id, "pause_id": w.pause.id}),
    "accreditation.team_applications": team(),
    "accreditation.show": team(a_application),
    "accreditation.fire": team(a_application),
    "accreditation.with_reason": team(a_application),
    "accreditation.appeal": team(a_application),
    "accreditation.resolve": team(a_application),
    "accreditation.decision": team(a_application),
    "accreditation.declare": team(a_application),
    "accreditation.panel": team(a_application),
    "accreditation.prepanel_members": team(a_application),
    "accreditation.review": team(lambda w: {**a_application(w), "code": "S1"}),
    "accreditation.entry": team(lambda w: {**a_application(w), "code": "S1"}),
    "awards.show": team(a_award),
    "awards.certificate": team(a_award),
    "awards.reinstate": team(a_award),
    "stepup.team": team(),
    "stepup.record_signal": team(),
    "stepup.proposal": team(lambda w: {"proposal_id": w.proposal.id}),
    # team A's records: the API (writes carry a valid body, so that what answers is the scope check)
    "api_teams.get_team": team(),
    "api_assessments.list_for_team": team(),
    "api_assessments.get_assessment": team(a_assessment),
    "api_assessments.save_responses": team(a_assessment, lambda w: {
        "version": w.assessment.version, "responses": [{"standard": "S1", "rating": "good", "narrative": "planted"}]}),
    "api_assessments.fire": team(lambda w: {**a_assessment(w), "trigger": "submit"}, lambda w: {}),
    "api_evidence.get_evidence": team(a_evidence),
    "api_evidence.get_evidence_content": team(a_evidence),
    "api_evidence.upload_evidence": team(a_team, a_upload),
    "api_evidence.delete_evidence": team(a_evidence, lambda w: {"reason": "planted"}),
    "api_visits.list_for_team": team(),
    "api_visits.plan_visit": team(lambda w: {}, lambda w: {"team": w.team_a.id, "visit_date": "2030-06-01"}),
    "api_visits.get_visit": team(a_visit),
    "api_visits.save_ratings": team(a_visit, lambda w: {"version": w.visit.version, "ratings": []}),
    "api_visits.set_reviewers": team(a_visit, lambda w: {"reviewers": []}),
    "api_visits.fire": team(lambda w: {**a_visit(w), "trigger": "schedule"}, lambda w: {}),
    "api_actions.list_for_team": team(),
    "api_actions.raise_action": team(a_team, lambda w: {
        "title": "planted", "owner": w.lead_a.id, "due_on": "2030-06-01", "domain": "safe"}),
    "api_actions.get_action": team(a_action),
    "api_actions.fire": team(lambda w: {**a_action(w), "trigger": "start"}, lambda w: {}),
    "api_applications.list_for_team": team(),
    "api_applications.get_application": team(a_application),
    "api_applications.fire": team(lambda w: {**a_application(w), "trigger": "start"}, lambda w: {}),
    "api_applications.set_panel": team(a_application, lambda w: {
        "chair": None, "members": [], "panel_date": "2030-06-01"}),
    "api_applications.decide": team(a_application, lambda w: {"ratings": {"safe": "good"}}),
    "api_awards.get_award": team(a_award),
    "api_awards.fire": team(lambda w: {**a_award(w), "trigger": "suspend"}, lambda w: {"reason": "planted"}),
    "api_stepup.team_position": team(),
    "api_stepup.get_regulation": team(lambda w: {"regulation_id": w.regulation.id}),
    "api_stepup.fire": team(lambda w: {"regulation_id": w.regulation.id, "trigger": "step_up"},
                            lambda w: {"reason": "planted"}),
    "api_stepup.reject_proposal": team(lambda w: {"regulation_id": w.regulation.id}, lambda w: {"reason": "planted"}),
    "api_stepup.record_signal": team(a_team, lambda w: {
        "kind": "incident", "severity": "red", "occurred_on": "2030-01-01", "description": "planted"}),
}

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Request:
    endpoint: str
    route: Route
    method: str
    url: str

    @property
    def is_api(self) -> bool:
        return urlsplit(self.url).path.startswith("/api/")


def _choices(converter) -> list[str] | None:
    items = getattr(converter, "items", None)
    return sorted(items) if items else None


def requests_for(app, world: World) -> tuple[list[Request], list[str]]:
    """One Request per rule, method and `any(...)` choice, filled in from ROUTES; and what could not be built."""
    adapter = app.url_map.bind("localhost")
    built, missing = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        route = ROUTES.get(rule.endpoint)
        values = route.values(world) if route else {}
        unfilled = set(rule.arguments) - set(values) - {a for a in rule.arguments if _choices(rule._converters[a])}
        if route is None or unfilled:
            missing.append(f"add a fixture for {rule.endpoint}")
            continue
        variants = [values]
        for arg in rule.arguments:
            choices = _choices(rule._converters[arg])
            if choices and arg not in values:
                variants = [{**v, arg: c} for v in variants for c in choices]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for variant in variants:
                url = adapter.build(rule.endpoint, variant, method=method)
                built.append(Request(rule.endpoint, route, method, url))
    return built, missing


class Principal:
    """One signed-in person: a browser session (with its CSRF token) and an API bearer token."""

    def __init__(self, app, name: str, user: Any | None):
        self.name, self.user = name, user
        self.client = app.test_client()
        self.token = None
        if user is not None:
            AuthActions(self.client).login(user)
            self.token = self._new_token()
        self.csrf = csrf_token_from(self.client.get("/account" if user else "/sign-in"))

    def _new_token(self) -> str:
        response = self.client.post("/api/v1/tokens", json={"email": self.user.email, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    def send(self, request: Request, world: World):
        if request.is_api:
            token = self._new_token() if request.route.kind is SELF and self.user else self.token
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = request.route.body(world) if request.route.body and request.method in WRITES else None
            if body is not None and any(isinstance(v, tuple) for v in body.values()):
                return self.client.open(request.url, method=request.method, headers=headers, data=body,
                                        content_type="multipart/form-data")
            return self.client.open(request.url, method=request.method, headers=headers, json=body)
        if self.user is None and request.method in WRITES:
            self.csrf = csrf_token_from(self.client.get("/sign-in"))  # posting to sign-out cleared the session
        data = {"csrf_token": self.csrf} if request.method in WRITES else None
        return self.client.open(request.url, method=request.method, data=data)


def outsiders(app, factory, world: World) -> list[Principal]:
    """Every role but administrator held for team B, B's service and B's division: 6 x 3 people."""
    people = []
    for scope_name, scope in world.scopes_b().items():
        for role in Role:
            if role is Role.ADMIN:
                continue
            user = factory.user(name=f"{role.label} of {scope_name}", role=role, scope=scope)
            people.append((f"{role.value}@{scope_name}", user))
    factory.commit()
    return [Principal(app, name, user) for name, user in people]


def expected(request: Request, principal: Principal) -> int | str | None:
    """The status the principal must get; "sign-in" for the redirect; None where any non-error answer will do."""
    kind = request.route.kind
    if principal.user is None:
        return None if kind is PUBLIC else (401 if request.is_api else "sign-in")
    return {TEAM: 404, MINE: 404, ADMIN: 403, SELF: 204}.get(kind)


def outcome(response) -> int | str:
    if response.status_code == 302 and urlsplit(response.location or "").path == "/sign-in":
        return "sign-in"
    return response.status_code


def find_leaks(principals: list[Principal], requests: list[Request], world: World) -> dict:
    """(who, method, url) -> (got, expected, "shows A") for every answer that is not the expected one."""
    leaks = {}
    for principal in principals:
        for request in requests:
            if request.route.kind is PUBLIC and principal.user is not None:
                continue  # the allow-list needs no sign-in; the signed-in see the same
            response = principal.send(request, world)
            got, want = outcome(response), expected(request, principal)
            # bytes: exports and PDFs are not text; the public allow-list publishes awards on purpose
            shows_a = request.route.kind is not PUBLIC and MARKER.encode() in response.get_data()
            if shows_a or response.status_code >= 500 or (want is not None and got != want):
                leaks[(principal.name, request.method, request.url)] = (got, want, "shows A" if shows_a else "")
                if os.environ.get("MATRIX_DEBUG"):
                    print(principal.name, request.method, request.url, got, response.get_data()[:300])
    return {k: leaks[k] for k in sorted(leaks)}


def test_route_matrix_every_route_every_outsider_sees_nothing_of_team_a(app, factory):
    world = build_world(factory, PASSWORD)
    requests, missing = requests_for(app, world)
    assert missing == []
    assert sorted(set(ROUTES) - {r.endpoint for r in requests}) == [], "ROUTES lists endpoints that no longer exist"
    principals = [Principal(app, "anonymous", None), *outsiders(app, factory, world)]

    assert find_leaks(principals, requests, world) == {}
    assert {r.route.kind for r in requests} == {TEAM, ADMIN, MINE, OPEN, SELF, PUBLIC}
    assert len(requests) >= 100 and len(principals) == 19


def test_route_matrix_fails_for_a_route_without_a_fixture(app, factory):
    app.add_url_rule("/teams/<int:team_id>/brand-new", "brand.new", lambda team_id: "")
    _, missing = requests_for(app, build_world(factory, PASSWORD))
    assert [m for m in missing if "brand" in m] == ["add a fixture for brand.new"]


def test_route_matrix_catches_a_route_that_forgets_its_scope_check(app, factory, monkeypatch):
    from accredit.extensions import db
    from accredit.org.models import Team

    app.add_url_rule("/teams/<int:team_id>/leaky", "leaky.show", lambda team_id: db.session.get(Team, team_id).name)
    monkeypatch.setitem(ROUTES, "leaky.show", team())
    world = build_world(factory, PASSWORD)
    requests = [r for r in requests_for(app, world)[0] if r.endpoint == "leaky.show"]
    principal = outsiders(app, factory, world)[0]

    url = f"/teams/{world.team_a.id}/leaky"
    assert find_leaks([principal], requests, world) == {(principal.name, "GET", url): (200, 404, "shows A")}
