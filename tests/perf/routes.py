"""Every GET route of the app, with its URL filled in from a loaded synthetic trust, for the query-count guards.

A route's parameters are filled by name (`team_id` -> the first team, `visit_id` -> that team's first visit, ...),
so a new route is measured as soon as it exists; a parameter no filler knows fails the guard and says so.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from accredit.extensions import db

#: Routes never measured, each with why.
SKIPPED = {
    "static": "files, no queries",
    "auth.sign_out": "signs the client out",
    "auth.sign_in": "the sign-in form: no rows",
    "api-docs.openapi_json": "the OpenAPI document: no rows",
    "core.healthz": "one fixed query",
    "evidence.download": "streams one file; the synthetic trust writes no files",
    "api_evidence.get_evidence_content": "streams one file; the synthetic trust writes no files",
}

#: Who looks at each route, by the start of its path: the admin for administration, the lead of the first team
#: for their own notifications and account, the trust quality lead for everything else.
VIEWERS = [("/admin/", "admin@bench.nhs.uk"), ("/audit", "admin@bench.nhs.uk"),
           ("/notifications", "lead.t00001@bench.nhs.uk"), ("/api/v1/notifications", "lead.t00001@bench.nhs.uk"),
           ("/account", "lead.t00001@bench.nhs.uk"), ("/", "quality.lead@bench.nhs.uk")]


def _first(sql: str) -> Callable[[], object]:
    return lambda: db.session.execute(sa.text(sql)).scalar()


#: How to fill each route parameter: the same entity at every size. bench/ draws a team's history by team and
#: calendar month, so the first team's latest rows are alike in a small and a large trust (ids aside).
LEAD = "(SELECT id FROM users WHERE email = 'lead.t00001@bench.nhs.uk')"
FILLERS: dict[str, Callable[[], object]] = {
    "team_id": lambda: 1,
    "service_id": lambda: 1,
    "division_id": lambda: 1,
    "assessment_id": _first("SELECT max(id) FROM self_assessments WHERE team_id = 1"),
    "visit_id": _first("SELECT max(id) FROM visits WHERE team_id = 1 AND status = 'published'"),
    "action_id": _first("SELECT max(id) FROM actions WHERE team_id = 1"),
    "evidence_id": _first("SELECT max(id) FROM evidence WHERE team_id = 1"),
    "notification_id": _first(f"SELECT max(id) FROM notifications WHERE recipient_id = {LEAD}"),
    "user_id": _first(f"SELECT {LEAD}"),
    "grant_id": _first(f"SELECT min(id) FROM role_assignments WHERE user_id = {LEAD}"),
    "key": lambda: "cqc-kloe-2017",
    "version": _first("SELECT v.version FROM framework_versions v JOIN frameworks f ON f.id = v.framework_id "
                      "WHERE f.key = 'cqc-kloe-2017'"),
    "application_id": _first("SELECT max(id) FROM applications WHERE team_id = 1 AND status = 'decided'"),
    "award_id": _first("SELECT max(id) FROM awards WHERE team_id = 1"),
    "proposal_id": _first("SELECT max(id) FROM stepup_proposals WHERE team_id = 1"),
    "regulation_id": _first("SELECT id FROM stepup_regulations WHERE team_id = 1"),
    "code": _first("SELECT s.code FROM standards s JOIN framework_versions v ON v.id = s.framework_version_id "
                   "JOIN frameworks f ON f.id = v.framework_id WHERE f.kind = 'accreditation' ORDER BY s.position"),
}


@dataclass(frozen=True)
class Target:
    endpoint: str
    url: str
    viewer: str  #: the email of who asks

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")


def get_rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)


def unknown_parameters(app: Flask) -> dict[str, list[str]]:
    """Endpoint -> parameters no filler knows (and no `any(...)` choice gives)."""
    found = {}
    for rule in get_rules(app):
        if rule.endpoint in SKIPPED:
            continue
        missing = [a for a in sorted(rule.arguments) if a not in FILLERS and not _choices(rule, a)]
        if missing:
            found[rule.endpoint] = missing
    return found


def targets(app: Flask) -> list[Target]:
    """Every measured GET route with its URL built from the loaded data (call inside an app context)."""
    result = []
    for rule in get_rules(app):
        if rule.endpoint in SKIPPED or unknown_parameters_of(rule):
            continue
        values = {a: (_choices(rule, a)[0] if _choices(rule, a) else FILLERS[a]()) for a in rule.arguments}
        empty = [a for a, v in values.items() if v is None]
        assert not empty, f"{rule.endpoint}: the synthetic trust has no row for {empty}: make bench/ generate one"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        viewer = next(email for prefix, email in VIEWERS if rule.rule.startswith(prefix))
        result.append(Target(rule.endpoint, url, viewer))
    return result


def unknown_parameters_of(rule: Rule) -> list[str]:
    return [a for a in rule.arguments if a not in FILLERS and not _choices(rule, a)]


def _choices(rule: Rule, argument: str) -> list[str]:
    converter = rule._converters.get(argument)  # werkzeug keeps `any(a, b)` choices on its converter
    return sorted(getattr(converter, "items", None) or [])
