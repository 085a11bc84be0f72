"""The outbox, for administrators: what was sent, to whom and when, what failed and why; retry a failure."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.extensions import db
from accredit.notifications import queries, services
from accredit.notifications.models import Notification
from accredit.permissions import require
from forms.notifications import ActionForm, OutboxFilterForm

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


@bp.route("/")
@login_required
@require("notifications.outbox")
def index():
    form = OutboxFilterForm(request.args, meta={"csrf": False})
    query = queries.outbox_query()
    if form.validate():
        query = form.apply(query)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("notifications/outbox.html", form=form, page=page, action=ActionForm())


@bp.route("/<int:notification_id>")
@login_required
@require("notifications.outbox")
def show(notification_id: int):
    notification = db.session.get(Notification, notification_id) or abort(404)
    return render_template("notifications/outbox_item.html", notification=notification, action=ActionForm())


@bp.route("/<int:notification_id>/retry", methods=["POST"])
@login_required
@require("notifications.outbox")
def retry(notification_id: int):
    notification = db.session.get(Notification, notification_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.retry(notification, by=current_user)
    except services.NotificationError as refused:
        db.session.rollback()
        flash(refused.reason)
    else:
        db.session.commit()
        flash(f"The email to {notification.recipient.email} will be sent again within a minute", "success")
    return redirect(url_for("outbox.show", notification_id=notification.id))
