"""Each person's notifications: the list, opening one (which marks it read), mark read, and the email choice."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from accredit.auth.views import safe_next
from accredit.extensions import db
from accredit.notifications import queries, services
from accredit.notifications.modes import NotificationMode
from forms.auth import ChangePasswordForm
from forms.notifications import ActionForm, NotificationModeForm

bp = Blueprint("notifications", __name__)


def _own(notification_id: int):
    notification = queries.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


@bp.route("/notifications")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = db.paginate(queries.own_query(current_user, unread_only=unread_only), per_page=25, error_out=False)
    return render_template("notifications/index.html", page=page, unread_only=unread_only, form=ActionForm(),
                           unread=queries.unread_count(current_user))


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Go to the thing the notification is about, marking it read on the way."""
    notification = _own(notification_id)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next(notification.link) if notification.link else url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = _own(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(notification)
    db.session.commit()
    flash(f"Marked as read: {notification.subject}", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["POST"])
@login_required
def set_mode():
    """The email choice on the account page (the form is drawn there; it posts here)."""
    form = NotificationModeForm()
    if not form.validate_on_submit():
        return render_template("auth/account.html", form=ChangePasswordForm(formdata=None), mode_form=form), 400
    services.set_notification_mode(current_user, NotificationMode(form.mode.data))
    db.session.commit()
    flash("Your email choice has been saved", "success")
    return redirect(url_for("auth.account"))
