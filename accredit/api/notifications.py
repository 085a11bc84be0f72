"""The caller's own notifications over the API: reminders and escalations, newest first."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user

from accredit.api.blueprint import ApiBlueprint
from accredit.api.pagination import PageArgsSchema, page_schema, paginate
from accredit.notifications.links import absolute_url
from accredit.notifications.queries import own_query

blp = ApiBlueprint("api_notifications", __name__, tag="notifications",
                   description="The caller's notifications: reminders and escalations, also sent by email")


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "For example assessment.due, assessment.overdue"})
    subject = ma.fields.String(required=True)
    link = ma.fields.Function(lambda n: absolute_url(n.link), required=True, allow_none=True,
                              metadata={"type": "string", "nullable": True,
                                        "description": "The page of the thing concerned"})
    created_at = ma.fields.DateTime(required=True)
    read_at = ma.fields.DateTime(required=True, allow_none=True, metadata={"description": "None while unread"})
    body = ma.fields.String(required=True, attribute="body_text", metadata={"description": "The message, as plain text"})


class NotificationFilterSchema(PageArgsSchema):
    unread = ma.fields.Boolean(metadata={"description": "true: only unread notifications"})


@blp.route("/notifications")
@blp.arguments(NotificationFilterSchema, location="query")
@blp.response(200, page_schema(NotificationSchema))
def list_notifications(filters: dict[str, Any]) -> dict[str, Any]:
    """The caller's own notifications, newest first (nobody sees anyone else's)."""
    return paginate(own_query(current_user, unread_only=filters.get("unread", False)), filters)
