"""Links in notifications: page paths built outside any request (jobs), made absolute for emails."""
from __future__ import annotations

from typing import Any

from flask import current_app


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page, e.g. `/self-assessments/3`; works in a job, where url_for has no request."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(path: str | None) -> str | None:
    """`path` on the site's public address (APP_BASE_URL), for email bodies."""
    if path is None:
        return None
    return current_app.config["APP_BASE_URL"].rstrip("/") + path
