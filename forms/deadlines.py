"""Pausing a team's deadlines: why, from when, until when."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from forms.fields import LABELLED_REAL_DATE, RequiredDateField


class PauseForm(FlaskForm):
    reason = TextAreaField(
        "Why are the deadlines paused?",
        description="Shown wherever the team's deadlines appear, for example 'Norovirus outbreak: ward closed to admissions'.",
        validators=[InputRequired("Give the reason for the pause"),
                    Length(max=1000, message="The reason must be 1000 characters or fewer")],
    )
    starts_on = RequiredDateField("First paused day", required="Enter the first paused day", invalid=LABELLED_REAL_DATE)
    until = RequiredDateField("Last paused day", required="Enter the last paused day", invalid=LABELLED_REAL_DATE,
                              description="A deadline that falls in the pause moves to this day. No reminder is sent while paused.")
