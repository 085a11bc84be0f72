"""Sign in, sign out and the signed-in user's own account."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from flask_wtf import FlaskForm

from accredit.auth import services
from accredit.extensions import db
from forms.auth import ChangePasswordForm, SignInForm
from forms.notifications import NotificationModeForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a local path is followed after sign-in: no scheme, no host, no `//` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("core.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("core.home")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "unknown")
        except services.SignInRefused as refused:
            db.session.commit()  # the failed attempt must count, even though sign-in failed
            form.form_errors.append(str(refused))
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            db.session.commit()
            return redirect(safe_next(form.next.data))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out", "success")
        return redirect(url_for("auth.sign_in"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_out.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.AccountError as refused:
            field = {"current_password": "current_password"}.get(refused.field or "", "new_password")
            getattr(form, field).errors.append(str(refused))
        else:
            db.session.commit()
            login_user(current_user)  # this session carries the new version; every other one is signed out
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("auth.account"))
    mode_form = NotificationModeForm(mode=current_user.notification_mode.value)
    return render_template("auth/account.html", form=form, mode_form=mode_form)
