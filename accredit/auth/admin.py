"""Administering users: create, deactivate, grant and revoke roles, set a password."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy.orm import selectinload

from accredit.auth import services as accounts
from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.org.queries import parse_scope, preload_scopes, scope_choices
from accredit.permissions import can, require
from accredit.roles import Role
from forms.auth import ConfirmForm, GrantRoleForm, SetPasswordForm, UserFilterForm, UserForm

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.before_request
@login_required
@require("users.manage")
def _check_access() -> None:
    """Every page and form here is for trust administrators only."""


@bp.route("/")
def index():
    form = UserFilterForm(request.args, meta={"csrf": False})
    query = sa.select(User).options(selectinload(User.roles)).order_by(sa.func.lower(User.name), User.id)
    if form.validate():
        query = form.apply(query)
    page = db.paginate(query, per_page=50, error_out=False)
    scopes = preload_scopes(grant for user in page.items for grant in user.roles)  # held while rendering
    return render_template("auth/users/index.html", form=form, page=page, scopes=scopes)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.name.data, password=form.password.data or None,
                                        by=current_user)
        except accounts.AccountError as refused:
            _show_error(form, refused)
        else:
            db.session.commit()
            flash(f"{user.name} has been added. Give them a role below.", "success")
            return redirect(url_for(".show", user_id=user.id))
    return render_template("auth/users/new.html", form=form)


@bp.route("/<int:user_id>")
def show(user_id: int):
    user = db.get_or_404(User, user_id)
    return _render_user(user, _grant_form())


@bp.route("/<int:user_id>/roles", methods=["POST"])
def grant(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _grant_form()
    if form.validate_on_submit():
        try:
            scope_kind, scope_id = parse_scope(form.scope.data)
            accounts.grant_role(user, Role(form.role.data), scope_kind, scope_id, by=current_user)
        except ValueError as refused:  # AccountError, or a scope that does not parse
            _show_error(form, refused, default="scope")
        else:
            db.session.commit()
            flash(f"{user.name} is now {Role(form.role.data).label.lower()} for "
                  f"{dict(form.scope.choices)[form.scope.data]}", "success")
            return redirect(url_for(".show", user_id=user.id))
    return _render_user(user, form)


@bp.route("/<int:user_id>/roles/<int:grant_id>/revoke", methods=["GET", "POST"])
def revoke(user_id: int, grant_id: int):
    grant = db.session.get(RoleAssignment, grant_id)
    if grant is None or grant.user_id != user_id:
        abort(404)
    user, form = grant.user, ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.revoke_role(grant, by=current_user)
        except accounts.AccountError as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(f"{user.name} no longer holds that role", "success")
            return _back_to(user)
    return render_template("auth/users/revoke.html", form=form, user=user, grant=grant)


@bp.route("/<int:user_id>/<any(deactivate, reactivate):action>", methods=["GET", "POST"])
def set_active(user_id: int, action: str):
    user, form = db.get_or_404(User, user_id), ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.set_active(user, action == "reactivate", by=current_user)
        except accounts.AccountError as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(f"{user.name} has been {action}d", "success")
            return _back_to(user)
    return render_template("auth/users/set_active.html", form=form, user=user, action=action)


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
def set_password(user_id: int):
    user, form = db.get_or_404(User, user_id), SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.new_password.data, by=current_user)
        except accounts.AccountError as refused:
            form.new_password.errors.append(str(refused))
        else:
            db.session.commit()
            if user.id == current_user.id:
                login_user(user)  # keep this session; every other one is signed out
            flash(f"{user.name}'s password has been set. They have been signed out everywhere.", "success")
            return redirect(url_for(".show", user_id=user.id))
    return render_template("auth/users/set_password.html", form=form, user=user)


def _grant_form() -> GrantRoleForm:
    form = GrantRoleForm()
    form.set_scope_choices(scope_choices())
    return form


def _render_user(user: User, grant_form: GrantRoleForm) -> str:
    return render_template("auth/users/show.html", user=user, grant_form=grant_form)


def _back_to(user: User) -> Any:
    """To the user's page, unless this administrator has just taken away their own access."""
    if can(current_user, "users.manage"):
        return redirect(url_for(".show", user_id=user.id))
    return redirect(url_for("core.home"))


def _show_error(form: Any, refused: ValueError, default: str | None = None) -> None:
    """A refusal next to the field it names (or `default`), else at the top of the form."""
    name = getattr(refused, "field", None) or default
    field = getattr(form, name, None) if name else None
    (field.errors if field is not None else form.form_errors).append(str(refused))
