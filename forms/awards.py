"""Award forms: reinstate a suspended award, with the reason."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from accredit.awards.services import MAX_REASON


class ReinstateAwardForm(FlaskForm):
    reason = TextAreaField(
        "Why is the award reinstated?",
        description="For example: 'Follow-up QRV on 3 March rated Good; support plan actions verified.'",
        validators=[DataRequired("Give the reason for reinstating the award"),
                    Length(max=MAX_REASON, message=f"The reason must be {MAX_REASON} characters or fewer")],
    )
    version = HiddenField()
