"""Uploading evidence into a team's library and editing its title and review-by date."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

TITLE = "Title"
TITLE_HINT = "What the file shows, for example 'Hand hygiene audit, October 2026'"
REVIEW_BY = "Review by (optional)"
REVIEW_BY_HINT = "After this date the evidence is shown as stale"


def _title_field() -> StringField:
    return StringField(TITLE, description=TITLE_HINT, validators=[
        DataRequired("Enter a title for the evidence"),
        Length(max=200, message="The title must be 200 characters or fewer"),
    ])


class UploadEvidenceForm(FlaskForm):
    file = FileField("File", validators=[FileRequired("Select a file to upload")])
    title = _title_field()
    review_by = DateField(REVIEW_BY, description=REVIEW_BY_HINT, validators=[Optional()])


class EditEvidenceForm(FlaskForm):
    title = _title_field()
    review_by = DateField(REVIEW_BY, description=REVIEW_BY_HINT, validators=[Optional()])
    version = HiddenField()


class DeleteEvidenceForm(FlaskForm):
    reason = TextAreaField("Why are you deleting this evidence?", description=(
        "For example 'Uploaded to the wrong team' or 'Contains patient details'. The reason is kept in the audit trail."
    ), validators=[
        DataRequired("Enter why the evidence is being deleted"),
        Length(max=500, message="The reason must be 500 characters or fewer"),
    ])
    version = HiddenField()
