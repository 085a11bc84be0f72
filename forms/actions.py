"""Improvement action forms: filter the plan, raise and edit an action, complete it with evidence, reopen it."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from accredit.actions.services import MAX_REASON, MAX_TEXT, MAX_TITLE
from forms.assessments import ConfirmForm, MultiCheckboxField  # noqa: F401  (ConfirmForm: start and verify)
from forms.fields import RequiredDateField
from workflows.action import ActionStatus
from workflows.ratings import Domain

# Choices as a dict (value -> label): WTForms deprecates tuples given to a field's constructor.
STATE_CHOICES = {"": "Any state", **{s.value: s.label for s in ActionStatus}}


def _optional_int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _length(limit: int) -> Length:
    return Length(max=limit, message=f"This must be {limit} characters or fewer")


def focus_choices(standards: Iterable[Any]) -> list[tuple[str, str]]:
    """Each domain, followed by its standards, for one select: `domain:safe` or `standard:S1`."""
    by_domain: dict[Domain, list[Any]] = {d: [] for d in Domain}
    for standard in standards:
        by_domain[standard.domain].append(standard)
    choices = [("", "Choose a domain or standard")]
    for domain, members in by_domain.items():
        choices.append((f"domain:{domain.value}", f"{domain.label} (the whole domain)"))
        choices += [(f"standard:{s.code}", f"{s.code} {s.title}") for s in members]
    return choices


def parse_focus(value: str | None) -> tuple[Domain | None, str | None]:
    """(domain, standard code) from a focus choice; (None, None) when nothing or nonsense was sent."""
    kind, _, key = (value or "").partition(":")
    if kind == "domain" and key in {d.value for d in Domain}:
        return Domain(key), None
    if kind == "standard" and key:
        return None, key
    return None, None


def focus_value(action: Any) -> str:
    """The focus choice an existing action is for."""
    if action.standard_code:
        return f"standard:{action.standard_code}"
    return f"domain:{action.domain.value}" if action.domain else ""


class PlanFilterForm(FlaskForm):
    """The plan's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    owner = SelectField("Owner", coerce=_optional_int, validate_choice=False, validators=[Optional()])

    def set_owners(self, owners: Iterable[Any]) -> None:
        self.owner.choices = [("", "Anyone"), *((u.id, u.name) for u in owners)]

    @property
    def chosen_state(self) -> ActionStatus | None:
        return ActionStatus(self.state.data) if self.state.data in {s.value for s in ActionStatus} else None


def _owner_field() -> SelectField:
    return SelectField("Owner", coerce=_optional_int, validate_choice=False,
                       validators=[DataRequired("Choose who owns the action")],
                       description="The person who makes sure it is done: one of the team's staff")


def _set_owner_choices(field: SelectField, owners: Iterable[Any]) -> None:
    field.choices = [("", "Choose an owner"), *((u.id, u.name) for u in owners)]


class RaiseActionForm(FlaskForm):
    title = StringField("What must change", validators=[DataRequired("Enter what must change"), _length(MAX_TITLE)])
    finding = TextAreaField(
        "The finding it answers (optional)", validators=[Optional(), _length(MAX_TEXT)],
        description="What a review, an audit or the team found. Leave it blank for the team's own idea.")
    description = TextAreaField("How it will be done (optional)", validators=[Optional(), _length(MAX_TEXT)])
    focus = SelectField("Domain or standard", validate_choice=False,
                        validators=[DataRequired("Choose the domain or standard the action is for")])
    owner = _owner_field()
    due_on = RequiredDateField("Due date", required="Enter the date the action is due")

    def set_choices(self, owners: Iterable[Any], standards: Iterable[Any]) -> None:
        _set_owner_choices(self.owner, owners)
        self.focus.choices = focus_choices(standards)

    def validate_focus(self, field: Any) -> None:
        if parse_focus(field.data) == (None, None):
            raise ValidationError("Choose the domain or standard the action is for")


class EditActionForm(FlaskForm):
    title = StringField("What must change", validators=[DataRequired("Enter what must change"), _length(MAX_TITLE)])
    description = TextAreaField("How it will be done (optional)", validators=[Optional(), _length(MAX_TEXT)])
    owner = _owner_field()
    due_on = RequiredDateField("Due date", required="Enter the date the action is due")
    version = HiddenField()

    def set_choices(self, owners: Iterable[Any]) -> None:
        _set_owner_choices(self.owner, owners)

    def validate_version(self, field: Any) -> None:
        if not str(field.data or "").isdigit():
            raise ValidationError("The page is out of date: reload it")


class CompleteActionForm(FlaskForm):
    note = TextAreaField("What was done", validators=[DataRequired("Say what was done to complete the action"),
                                                      _length(MAX_TEXT)],
                         description="The reviewer or quality lead reads this before they verify the action.")
    evidence = MultiCheckboxField("Evidence from the team's library (optional)", coerce=int)


class ReopenActionForm(FlaskForm):
    reason = TextAreaField("Why are you reopening it?", validators=[DataRequired("Give a reason for reopening it"),
                                                                    _length(MAX_REASON)],
                           description="The team sees this on the action, so say what is still needed.")
