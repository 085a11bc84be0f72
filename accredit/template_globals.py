"""What every template may use: the signed-in user's navigation, `can`, labels and formatters."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from accredit.permissions import can

# (label, endpoint, action that must be allowed); the header shows only what the user may open.
NAVIGATION = [
    ("Home", "core.home", None),
    ("Teams", "org.teams", "teams.list"),
    ("Visits", "visits.overview", "visits.overview"),
    ("Step-up", "stepup.board", "stepup.board"),
    ("Dashboard", "dashboards.index", "dashboards.view"),
    ("Frameworks", "frameworks.index", "frameworks.view"),
    ("Organisation", "org_admin.index", "org.manage"),
    ("Users", "users.index", "users.manage"),
    ("Audit trail", "core.audit", "audit.view"),
    ("Outbox", "outbox.index", "notifications.outbox"),
]


def navigation() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    return [
        {"text": label, "href": url_for(endpoint), "current": _is_current(endpoint)}
        for label, endpoint, action in NAVIGATION
        if action is None or can(current_user, action)
    ]


def _is_current(endpoint: str) -> bool:
    """The menu item for this page's area (core pages are matched exactly: home and audit share a blueprint)."""
    blueprint = endpoint.partition(".")[0]
    return request.endpoint == endpoint or (blueprint != "core" and request.blueprint == blueprint)


def local_datetime(value: datetime | None, fmt: str = "%-d %b %Y, %H:%M") -> str:
    """A UTC timestamp shown in the trust's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (pagination that keeps the filters)."""
    args = {**request.args.to_dict(), **changes}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def scope_label(grant: Any) -> str:
    from accredit.org.queries import scope_name

    return scope_name(grant.scope_kind, grant.scope_id)


def deadline_notice(team_id: int, due: date | None = None) -> Any:
    """The deadline pause to show for a team (and how it moved `due`), or None."""
    from accredit.assessments.services import today_in_london
    from accredit.deadlines.queries import deadline_notice as notice

    return notice(team_id, today_in_london(), due)


def init_app(app: Flask) -> None:
    from accredit.notifications.queries import unread_for_current_user

    app.jinja_env.globals.update(navigation=navigation, can=can, scope_label=scope_label, url_with=url_with,
                                 unread_notifications=unread_for_current_user, deadline_notice=deadline_notice)
    app.jinja_env.filters.update(local_datetime=local_datetime, long_date=long_date)

    @app.context_processor
    def _trust() -> dict[str, Any]:
        return {"trust_name": current_app.config["TRUST_NAME"]}
