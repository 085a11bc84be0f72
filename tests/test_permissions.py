"""Who may do what: every role × scope × action against an expected table, scoped queries, and page access."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

import accredit.predicates  # noqa: F401  (every domain's predicates registered, as create_app does)
from accredit.auth import services as accounts
from accredit.extensions import db
from accredit.org.models import Team
from accredit.permissions import PREDICATES, can, teams_in_scope_clause
from accredit.roles import Role, ScopeKind
from tests.conftest import AuthActions
from tests.helpers import csrf_token_from
from workflows.visit import VisitStatus

TEAMS = ["A1a", "A1b", "A2a", "A2b", "B1a", "B1b", "B2a", "B2b"]
#: scope name -> the teams it covers, written out by hand
SCOPES = {
    "trust": TEAMS,
    "division A": ["A1a", "A1b", "A2a", "A2b"],
    "service A1": ["A1a", "A1b"],
    "team A1a": ["A1a"],
}
ADMIN_SCOPES = {"trust"}  # grant_role refuses administrators anywhere else

TEAM_ROLES = {Role.TEAM_MEMBER, Role.TEAM_LEAD}
REVIEW_ROLES = {Role.REVIEWER, Role.QUALITY_LEAD}


# The expected answer of can(user, action, target), as rules over (role held, whether its scope covers the team).
def any_role(role: Role, covered: bool) -> bool:
    return True


def in_scope(role: Role, covered: bool) -> bool:
    return covered


def trust_admin(role: Role, covered: bool) -> bool:
    return role is Role.ADMIN


def roles_in_scope(*roles: Role):
    return lambda role, covered: role in roles and covered


EXPECTED = {
    "teams.list": any_role,
    "team.view": in_scope,
    "org.manage": trust_admin,
    "users.manage": trust_admin,
    "audit.view": trust_admin,
    "frameworks.view": any_role,
    "frameworks.import": trust_admin,
    "assessment.view": in_scope,
    "assessment.edit": roles_in_scope(*TEAM_ROLES),
    "assessment.submit": roles_in_scope(Role.TEAM_LEAD),
    "assessment.review": roles_in_scope(*REVIEW_ROLES),
    "evidence.view": in_scope,
    "evidence.upload": roles_in_scope(*TEAM_ROLES, Role.QUALITY_LEAD),
    "evidence.edit": roles_in_scope(*TEAM_ROLES, Role.QUALITY_LEAD),
    "evidence.delete": roles_in_scope(Role.TEAM_LEAD, Role.QUALITY_LEAD),  # and the uploader (tests/evidence)
    "visits.overview": lambda role, covered: role in REVIEW_ROLES | {Role.ADMIN},
    "visit.view": in_scope,
    "visit.read_report": in_scope,  # asked of a visit whose draft report has been sent to the team
    "visit.plan": roles_in_scope(Role.QUALITY_LEAD),
    "visit.assign": roles_in_scope(Role.QUALITY_LEAD),
    "visit.schedule": roles_in_scope(Role.QUALITY_LEAD),
    "visit.cancel": roles_in_scope(Role.QUALITY_LEAD),
    # an assigned reviewer may too (tests/visits); the matrix's visit has none
    **{f"visit.{verb}": roles_in_scope(Role.QUALITY_LEAD)
       for verb in ("start", "rate", "draft", "send", "publish", "raise_action")},
    "visit.comment": roles_in_scope(Role.TEAM_LEAD),
    "notifications.outbox": trust_admin,
    "deadlines.pause": roles_in_scope(Role.QUALITY_LEAD),
    "action.view": in_scope,
    "action.raise": roles_in_scope(Role.TEAM_LEAD, *REVIEW_ROLES),
    # the action's owner may too (tests/actions); the matrix's action has none
    "action.edit": roles_in_scope(Role.TEAM_LEAD, Role.QUALITY_LEAD),
    "action.start": roles_in_scope(*TEAM_ROLES),
    "action.complete": roles_in_scope(*TEAM_ROLES),
    "action.verify": roles_in_scope(*REVIEW_ROLES),
    "action.reopen": roles_in_scope(*REVIEW_ROLES),
    "stepup.board": lambda role, covered: role in {Role.QUALITY_LEAD, Role.ADMIN},
    "stepup.view": in_scope,
    "stepup.view_risk": lambda role, covered: (role is Role.QUALITY_LEAD and covered) or role is Role.ADMIN,
    **{f"stepup.{verb}": roles_in_scope(Role.QUALITY_LEAD)
       for verb in ("record_signal", "decide", "step_up", "step_down")},
    "award.view": in_scope,
    "award.reinstate": roles_in_scope(Role.QUALITY_LEAD),
    "award.suspend": lambda role, covered: False,  # a published visit suspends; nobody fires it by hand
    "award.expire": lambda role, covered: False,  # the sweep expires
    "application.view": in_scope,  # its pre-panel and panel members may too (tests/accreditation)
    **{f"application.{verb}": roles_in_scope(Role.TEAM_LEAD)
       for verb in ("start", "decline", "withdraw", "submit", "appeal")},
    "application.edit_portfolio": roles_in_scope(*TEAM_ROLES),
    "application.assign_prepanel": roles_in_scope(Role.QUALITY_LEAD),
    "application.set_panel": roles_in_scope(Role.QUALITY_LEAD),
    "application.declare": roles_in_scope(Role.QUALITY_LEAD),  # the panel's chair may too
    # pre-panel members review, assure and return; the chair decides: the matrix's application has neither
    **{f"application.{verb}": lambda role, covered: False
       for verb in ("review", "assure", "return_to_team", "decide", "expire")},
    # ... and not someone who sat on its panel (tests/accreditation)
    **{f"application.{verb}": roles_in_scope(Role.QUALITY_LEAD, Role.PANEL_CHAIR) for verb in ("uphold", "dismiss")},
}
EXPECTED.update({
    "dashboards.view": lambda role, covered: role in {Role.QUALITY_LEAD, Role.ADMIN},  # their scope's teams only
    "dashboards.set_target": roles_in_scope(Role.QUALITY_LEAD, Role.ADMIN),  # held for the whole trust
})
#: Actions about the whole trust rather than one team: there, "covered" means the role is held for the trust.
TRUST_WIDE_ACTIONS = {"dashboards.set_target"}
FOUNDATION_ACTIONS = {"teams.list", "team.view", "org.manage", "users.manage", "audit.view",
                      "frameworks.view", "frameworks.import"}


def target_for(action: str, team: Team):
    """What the action is asked about: the team itself, or a record belonging to it."""
    if action.startswith("assessment."):
        return SimpleNamespace(team=team, team_id=team.id)
    if action in {"evidence.view", "evidence.edit", "evidence.delete"}:
        return SimpleNamespace(team=team, team_id=team.id, deleted_at=None, uploaded_by_id=None)
    if action.startswith("action.") and action != "action.raise":
        return SimpleNamespace(team=team, team_id=team.id, owner_id=None)
    if action.startswith("award."):
        return SimpleNamespace(team=team, team_id=team.id)
    if action.startswith("application."):
        return SimpleNamespace(team=team, team_id=team.id, members=[], chair=None, panel_of=lambda stage: [],
                               sat_on_panel=lambda user_id: False)
    if action.startswith("visit.") and action != "visit.plan":
        return SimpleNamespace(team=team, team_id=team.id, status=VisitStatus.FACTUAL_ACCURACY, reviewer_ids=list)
    return team


@dataclass
class Trust:
    teams: dict[str, Team]
    scopes: dict[str, tuple[ScopeKind, int | None]]

    def ids(self, names) -> list[int]:
        return sorted(self.teams[n].id for n in names)


@pytest.fixture
def trust(factory) -> Trust:
    """Divisions A and B, each with services 1 and 2, each with teams a and b."""
    teams, scopes = {}, {"trust": (ScopeKind.TRUST, None)}
    for d in "AB":
        division = factory.division(name=f"Division {d}")
        scopes[f"division {d}"] = (ScopeKind.DIVISION, division.id)
        for s in "12":
            service = factory.service(division, name=f"Service {d}{s}")
            scopes[f"service {d}{s}"] = (ScopeKind.SERVICE, service.id)
            for t in "ab":
                teams[f"{d}{s}{t}"] = factory.team(service, name=f"Team {d}{s}{t}")
                scopes[f"team {d}{s}{t}"] = (ScopeKind.TEAM, teams[f"{d}{s}{t}"].id)
    return Trust(teams, scopes)


def user_with(factory, trust: Trust, role: Role, scope: str, *, password: str | None = None):
    user = factory.user(password=password)
    kind, scope_id = trust.scopes[scope]
    accounts.grant_role(user, role, kind, scope_id)
    return user


# --- The matrix --------------------------------------------------------------------------------------------


def test_expected_table_covers_every_registered_action():
    assert sorted(set(PREDICATES) - set(EXPECTED)) == []
    assert sorted(FOUNDATION_ACTIONS - set(PREDICATES)) == []


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_can_matches_expected_table(factory, trust, role):
    mismatches = []
    for scope, covered_teams in SCOPES.items():
        if role is Role.ADMIN and scope not in ADMIN_SCOPES:
            continue
        user = user_with(factory, trust, role, scope)
        for action in sorted(set(EXPECTED) & set(PREDICATES)):
            for name, team in trust.teams.items():
                covered = scope == "trust" if action in TRUST_WIDE_ACTIONS else name in covered_teams
                expected = EXPECTED[action](role, covered)
                actual = can(user, action, target_for(action, team))
                if actual is not expected:
                    mismatches.append((scope, action, name, actual))
    assert mismatches == []


@pytest.mark.parametrize("scope", ["division A", "service A1", "team A1a"])
def test_grant_role_refuses_admin_below_trust(factory, trust, scope):
    user = factory.user(password=None)
    kind, scope_id = trust.scopes[scope]
    with pytest.raises(accounts.AccountError, match="Administrators are held for the whole trust"):
        accounts.grant_role(user, Role.ADMIN, kind, scope_id)
    assert user.roles == []


def test_can_refuses_everything_to_user_without_roles(factory, trust):
    user = factory.user(password=None)
    answers = {(a, n): can(user, a, target_for(a, t)) for a in PREDICATES for n, t in trust.teams.items()}
    assert answers == {key: False for key in answers}


def test_can_refuses_everything_to_inactive_admin(factory, trust):
    factory.user(role=Role.ADMIN, password=None)  # another administrator, so this one may be deactivated
    user = user_with(factory, trust, Role.ADMIN, "trust")
    accounts.set_active(user, False)
    answers = {(a, n): can(user, a, target_for(a, t)) for a in PREDICATES for n, t in trust.teams.items()}
    assert answers == {key: False for key in answers}


def test_can_refuses_everything_to_anonymous(trust):
    anonymous = AnonymousUserMixin()
    answers = {(a, n): can(anonymous, a, target_for(a, t)) for a in PREDICATES for n, t in trust.teams.items()}
    assert answers == {key: False for key in answers}


def test_can_combines_roles_held_for_several_scopes(factory, trust):
    user = user_with(factory, trust, Role.TEAM_MEMBER, "team B1a")
    accounts.grant_role(user, Role.REVIEWER, *trust.scopes["service A2"])
    visible = [n for n, t in trust.teams.items() if can(user, "team.view", t)]
    assert visible == ["A2a", "A2b", "B1a"]


# --- teams_in_scope_clause --------------------------------------------------------------------------------


def _scoped_ids(user, *roles: Role) -> list[int]:
    return sorted(db.session.scalars(sa.select(Team.id).where(teams_in_scope_clause(user, *roles))))


@pytest.mark.parametrize("scope", list(SCOPES))
def test_teams_in_scope_clause_selects_exactly_the_scope(factory, trust, scope):
    user = user_with(factory, trust, Role.QUALITY_LEAD, scope)
    assert _scoped_ids(user) == trust.ids(SCOPES[scope])


def test_teams_in_scope_clause_unions_several_scopes(factory, trust):
    user = user_with(factory, trust, Role.TEAM_MEMBER, "team B2b")
    accounts.grant_role(user, Role.REVIEWER, *trust.scopes["service A2"])
    accounts.grant_role(user, Role.QUALITY_LEAD, *trust.scopes["division B"])
    assert _scoped_ids(user) == trust.ids(["A2a", "A2b", "B1a", "B1b", "B2a", "B2b"])


def test_teams_in_scope_clause_filters_by_role(factory, trust):
    user = user_with(factory, trust, Role.TEAM_LEAD, "team A1a")
    accounts.grant_role(user, Role.REVIEWER, *trust.scopes["division B"])
    assert _scoped_ids(user, Role.TEAM_LEAD) == trust.ids(["A1a"])
    assert _scoped_ids(user, Role.REVIEWER) == trust.ids(["B1a", "B1b", "B2a", "B2b"])
    assert _scoped_ids(user, Role.PANEL_CHAIR) == []


def test_teams_in_scope_clause_is_empty_without_roles(factory, trust):
    assert _scoped_ids(factory.user(password=None)) == []


# --- Pages ---------------------------------------------------------------------------------------------------


def test_team_page_answers_404_outside_scope_like_a_missing_team(client, auth, factory, trust):
    user = user_with(factory, trust, Role.TEAM_LEAD, "service A1", password="correct-horse-battery")
    factory.commit()
    auth.login(user)
    statuses = {name: client.get(f"/teams/{team.id}").status_code for name, team in trust.teams.items()}
    assert statuses == {name: 200 if name in SCOPES["service A1"] else 404 for name in TEAMS}
    outside = client.get(f"/teams/{trust.teams['B1a'].id}")
    missing = client.get("/teams/999999")
    assert missing.status_code == 404
    assert outside.get_data() == missing.get_data()


def test_teams_page_lists_exactly_the_scope(client, auth, factory, trust):
    user = user_with(factory, trust, Role.TEAM_MEMBER, "division A", password="correct-horse-battery")
    factory.commit()
    auth.login(user)
    html = client.get("/teams").get_data(as_text=True)
    assert [n for n in TEAMS if f"Team {n}<" in html] == SCOPES["division A"]


ADMIN_PAGES = ["/audit", "/admin/users/", "/admin/organisation/", "/admin/outbox/"]


def test_admin_pages_answer_200_to_admin(client, auth, factory, trust):
    admin = user_with(factory, trust, Role.ADMIN, "trust", password="correct-horse-battery")
    factory.commit()
    auth.login(admin)
    assert {page: client.get(page).status_code for page in ADMIN_PAGES} == {page: 200 for page in ADMIN_PAGES}


def test_admin_pages_answer_403_to_every_other_role(app, factory, trust):
    statuses = {}
    for role in Role:
        if role is Role.ADMIN:
            continue
        user = user_with(factory, trust, role, "trust", password="correct-horse-battery")
        factory.commit()
        client = app.test_client()
        AuthActions(client).login(user)
        statuses[role] = [client.get(page).status_code for page in ADMIN_PAGES]
    assert statuses == {role: [403] * len(ADMIN_PAGES) for role in Role if role is not Role.ADMIN}


# --- Anonymous visitors, over every route the app has ------------------------------------------------------

PUBLIC_PAGES = {"/sign-in", "/healthz", "/accessibility", "/accredited-teams"}
PUBLIC_API = {("POST", "/api/v1/tokens"), ("GET", "/api/v1/openapi.json")}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _sample_value(converter) -> object:
    """A value the converter accepts: the first choice of an `any(...)`, else 1 (ids, and any string)."""
    items = getattr(converter, "items", None)
    return sorted(items)[0] if items else 1


def _every_route(app) -> list[tuple[str, str]]:
    """(method, url) for every rule and method of the app, path arguments filled in with sample values."""
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        values = {arg: _sample_value(rule._converters[arg]) for arg in rule.arguments}
        url = adapter.build(rule.endpoint, values, method=sorted(rule.methods)[0])
        routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_route_is_listed(app):
    routes = _every_route(app)
    pages = {url for _, url in routes if not url.startswith("/api/")}
    assert PUBLIC_PAGES <= pages
    assert {"/", "/teams", "/teams/1", "/audit", "/account"} <= pages


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(app):
    client = app.test_client()
    refused = {}
    for method, url in _every_route(app):
        path = urlsplit(url).path
        if path in PUBLIC_PAGES or (method, path) in PUBLIC_API:
            continue
        data = None
        if method in WRITE_METHODS and not path.startswith("/api/"):
            # A valid token, so that what is tested is the sign-in check, not CSRF (sign-out clears the session).
            data = {"csrf_token": csrf_token_from(client.get("/sign-in"))}
        response = client.open(url, method=method, data=data)
        if path.startswith("/api/"):
            outcome = (response.status_code, (response.get_json() or {}).get("error", {}).get("code"))
            expected = (401, "unauthorised")
        else:
            outcome = (response.status_code, urlsplit(response.location or "").path)
            expected = (302, "/sign-in")
        if outcome != expected:
            refused[(method, url)] = outcome
    assert refused == {}


@pytest.mark.parametrize("path", sorted(PUBLIC_PAGES) + ["/static/css/app.css"])
def test_public_pages_answer_anonymous_visitors(client, path):
    assert client.get(path).status_code == 200
