"""Cross-cutting protections: session loading, security headers, and NHS-style error pages."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from accredit.extensions import db, login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{extra_style}; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorised)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def _load_user(session_id: str) -> Any:
    """Load the user named in the session, if its version still matches (see User.get_id)."""
    from accredit.auth.models import User

    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # Nearly every page asks can(), which reads the user's roles: loaded with the user, in one query.
    user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _unauthorised() -> Any:
    """Pages redirect to sign-in; scripts and API callers asking for JSON get a 401 they can act on."""
    from flask import redirect, url_for

    if _wants_json() or request.headers.get("X-Requested-With") == "fetch":
        from accredit.api.errors import error_response

        return error_response(401, "Sign in to continue")
    from flask import flash

    flash("Sign in to continue")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def allow_inline_styles() -> None:
    """Let this one response use inline styles (the state diagrams' SVG carries its own <style>).

    Scripts stay 'self' only; no page ever allows inline script.
    """
    g.csp_inline_styles = True


def _security_headers(response: Any) -> Any:
    extra = " 'unsafe-inline'" if g.get("csp_inline_styles") else ""
    response.headers.setdefault("Content-Security-Policy", CSP.format(extra_style=extra))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint and not request.endpoint.startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException) -> Any:
    if _wants_json():
        from accredit.api.errors import error_response

        return error_response(error.code or 500, error.name, error.description)
    template = f"errors/{error.code}.html" if error.code in {400, 403, 404, 405, 413, 415, 429, 503} else "errors/generic.html"
    return render_template(template, error=error), error.code


def _server_error(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return _http_error(error)
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    db.session.rollback()
    if _wants_json():
        return jsonify({"error": {"code": "server_error", "message": "Something went wrong", "details": {}}}), 500
    return render_template("errors/500.html"), 500
