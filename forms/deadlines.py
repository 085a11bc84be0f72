"""Pausing a team's deadlines: why, from when, until when."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Length


class DayField(DateField):
    """A date field whose unreadable input gets a message that says what to type."""

    def __init__(self, label: str, *, missing: str, **kwargs: object) -> None:
        super().__init__(label, validators=[InputRequired(missing)], **kwargs)
        self.type = "DateField"  # drawn as a date input by macros/forms.html, which goes by type name

    def process_formdata(self, valuelist: list[str]) -> None:
        if not "".join(valuelist).strip():
            self.data = None  # blank: InputRequired says what is missing
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, for example 14 March 2026") from None


class PauseForm(FlaskForm):
    reason = TextAreaField(
        "Why are the deadlines paused?",
        description="Shown wherever the team's deadlines appear, for example 'Norovirus outbreak: ward closed to admissions'.",
        validators=[InputRequired("Give the reason for the pause"),
                    Length(max=1000, message="The reason must be 1000 characters or fewer")],
    )
    starts_on = DayField("First paused day", missing="Enter the first paused day")
    until = DayField("Last paused day", missing="Enter the last paused day",
                     description="A deadline that falls in the pause moves to this day. No reminder is sent while paused.")
