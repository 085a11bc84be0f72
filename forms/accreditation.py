"""Accreditation forms: a reason, a portfolio entry, a pre-panel verdict, members, the panel, declarations,
the decision per domain, an appeal and its resolution."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from accredit.accreditation.common import MAX_TEXT
from forms.assessments import RATING_CHOICES, MultiCheckboxField
from forms.fields import RequiredDateField
from forms.visits import _optional_int
from workflows.ratings import Domain


def _text(label: str, *, required: str | None = None, max_length: int = MAX_TEXT, description: str = ""):
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"This must be {max_length} characters or fewer"))
    return TextAreaField(label, description=description, validators=validators)


class ReasonForm(FlaskForm):
    reason = _text("Reason", required="Give a reason", max_length=2000)


class EntryForm(FlaskForm):
    statement = _text("Your statement for this standard",
                      description="How the team meets the standard, in your own words; the panel reads it beside "
                                  "the evidence")
    evidence = MultiCheckboxField("Evidence from the team's library", coerce=int)


class VerdictForm(FlaskForm):
    verdict = RadioField("Is the evidence robust?", choices={"robust": "Robust", "needs_more": "Needs more"},
                         validators=[DataRequired("Choose robust or needs more")])
    comment = _text("What should the team strengthen?",
                    description="Needed for 'Needs more': the team sees exactly this")


class MemberForm(FlaskForm):
    member = SelectField("Pre-panel member", coerce=_optional_int, validate_choice=False,
                         validators=[DataRequired("Choose a panel member")])
    override_reason = _text("Reason for overriding a conflict (quality leads only)", max_length=2000)


class PanelForm(FlaskForm):
    panel_date = RequiredDateField("Date of the panel", required="Enter the date of the panel")
    chair = SelectField("Chair", coerce=_optional_int, validate_choice=False,
                        validators=[DataRequired("Choose the chair")])
    members = MultiCheckboxField("Members", coerce=int,
                                 description="At least two besides the chair, one from outside the team's division")
    override_reason = _text("Reason for overriding a conflict (quality leads only)", max_length=2000,
                            description="Only if someone chosen has a conflict: why they should sit all the same")


class DeclarationForm(FlaskForm):
    member = SelectField("Panel member", coerce=_optional_int, validate_choice=False,
                         validators=[DataRequired("Choose the panel member")])
    declaration = _text("What they declared", max_length=2000)
    recused = BooleanField("They step aside for this application (recusal)")
    recusal_reason = _text("Reason for stepping aside", max_length=2000)


class DomainDecisionForm(Form):
    rating = RadioField("Rating", choices=dict(RATING_CHOICES), validators=[Optional()])
    reasons = _text("The panel's reasons")


class DecisionForm(FlaskForm):
    previewed = HiddenField()  #: the ratings the outcome was shown for: confirming needs the same ones

    def ratings(self) -> dict[Domain, str | None]:
        return {d: self[d.value].rating.data or None for d in Domain}

    def fingerprint(self) -> str:
        return ",".join(f"{d.value}={r or ''}" for d, r in self.ratings().items())


for _domain in Domain:
    setattr(DecisionForm, _domain.value, FormField(DomainDecisionForm, label=_domain.label))


class AppealForm(FlaskForm):
    statement = _text("Your grounds for appeal", required="Say on what procedural grounds you appeal",
                      description="An appeal is about how the decision was made: the procedure, not the ratings")


class ResolveAppealForm(FlaskForm):
    outcome = RadioField("Your decision", choices={"upheld": "Uphold: the panel decides again",
                                                   "dismissed": "Dismiss: the decision stands"},
                         validators=[DataRequired("Choose to uphold or dismiss the appeal")])
    reason = _text("Reason", required="Give the reason for your decision", max_length=2000)


def member_choices(people: list[Any], conflicts: dict[int, list[str]], first: str) -> list[tuple[Any, str]]:
    """(id, 'Name (conflict: ...)') options, with a first empty choice."""
    options: list[tuple[Any, str]] = [(None, first)]
    for user in people:
        against = f" (conflict: {'; '.join(conflicts.get(user.id, []))})" if conflicts.get(user.id) else ""
        options.append((user.id, f"{user.name}{against}"))
    return options
