"""Users, the roles they hold for a scope, sign-in attempts and API tokens."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from accredit.notifications.modes import NotificationMode
from accredit.roles import Role, ScopeKind


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  #: stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))  #: argon2id; None until a password is set
    active: Mapped[bool] = mapped_column(default=True)
    #: bumped on password change or deactivation, which signs out every other session and token
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: notification emails one by one, or one digest a day (the person chooses on their account page)
    notification_mode: Mapped[NotificationMode] = mapped_column(
        enum_column(NotificationMode, "notification_mode"), default=NotificationMode.IMMEDIATE,
        server_default=NotificationMode.IMMEDIATE.value,
    )

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session carries the version, so bumping it invalidates every other session at once.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """A role held for one scope: the trust, a division, a service or a team."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "role", "scope_kind", "scope_id", name="one_grant"),
        sa.CheckConstraint("(scope_kind = 'trust') = (scope_id IS NULL)", name="trust_scope_has_no_id"),
        sa.Index("ix_role_assignments_scope", "scope_kind", "scope_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    scope_kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind, "scope_kind"))
    scope_id: Mapped[int | None] = mapped_column()  #: id of the division, service or team; None for the trust
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])

    @property
    def scope_key(self) -> str:
        """The scope as written on the command line and in the API: `trust`, `division:3`."""
        return "trust" if self.scope_kind is ScopeKind.TRUST else f"{self.scope_kind.value}:{self.scope_id}"


class SignInAttempt(db.Model):
    """Every sign-in attempt, kept in the database so lockout holds across workers."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        sa.Index("ix_sign_in_attempts_email_at", "email", "at"),
        sa.Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    session_version: Mapped[int] = mapped_column()  #: the user's version when issued; a bump revokes it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
