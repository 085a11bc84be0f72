"""The dashboard's filters (a GET form, nothing to forge) and the trust's accreditation target."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from accredit.assessments.services import today_in_london
from accredit.dashboards.models import TARGET_KINDS
from accredit.org.models import TeamType
from forms.fields import OptionalDateField, RequiredDateField


class FilterForm(FlaskForm):
    """Division, service, team type and as-of date, read from the query string."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    division = SelectField("Division", choices={}, coerce=str, validate_choice=False)
    service = SelectField("Service", choices={}, coerce=str, validate_choice=False)
    team_type = SelectField("Team type", coerce=str, validate_choice=False,
                            choices={"": "All team types", **{t.value: t.label for t in TeamType}})
    as_of = OptionalDateField("As of", description="Leave blank for today; a past date shows the figures as they were then.")

    def fill_choices(self, divisions: list, services: list) -> None:
        self.division.choices = {"": "All divisions", **{str(d.id): d.name for d in divisions}}
        self.service.choices = {"": "All services", **{str(s.id): f"{s.name} ({s.division.name})" for s in services}}

    def validate_as_of(self, field: Any) -> None:
        if field.data is not None and field.data > today_in_london():
            raise ValidationError("The as-of date must be today or in the past")
        if field.data is not None and field.data < date(2000, 1, 1):
            raise ValidationError("The as-of date must be in 2000 or later")


class TargetForm(FlaskForm):
    percentage = IntegerField(
        "Share of active teams (%)", description="For example 80 for four in five teams.",
        validators=[InputRequired("Enter the share of teams, from 1 to 100"),
                    NumberRange(1, 100, "The share of teams must be from 1 to 100")])
    award_kind = RadioField("Award", choices=dict(TARGET_KINDS),
                            validators=[InputRequired("Choose the award the target counts")])
    target_on = RequiredDateField("Target date", required="Enter the date the target is to be met by",
                                  invalid="{label} must be a real date, for example 31 March 2028")

    def validate_target_on(self, field: Any) -> None:
        if field.data is not None and field.data <= today_in_london():
            raise ValidationError("The target date must be in the future")
