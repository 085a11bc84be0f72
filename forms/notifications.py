"""Notification forms: each person's choice of emails, the buttons on the notifications page, the outbox filters."""
from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from accredit.auth.models import User
from accredit.notifications.models import EmailState, Notification
from accredit.notifications.modes import NotificationMode


class NotificationModeForm(FlaskForm):
    mode = RadioField(
        "How do you want notification emails?",
        choices={m.value: m.label for m in NotificationMode},
        description="Everything also appears on your notifications page, whichever you choose.",
        validators=[InputRequired("Choose how you want notification emails")],
    )


class ActionForm(FlaskForm):
    """A button that changes something (mark read, retry): the CSRF token is the whole form."""


STATE_CHOICES = {"": "Any state", **{s.value: s.label for s in EmailState}}


class OutboxFilterForm(FlaskForm):
    """The outbox's filters, read from the query string (no CSRF: it changes nothing)."""

    state = SelectField("Email state", choices=STATE_CHOICES, validators=[Optional()])
    kind = StringField("Kind", description="For example assessment.overdue", validators=[Optional(), Length(max=64)])
    recipient = StringField("Recipient name or email", validators=[Optional(), Length(max=254)])

    def apply(self, query: sa.Select) -> sa.Select:
        """`query` (over Notification) narrowed by every filled-in filter."""
        if self.state.data:
            query = query.where(Notification.email_state == EmailState(self.state.data))
        if self.kind.data and self.kind.data.strip():
            query = query.where(Notification.kind == self.kind.data.strip())
        if self.recipient.data and self.recipient.data.strip():
            pattern = "%" + _escape_like(self.recipient.data.strip().lower()) + "%"
            people = sa.select(User.id).where(sa.or_(sa.func.lower(User.name).like(pattern, escape="\\"),
                                                     User.email.like(pattern, escape="\\")))
            query = query.where(Notification.recipient_id.in_(people))
        return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
