"""Organisation administration forms: divisions, services, teams, their lifecycle, and the CSV import."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from accredit.extensions import db
from accredit.frameworks.models import Framework
from accredit.org.models import Division, Service, Team, TeamType
from workflows.base import GuardRefused, WorkflowError
from workflows.team import TeamStatus

MAX_IMPORT_BYTES = 2 * 1024 * 1024
NOT_UTF8 = "The file must be CSV text saved as UTF-8. In Excel choose Save as, then 'CSV UTF-8 (Comma delimited)'"


def _optional_int(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty placeholder choice becomes None."""
    return None if value in ("", None) else int(value)


def _optional_team_type(value: Any) -> TeamType | None:
    if value in ("", None) or isinstance(value, TeamType):
        return value or None
    return TeamType(value)


def _code_field(label: str, what: str) -> StringField:
    return StringField(
        label,
        description="A short code used by imports and exports: letters, digits, - or _ (up to 32)",
        validators=[
            DataRequired(f"Enter a code for the {what}"),
            Length(max=32, message="The code must be 32 characters or fewer"),
            Regexp(r"^[A-Za-z0-9_-]+$", message="The code may use only letters, digits, - and _"),
        ],
    )


def _name_field(label: str, what: str) -> StringField:
    return StringField(label, validators=[DataRequired(f"Enter the {what}'s name"), Length(max=200)])


def division_choices() -> list[tuple[str, str]]:
    divisions = db.session.scalars(sa.select(Division).order_by(Division.name))
    return [("", "Choose a division"), *((str(d.id), d.name) for d in divisions)]


def service_choices() -> list[tuple[str, str]]:
    services = db.session.scalars(sa.select(Service).join(Service.division).order_by(Division.name, Service.name))
    return [("", "Choose a service"), *((str(s.id), f"{s.division.name} – {s.name}") for s in services)]


def framework_choices() -> list[tuple[str, str]]:
    """The imported self-assessment frameworks, by key."""
    frameworks = db.session.scalars(
        sa.select(Framework).where(Framework.kind == "self_assessment").order_by(Framework.title)
    )
    return [(f.key, f.title) for f in frameworks]


def merge_target_choices(team: Team) -> list[tuple[str, str]]:
    """Active teams other than `team`; the workflow, not this list, is what refuses a bad target."""
    targets = db.session.scalars(
        sa.select(Team).where(Team.status == TeamStatus.ACTIVE, Team.id != team.id).order_by(Team.name)
    )
    return [("", "Choose a team"), *((str(t.id), f"{t.name} ({t.code})") for t in targets)]


TEAM_TYPE_CHOICES = {"": "Choose a type", **{t.value: t.label for t in TeamType}}


class DivisionForm(FlaskForm):
    code = _code_field("Division code", "division")
    name = _name_field("Division name", "division")


class ServiceForm(FlaskForm):
    division_id = SelectField("Division", coerce=_optional_int, validators=[DataRequired("Choose a division")])
    code = _code_field("Service code", "service")
    name = _name_field("Service name", "service")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.division_id.choices = division_choices()


class _TeamFieldsForm(FlaskForm):
    name = _name_field("Team name", "team")
    team_type = SelectField("Type of team", choices=TEAM_TYPE_CHOICES, coerce=_optional_team_type,
                            validators=[DataRequired("Choose the type of team")])
    service_id = SelectField("Service", coerce=_optional_int, validators=[DataRequired("Choose a service")])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.service_id.choices = service_choices()


class EditTeamForm(_TeamFieldsForm):
    version = HiddenField()  #: the team's version when the page was opened: a concurrent edit is not overwritten


class TeamForm(_TeamFieldsForm):
    code = _code_field("Team code", "team")
    framework_key = SelectField(
        "Self-assessment framework", validators=[DataRequired("Choose the framework the team assesses itself against")]
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.framework_key.choices = framework_choices()


class _TeamChangeForm(FlaskForm):
    """A lifecycle change of one team; `refusal_field` is where a guard's reasons are shown."""

    refusal_field = "reason"
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason"), Length(max=2000)])

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.team = team

    def show_refusal(self, refused: WorkflowError) -> None:
        """Put a workflow's refusal next to the field it concerns, or at the top of the form."""
        if isinstance(refused, GuardRefused):
            getattr(self, self.refusal_field).errors.extend(refused.reasons)
        else:
            self.form_errors.append(refused.reason)

    def validate_on(self, field: DateField) -> None:
        if field.data > date.today():
            raise ValidationError("The date must be today or in the past")
        if field.data < self.team.opened_on:
            raise ValidationError(f"The date cannot be before the team opened ({self.team.opened_on:%-d %B %Y})")


class CloseTeamForm(_TeamChangeForm):
    on = DateField("Closed on", default=date.today, validators=[DataRequired("Enter the date the team closed")])


class ReopenTeamForm(_TeamChangeForm):
    pass


class MergeTeamForm(_TeamChangeForm):
    refusal_field = "into"
    into = SelectField("Merge into", coerce=_optional_int, validate_choice=False,
                       validators=[DataRequired("Choose the team this team merges into")])
    on = DateField("Merged on", default=date.today, validators=[DataRequired("Enter the date of the merger")])

    def __init__(self, *args: Any, team: Team, **kwargs: Any):
        super().__init__(*args, team=team, **kwargs)
        self.into.choices = merge_target_choices(team)


class OrgImportForm(FlaskForm):
    """One CSV upload; after validation `text` holds its decoded content."""

    file = FileField(
        "CSV file", description="UTF-8 text, 2 MB at most",
        validators=[FileRequired("Choose a CSV file to import")],
    )
    text = ""

    def validate_file(self, field: FileField) -> None:
        upload = field.data
        if not (upload.filename or "").lower().endswith(".csv"):
            raise ValidationError("The file must be a CSV file ending in .csv")
        raw = upload.stream.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            raise ValidationError("The file must be 2 MB or smaller; split it and import each part")
        if not raw.strip():
            raise ValidationError("The file is empty")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(NOT_UTF8) from None
        if "\x00" in text:  # UTF-16 and binary files decode but are not CSV text
            raise ValidationError(NOT_UTF8)
        self.text = text
