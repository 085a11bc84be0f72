"""The shared required date field (forms/fields.py) in each form that uses it: what a blank and an unreadable date
are told, and that the three forms which had their own copies now share it."""
from __future__ import annotations

from datetime import date

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from forms.actions import EditActionForm, RaiseActionForm
from forms.deadlines import PauseForm
from forms.fields import LABELLED_REAL_DATE, RequiredDateField
from forms.visits import PlanVisitForm, RaiseActionForm as VisitActionForm


class _Form(FlaskForm):
    class Meta:
        csrf = False

    day = RequiredDateField("Day of the audit", required="Enter the day of the audit")
    labelled = RequiredDateField("Review day", required="Enter the review day", invalid=LABELLED_REAL_DATE)


@pytest.mark.parametrize("typed, day_error, labelled_error", [
    ({"day": "", "labelled": " "}, "Enter the day of the audit", "Enter the review day"),
    ({"day": "2026-02-30", "labelled": "soon"}, "Enter a real date, for example 3 March 2026",
     "Review day must be a real date, for example 14 March 2026"),  # not swallowed by the required message
    ({}, "Enter the day of the audit", "Enter the review day"),
])
def test_required_date_says_what_is_wrong(app, typed, day_error, labelled_error):
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict(typed))
        assert form.validate() is False
        assert (form.day.errors, form.labelled.errors) == ([day_error], [labelled_error])


def test_required_date_reads_a_date_and_draws_as_a_date_input(app):
    with app.test_request_context(method="POST"):
        form = _Form(formdata=MultiDict({"day": "2026-03-03", "labelled": "2026-03-04"}))
        assert (form.validate(), form.day.data, form.labelled.data) == (True, date(2026, 3, 3), date(2026, 3, 4))
        assert (form.day.type, form.labelled.type) == ("DateField", "DateField")


@pytest.mark.parametrize("form_class, name, required", [
    (PlanVisitForm, "visit_date", "Enter the date of the visit"),
    (VisitActionForm, "due_on", "Enter the date the action is due"),
    (RaiseActionForm, "due_on", "Enter the date the action is due"),
    (EditActionForm, "due_on", "Enter the date the action is due"),
    (PauseForm, "starts_on", "Enter the first paused day"),
    (PauseForm, "until", "Enter the last paused day"),
])
def test_every_required_date_is_the_shared_field(app, form_class, name, required):
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({name: ""}), meta={"csrf": False})
        form.validate()
        assert (isinstance(form[name], RequiredDateField), form[name].errors) == (True, [required])
