"""Account state changes: users, role grants, sign-in with lockout, API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from accredit import audit
from accredit.auth.models import ApiToken, RoleAssignment, SignInAttempt, User
from accredit.auth.passwords import hash_password, password_problem, verify_password
from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.roles import Role, ScopeKind


class AccountError(ValueError):
    """A refused account change; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class SignInRefused(AccountError):
    pass


class SignInLocked(SignInRefused):
    """Refused because the account or the address is locked out, whatever the password."""


LOCKED_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes or ask your administrator."
BAD_CREDENTIALS = "Enter a correct email address and password"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, *, password: str | None = None, by: Any = None) -> User:
    """Add an active user. Raises AccountError for a taken email or a weak password. Audited."""
    email = normalise_email(email)
    if user_by_email(email) is not None:
        raise AccountError(f"A user with the email {email} already exists", field="email")
    user = User(email=email, name=name.strip())
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, by=by, data={"email": email})
    return user


def _set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; signs out every other session and token."""
    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not correct", field="current_password")
    _set_password(user, new)
    user.session_version += 1
    audit.record("user.password_change", user, by=user)


def set_password(user: User, new: str, *, by: Any) -> None:
    """An administrator sets `user`'s password. Raises AccountError (field `password`) for a weak one.

    Side effects: the new hash, session_version bumped (signs the user out of every session and token),
    one audit row `user.password_set` (without the password).
    """
    _set_password(user, new)
    user.session_version += 1
    audit.record("user.password_set", user, by=by)
    db.session.flush()


def grant_role(user: User, role: Role, scope_kind: ScopeKind, scope_id: int | None, *, by: Any = None) -> RoleAssignment:
    """Give `user` a role for a scope. Raises AccountError if already held or the scope is wrong. Audited."""
    if scope_kind is ScopeKind.TRUST:
        scope_id = None
    elif scope_id is None:
        raise AccountError(f"A {scope_kind.value} scope needs an id", field="scope")
    if role is Role.ADMIN and scope_kind is not ScopeKind.TRUST:
        raise AccountError("Administrators are held for the whole trust", field="scope")
    _check_scope_exists(scope_kind, scope_id)
    if any(a.role is role and a.scope_kind is scope_kind and a.scope_id == scope_id for a in user.roles):
        raise AccountError(f"{user.name} already holds this role for this scope", field="role")
    grant = RoleAssignment(role=role, scope_kind=scope_kind, scope_id=scope_id, granted_by_id=getattr(by, "id", None))
    user.roles.append(grant)
    db.session.flush()
    audit.record("role.grant", user, by=by, data={"role": role.value, "scope": grant.scope_key})
    return grant


def _check_scope_exists(scope_kind: ScopeKind, scope_id: int | None) -> None:
    from accredit.org.models import Division, Service, Team

    model = {ScopeKind.DIVISION: Division, ScopeKind.SERVICE: Service, ScopeKind.TEAM: Team}.get(scope_kind)
    if model is not None and db.session.get(model, scope_id) is None:
        raise AccountError(f"There is no {scope_kind.value} with id {scope_id}", field="scope")


def revoke_role(grant: RoleAssignment, *, by: Any = None) -> None:
    """Remove one role grant; the last active trust administrator cannot lose the role. Audited."""
    if grant.role is Role.ADMIN and _active_admin_count(excluding_user=grant.user) == 0:
        raise AccountError("You cannot remove the last administrator")
    user = grant.user
    user.roles.remove(grant)
    audit.record("role.revoke", user, by=by, data={"role": grant.role.value, "scope": grant.scope_key})
    db.session.flush()


def set_active(user: User, active: bool, *, by: Any = None) -> None:
    """Deactivate (signs out everywhere) or reactivate a user. The last administrator stays. Audited."""
    if user.active == active:
        return
    if not active and _is_admin(user) and _active_admin_count(excluding_user=user) == 0:
        raise AccountError("You cannot deactivate the last administrator")
    user.active = active
    user.session_version += 1
    audit.record("user.activate" if active else "user.deactivate", user, by=by)
    db.session.flush()


def _is_admin(user: User) -> bool:
    return any(a.role is Role.ADMIN for a in user.roles)


def _active_admin_count(*, excluding_user: User | None = None) -> int:
    query = (
        sa.select(sa.func.count(sa.distinct(User.id)))
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.ADMIN, User.active.is_(True))
    )
    if excluding_user is not None:
        query = query.where(User.id != excluding_user.id)
    return db.session.scalar(query) or 0


def is_locked_out(email: str, address: str, now: datetime | None = None) -> bool:
    """True if the account or the address has had too many failures in the lockout window."""
    now = now or utcnow()
    window_start = now - timedelta(minutes=current_app.config["LOCKOUT_WINDOW_MINUTES"])
    limit = current_app.config["LOCKOUT_ATTEMPTS"]
    failures = sa.select(sa.func.count()).select_from(SignInAttempt).where(
        SignInAttempt.succeeded.is_(False), SignInAttempt.at >= window_start
    )
    by_email = db.session.scalar(failures.where(SignInAttempt.email == normalise_email(email))) or 0
    by_address = db.session.scalar(failures.where(SignInAttempt.address == address)) or 0
    return by_email >= limit or by_address >= limit


def authenticate(email: str, password: str, address: str) -> User:
    """Check credentials, recording the attempt. Returns the user or raises SignInRefused.

    The attempt row is flushed with the caller's transaction; callers commit even on refusal so
    that failures count across workers.
    """
    email = normalise_email(email)
    if is_locked_out(email, address):
        db.session.add(SignInAttempt(email=email, address=address, succeeded=False))
        raise SignInLocked(LOCKED_MESSAGE)
    user = user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    db.session.add(SignInAttempt(email=email, address=address, succeeded=ok))
    if not ok:
        raise SignInRefused(BAD_CREDENTIALS)
    user.last_sign_in_at = utcnow()
    audit.record("user.sign_in", user, by=user)
    return user


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token: returns the raw value (shown once) and the stored row (hash only)."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=_token_digest(raw),
        session_version=user.session_version,
        expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]),
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def token_for(raw: str) -> ApiToken | None:
    """The live token for a raw bearer value: not expired, not revoked, user active and not re-versioned."""
    # The token's user and roles come with it (every API request asks can()): one query, not three.
    token = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(raw))
        .options(joinedload(ApiToken.user).joinedload(User.roles))
    ).unique().one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active or token.user.session_version != token.session_version:
        return None
    return token


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.flush()
