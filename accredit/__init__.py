"""The Flask application factory: extensions, blueprints, CLI commands, template globals."""
from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from config import BASE_DIR, config_for


def create_app(config: type | None = None, **overrides: object) -> Flask:
    """Build an app from a Config class (default: the one ACCREDIT_ENV names) plus overrides."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config or config_for())
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (see README: Configuration)")
    os.makedirs(app.config["VAR_DIR"], exist_ok=True)

    _configure_templates(app)
    _init_extensions(app)
    _register_blueprints(app)

    from accredit import cli, errors, security

    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app


def _configure_templates(app: Flask) -> None:
    # The NHS.UK macros need ChainableUndefined so that optional nested parameters may be left out.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(BASE_DIR / "templates")), PackageLoader("nhsuk_frontend_jinja")]
    )
    # Autoescape the NHS.UK macros too: their files end in .jinja, which Flask would render raw, so every `text`
    # given to a macro (a team name in a breadcrumb, a title in a table) would be live markup. Emails' .txt stay raw.
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined, "autoescape": _autoescape}
    from accredit import template_globals

    template_globals.init_app(app)


def _autoescape(template_name: str | None) -> bool:
    return template_name is not None and template_name.endswith((".html", ".htm", ".xml", ".xhtml", ".svg", ".jinja"))


def _init_extensions(app: Flask) -> None:
    from accredit.extensions import api, csrf, db, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The web server and the scheduler are separate processes writing one file: wait for the other's write
        # (up to SQLITE_BUSY_SECONDS) rather than fail a request or a sweep with "database is locked".
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": app.config.get("SQLITE_BUSY_SECONDS", 30),
                                   **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            sa.event.listen(db.engine, "connect", _postgresql_connected)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    api.init_app(app)
    from accredit import models  # noqa: F401  (every table registered before Alembic looks)
    from accredit import predicates  # noqa: F401  (every domain's permission predicates registered)


def _postgresql_connected(dbapi_connection: Any, _record: Any) -> None:
    """Each new PostgreSQL connection: its session in UTC, whatever the server's or a pooler's own TimeZone
    (models_base.UTCDateTime takes psycopg's timestamps as they come, and they come in the session's zone), and
    Python lists sent in binary (bulk.binary_arrays)."""
    from accredit.bulk import binary_arrays

    if dbapi_connection.info.parameter_status("TimeZone") != "UTC":
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()
    binary_arrays(dbapi_connection)


def _register_blueprints(app: Flask) -> None:
    from accredit.accreditation import panel_views  # noqa: F401  (its routes join the accreditation blueprint)
    from accredit.accreditation.views import bp as accreditation_bp
    from accredit.actions.views import bp as actions_bp
    from accredit.api import register as register_api
    from accredit.assessments.views import bp as assessments_bp
    from accredit.auth.admin import bp as users_bp
    from accredit.awards.views import bp as awards_bp
    from accredit.auth.views import bp as auth_bp
    from accredit.core.views import bp as core_bp
    from accredit.deadlines.views import bp as deadlines_bp
    from accredit.evidence.views import bp as evidence_bp
    from accredit.frameworks.views import bp as frameworks_bp
    from accredit.notifications.admin import bp as outbox_bp
    from accredit.notifications.views import bp as notifications_bp
    from accredit.org.admin import bp as org_admin_bp
    from accredit.org.views import bp as org_bp
    from accredit.visits.views import bp as visits_bp

    for bp in (core_bp, auth_bp, users_bp, org_bp, org_admin_bp, frameworks_bp, evidence_bp, assessments_bp,
               visits_bp, notifications_bp, outbox_bp, deadlines_bp, actions_bp, accreditation_bp, awards_bp):
        app.register_blueprint(bp)
    from accredit.dashboards.views import bp as dashboards_bp

    app.register_blueprint(dashboards_bp)
    from accredit.stepup.views import bp as stepup_bp

    app.register_blueprint(stepup_bp)
    register_api(app)
