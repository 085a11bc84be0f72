"""Sign-in, password and user administration forms."""
from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from accredit.auth.models import RoleAssignment, User
from accredit.roles import Role

REQUIRED_EMAIL = "Enter your email address"
PASSWORD_HINT = "At least 12 characters. A short sentence is easy to remember."


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(REQUIRED_EMAIL), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = PasswordField(
        "New password",
        description=PASSWORD_HINT,
        validators=[DataRequired("Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again"), EqualTo("new_password", "The passwords do not match")],
    )


class UserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter the person's name"), Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter an email address"), Email("Enter an email address like name@nhs.net"), Length(max=254)],
    )
    password = PasswordField(
        "Initial password",
        description="At least 12 characters. Leave blank to set one later.",
        validators=[Optional(strip_whitespace=False)],
    )


ROLE_CHOICES = {r.value: r.label for r in Role}  #: value -> label (WTForms' shorthand for choices)


class GrantRoleForm(FlaskForm):
    """Scope choices come from the organisation (`accredit.org.queries.scope_choices`), set by the view."""

    role = SelectField("Role", choices={"": "Choose a role", **ROLE_CHOICES}, validators=[DataRequired("Choose a role")])
    scope = SelectField("For", validators=[DataRequired("Choose what the role covers")])

    def set_scope_choices(self, choices: list[tuple[str, str]]) -> None:
        self.scope.choices = [("", "Choose the trust, a division, a service or a team"), *choices]


class SetPasswordForm(FlaskForm):
    """An administrator sets someone else's password (for example after they forgot theirs)."""

    new_password = PasswordField("New password", description=PASSWORD_HINT, validators=[DataRequired("Enter a new password")])
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again"), EqualTo("new_password", "The passwords do not match")],
    )


class ConfirmForm(FlaskForm):
    """A confirmation page's one button: the CSRF token is the whole form."""


STATUS_CHOICES = {"": "Active and inactive", "active": "Active only", "inactive": "Inactive only"}


class UserFilterForm(FlaskForm):
    """The user list's search and filters, read from the query string (no CSRF: it changes nothing)."""

    q = StringField("Name or email", validators=[Optional(), Length(max=254)])
    role = SelectField("Role", choices={"": "Any role", **ROLE_CHOICES}, validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[Optional()])

    def apply(self, query: sa.Select) -> sa.Select:
        """`query` (over User) narrowed by every filled-in filter."""
        if self.q.data and self.q.data.strip():
            pattern = "%" + _escape_like(self.q.data.strip().lower()) + "%"
            query = query.where(
                sa.or_(sa.func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
            )
        if self.role.data:
            holders = sa.select(RoleAssignment.user_id).where(RoleAssignment.role == Role(self.role.data))
            query = query.where(User.id.in_(holders))
        if self.status.data:
            query = query.where(User.active.is_(self.status.data == "active"))
        return query


def _escape_like(text: str) -> str:
    """`text` with LIKE's wildcards escaped, so that a search for `50%` means those three characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
