"""The app as production serves it, plus `/bench/constant`: the baseline a page is measured against.

The baseline is a route of the same app, so it passes the same request hooks (sessions, security headers) under
the same gunicorn and settings; whatever a page costs beyond it is the page's own work.
"""
from __future__ import annotations

from wsgi import app


@app.get("/bench/constant")
def constant() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}
