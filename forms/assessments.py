"""The self-assessment form, built per framework: one rating, narrative and evidence choice per standard."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Form, FormField, HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from accredit.assessments.services import MAX_NARRATIVE
from workflows.ratings import Rating

RATING_CHOICES = [(r.value, r.label) for r in reversed(list(Rating))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        # Choices outside the team's library are caught by the service with a clear message.
        return None


class StandardAnswerForm(Form):
    # Choices as a dict (value -> label): WTForms deprecates tuples, warning once per field of 27 forms a page.
    rating = RadioField("Rating", choices=dict(RATING_CHOICES), validators=[Optional()], validate_choice=True)
    narrative = TextAreaField(
        "What is happening and how you know",
        validators=[Length(max=MAX_NARRATIVE, message=f"The narrative must be {MAX_NARRATIVE} characters or fewer")],
    )
    evidence = MultiCheckboxField("Evidence", coerce=int)
    version = HiddenField()

    def validate_version(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError("The page is out of date: reload it")


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "Why are you returning it?",
        description="The team sees this at the top of their self-assessment.",
        validators=[Length(min=1, max=2000, message="Give a reason for returning it to the team")],
    )


class ConfirmForm(FlaskForm):
    """A POST with nothing but its CSRF token: submit, accept, copy forward."""


def build_assessment_form(assessment: Any, evidence_choices: list[tuple[int, str]], formdata: Any = None) -> FlaskForm:
    """A FlaskForm with one StandardAnswerForm per standard, prefixed by its code, filled from the answers."""

    class AssessmentForm(FlaskForm):
        pass

    for response in assessment.responses:
        setattr(AssessmentForm, response.standard.code, FormField(StandardAnswerForm, label=response.standard.title))
    data = {
        r.standard.code: {
            "rating": r.rating.value if r.rating else None,
            "narrative": r.narrative or "",
            "evidence": [e.id for e in r.evidence],
            "version": str(r.version),
        }
        for r in assessment.responses
    }
    form = AssessmentForm(formdata=formdata, data=data) if formdata is not None else AssessmentForm(data=data)
    for response in assessment.responses:
        form[response.standard.code].evidence.choices = dict(evidence_choices)
    return form
