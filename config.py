"""Settings, read from the environment: SQLite by default, DATABASE_URL for PostgreSQL."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults; a deployment overrides them with environment variables."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # required outside development; see create_app
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'accredit.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    VAR_DIR = Path(os.environ.get("ACCREDIT_VAR_DIR", BASE_DIR / "var"))
    EVIDENCE_DIR = Path(os.environ.get("EVIDENCE_DIR", VAR_DIR / "evidence"))

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8  # one shift
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: long forms must not expire under staff

    # Evidence: the largest file accepted, and the request limit just above it (the rest of the form fits in 64 KB).
    EVIDENCE_MAX_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
    MAX_CONTENT_LENGTH = EVIDENCE_MAX_BYTES + 64 * 1024
    #: deleted evidence is kept (hidden) this long, then its file and content are purged; the audit trail stays
    EVIDENCE_RETENTION_DAYS = int(os.environ.get("EVIDENCE_RETENTION_DAYS", 90))
    EVIDENCE_STORAGE = os.environ.get("EVIDENCE_STORAGE", "local")  #: "local" (EVIDENCE_DIR) or "s3"
    # S3-compatible storage; credentials come from boto3's usual chain (environment, profile, instance role).
    S3_BUCKET = os.environ.get("S3_BUCKET")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL")  #: None for AWS itself
    S3_REGION = os.environ.get("S3_REGION")
    LOCKOUT_ATTEMPTS = 5
    LOCKOUT_WINDOW_MINUTES = 15
    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", 12))
    TRUST_NAME = os.environ.get("TRUST_NAME", "Demo NHS Foundation Trust")
    TIMEZONE = "Europe/London"

    API_TITLE = "Accredit API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Email: notifications are outbox rows first; the scheduler delivers them by SMTP (accredit/notifications).
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", 25))
    SMTP_USE_TLS = _env_bool("SMTP_USE_TLS", False)  #: STARTTLS after connecting
    SMTP_USE_SSL = _env_bool("SMTP_USE_SSL", False)  #: TLS from the first byte (port 465)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")  # from the environment only, never a default
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", 10))
    MAIL_FROM = os.environ.get("MAIL_FROM", "accredit@localhost")
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", 6))  #: then `failed`, until an admin retries
    NOTIFY_DIGEST_HOUR = int(os.environ.get("NOTIFY_DIGEST_HOUR", 7))  #: daily digests go out from this hour (London)
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")  #: links in emails
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", 60))
    #: sweeps run side by side on PostgreSQL (each in a worker process of its own); SQLite runs one at a time
    SCHEDULER_WORKERS = int(os.environ.get("SCHEDULER_WORKERS", 2))
    #: a sweep's worker still running this long is killed and the sweep failed (rolled back; the next run retries)
    SCHEDULER_SWEEP_TIMEOUT_SECONDS = float(os.environ.get("SCHEDULER_SWEEP_TIMEOUT_SECONDS", 1800))


class DevelopmentConfig(Config):
    """`make run`: plain HTTP on 127.0.0.1, a fixed dev secret that is never used in production."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-not-secret")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    """The test suite: TEST_DATABASE_URL picks PostgreSQL, otherwise a throwaway SQLite file."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}


CONFIGS = {"development": DevelopmentConfig, "production": Config, "test": TestConfig}


def config_for(name: str | None = None) -> type[Config]:
    """The Config class named by `name` or by ACCREDIT_ENV (default development)."""
    return CONFIGS[name or os.environ.get("ACCREDIT_ENV", "development")]
