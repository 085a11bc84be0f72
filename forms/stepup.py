"""Step-up forms: record a risk signal; decide a level proposal."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from accredit.stepup.services import MAX_TEXT
from forms.fields import RequiredDateField
from workflows.stepup import Severity, SignalKind

_LENGTH = Length(max=MAX_TEXT, message=f"This must be {MAX_TEXT} characters or fewer")
SEVERITY_HINTS = {
    Severity.GREEN: "Green: worth watching",
    Severity.AMBER: "Amber: needs attention",
    Severity.RED: "Red: serious; may step the team up at once",
}


class SignalForm(FlaskForm):
    kind = RadioField("What kind of signal is it?", choices=[(k.value, k.label) for k in SignalKind],
                      validators=[DataRequired("Choose the kind of signal")])
    severity = RadioField("How serious is it?", choices=[(s.value, SEVERITY_HINTS[s]) for s in Severity],
                          validators=[DataRequired("Choose how serious it is")])
    occurred_on = RequiredDateField("When did it happen?", required="Enter the date it happened")
    description = TextAreaField("What happened", description="Say what it was, without naming patients",
                                validators=[DataRequired("Describe what happened"), _LENGTH])


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", choices=[("approve", "Approve the change of level"),
                                                    ("reject", "Reject it: the team stays at its level")],
                          validators=[DataRequired("Choose whether to approve or reject the proposal")])
    note = TextAreaField("Note", description="Why you decided this; the team's history keeps it",
                         validators=[DataRequired("Give a note saying why"), _LENGTH])
