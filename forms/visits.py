"""Visit forms: plan a visit, assign a reviewer, rate the domains, comment on the draft, cancel, raise an action."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from accredit.visits.services import MAX_TEXT
from forms.assessments import RATING_CHOICES
from forms.fields import RequiredDateField
from workflows.ratings import Domain
from workflows.visit import VisitKind

# Choices as dicts (value -> label): WTForms deprecates tuples given to a field's constructor.
KIND_CHOICES = {k.value: k.label for k in VisitKind}
DOMAIN_CHOICES = {"": "Choose a domain", **{d.value: d.label for d in Domain}}
RATINGS = dict(RATING_CHOICES)


def _optional_int(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


def _text(label: str, *, required: str | None = None, max_length: int = MAX_TEXT,
          description: str = "") -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"This must be {max_length} characters or fewer"))
    return TextAreaField(label, description=description, validators=validators)


class PlanVisitForm(FlaskForm):
    kind = RadioField("Kind of visit", choices=KIND_CHOICES, default=VisitKind.QRV.value,
                      validators=[DataRequired("Choose the kind of visit")])
    visit_date = RequiredDateField("Date of the visit", required="Enter the date of the visit",
                                   description="The day the reviewers will be with the team")


class AssignReviewerForm(FlaskForm):
    reviewer = SelectField("Reviewer", coerce=_optional_int, validate_choice=False,
                           validators=[DataRequired("Choose a reviewer")])
    is_lead = BooleanField("Lead reviewer for this visit")
    override_reason = _text(
        "Reason for overriding the conflict (quality leads only)", max_length=2000,
        description="Only if the reviewer has a conflict: why they should review this team all the same")

    def set_candidates(self, candidates: list[Any]) -> None:
        """One option per candidate: their name, their load and any reason against them."""
        options = [(None, "Choose a reviewer")]
        for c in candidates:
            load = f"{c.load} open visit{'s' if c.load != 1 else ''}"
            against = f", conflict: {'; '.join(c.reasons)}" if c.reasons else ""
            options.append((c.user.id, f"{c.user.name} ({load}{against})"))
        self.reviewer.choices = options


class DomainRatingForm(Form):
    rating = RadioField("Rating", choices=RATINGS, validators=[Optional()])
    findings = _text("Findings")


class VisitRatingsForm(FlaskForm):
    overall = SelectField("Overall rating", choices={"": "Use the computed rating", **RATINGS},
                          validators=[Optional()],
                          description="Leave it to the CQC ratings principles, or choose another and say why")
    override_reason = _text("Reason for a different overall rating", max_length=2000)
    summary = _text("Summary of the report", description="What the team does well and what must change")
    version = HiddenField()

    def validate_version(self, field: Any) -> None:
        if field.data and not str(field.data).isdigit():
            raise ValidationError("The page is out of date: reload it")


for _domain in Domain:
    setattr(VisitRatingsForm, _domain.value, FormField(DomainRatingForm, label=_domain.label))


class CommentForm(FlaskForm):
    comments = _text("Your comments on the factual accuracy of the draft report",
                     description="Say what is factually wrong and what it should say. You can save and come back.")


class CancelVisitForm(FlaskForm):
    reason = _text("Why is the visit cancelled?", required="Give a reason for cancelling the visit", max_length=2000)


class RaiseActionForm(FlaskForm):
    title = StringField("What must change", validators=[
        DataRequired("Enter what must change"), Length(max=200, message="This must be 200 characters or fewer")])
    finding = _text("The finding it answers", required="Enter the finding the action answers")
    domain = SelectField("Domain", choices=DOMAIN_CHOICES, validators=[DataRequired("Choose the domain")])
    standard_code = StringField("Standard (optional)", description="For example S3", validators=[
        Optional(), Length(max=16, message="The standard must be 16 characters or fewer")])
    owner = SelectField("Owner", coerce=_optional_int, validate_choice=False,
                        validators=[DataRequired("Choose who owns the action")])
    due_on = RequiredDateField("Due date", required="Enter the date the action is due")
