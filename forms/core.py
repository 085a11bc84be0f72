"""Filters for the audit trail."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from accredit.audit import AuditEvent
from accredit.auth.models import User

LONDON = ZoneInfo("Europe/London")  # the trust's days start at midnight UK time


class AuditFilterForm(FlaskForm):
    action = StringField("Action", description="For example user.create or submit", validators=[Optional(), Length(max=64)])
    subject_type = StringField("Record type", description="For example teams or users", validators=[Optional(), Length(max=64)])
    actor = StringField("Done by (email)", validators=[Optional(), Length(max=254)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")

    def apply(self, query: sa.Select) -> sa.Select:
        """`query` narrowed by every filled-in filter."""
        if self.action.data:
            query = query.where(AuditEvent.action == self.action.data.strip())
        if self.subject_type.data:
            query = query.where(AuditEvent.subject_type == self.subject_type.data.strip())
        if self.actor.data:
            query = query.join(User, User.id == AuditEvent.actor_id).where(User.email == self.actor.data.strip().lower())
        if self.date_from.data:
            query = query.where(AuditEvent.at >= datetime.combine(self.date_from.data, time.min, LONDON))
        if self.date_to.data:
            query = query.where(AuditEvent.at < datetime.combine(self.date_to.data + timedelta(days=1), time.min, LONDON))
        return query
