"""When the database is away: a clear 503 (an NHS-styled page, or JSON for /api and /healthz), never a 500.

With `pool_pre_ping` (see config.py) the engine notices dead connections and reconnects by itself, so once
the database is back the next request succeeds; nothing needs restarting.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy.exc as sa_exc
from flask import Flask, current_app, g, jsonify, render_template, request

from accredit.extensions import db, login_manager

RETRY_AFTER_SECONDS = 30
MESSAGE = "The service cannot reach its database just now. Nothing you saved has been lost; try again shortly."


def init_app(app: Flask) -> None:
    for error in (sa_exc.DBAPIError, sa_exc.DisconnectionError, sa_exc.TimeoutError):
        app.register_error_handler(error, _database_error)


def is_database_unavailable(error: BaseException) -> bool:
    """True for a lost or refused connection, a pool timeout, or a database that is shutting down;
    False for errors in a query (a constraint, bad SQL), which are bugs and stay 500s."""
    if isinstance(error, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, sa_exc.OperationalError)
    return False


def _database_error(error: Exception) -> Any:
    if not is_database_unavailable(error):
        from accredit.security import _server_error

        return _server_error(error)
    current_app.logger.warning("database unavailable on %s: %s", request.path, error.__class__.__name__)
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass
    db.session.remove()
    # The page's layout asks for the signed-in user, which means the database: show it as for no one.
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    body = {"error": {"code": "database_unavailable", "message": MESSAGE, "details": {}}}
    if request.path == "/healthz":
        return jsonify({"status": "unavailable", **body}), 503, headers
    if request.path.startswith("/api/"):
        return jsonify(body), 503, headers
    return render_template("errors/503.html", reason=MESSAGE), 503, headers
