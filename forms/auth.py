"""Sign-in, password and user administration forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from accredit.roles import Role

REQUIRED_EMAIL = "Enter your email address"


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(REQUIRED_EMAIL), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = PasswordField(
        "New password",
        description="At least 12 characters. A short sentence is easy to remember.",
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
    )


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class GrantRoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role")])
    scope = SelectField("For", validators=[DataRequired("Choose what the role covers")])
