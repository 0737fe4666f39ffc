"""Administrators manage users: change role, deactivate and reactivate."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from lms.accounts import services
from lms.accounts.admin_forms import ROLE_LABELS, ActiveForm, RoleForm, UserSearchForm, grantable_roles
from lms.accounts.auth import require
from lms.policy import Forbidden, organisation_scope
from lms.accounts.models import User
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import page_number

bp = Blueprint("user_admin", __name__, url_prefix="/admin/users")
PER_PAGE = 50


@bp.route("/")
@login_required
def users():
    require("user.manage")
    form = UserSearchForm(request.args)
    query = select(User)
    scope = organisation_scope(current_user)
    if scope is not None:  # an org admin lists their own organisation's people only
        query = query.where(User.organisation_id == scope)
    if form.validate():
        if form.q.data:
            needle = "%" + form.q.data.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(func.lower(User.name).like(needle, escape="\\"), User.email.like(needle, escape="\\")))
        if form.role.data:
            query = query.where(User.role == form.role.data)
    page = page_number(request.args)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(User.name, User.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "accounts/admin_users.html", form=form, users=rows, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)), args=args, role_labels=ROLE_LABELS,
        grantable=grantable_roles(current_user), role_form=RoleForm(), active_form=ActiveForm(),
    )


def _target(user_id):
    """The person a change names: 404 when there is none, 403 when the administrator may not
    manage them (another organisation's person, or a site admin for an org admin)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort_with(404, _("There is no such user."))
    if user.id != current_user.id:  # changing oneself is answered 409 below
        require("user.manage", user)
    return user


def _back():
    return redirect(request.referrer if request.referrer and "/admin/users" in request.referrer else url_for("user_admin.users"))


def _refuse_reason(form):
    """The reason is missing or too long: 422 with what the form said; nothing changed."""
    abort_with(422, " ".join(str(e) for e in form.reason.errors))


@bp.route("/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(user_id):
    require("user.manage")
    user = _target(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        if set(form.errors) - {"reason"}:
            abort_with(422, _("Choose one of the roles offered."))
        _refuse_reason(form)
    try:
        changed = services.change_role(current_user, user, form.role.data, form.reason.data)
    except services.MissingReason as exc:
        db.session.rollback()
        abort_with(422, str(exc.message))
    except services.CannotManageSelf:
        abort_with(409, _("You cannot change your own role. Ask another administrator."))
    except Forbidden:
        abort_with(403, _("You do not have permission to manage users."))
    db.session.commit()
    if changed:
        flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    return _back()


@bp.route("/<int:user_id>/active", methods=["POST"])
@login_required
def set_active(user_id):
    require("user.manage")
    user = _target(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        if set(form.errors) - {"reason"}:
            abort_with(422, _("The request could not be understood. Check the form and try again."))
        _refuse_reason(form)
    try:
        services.set_active(current_user, user, form.active.data == "1", form.reason.data)
    except services.MissingReason as exc:
        db.session.rollback()
        abort_with(422, str(exc.message))
    except services.CannotManageSelf:
        abort_with(409, _("You cannot deactivate your own account."))
    except Forbidden:
        abort_with(403, _("You do not have permission to manage users."))
    db.session.commit()
    if user.is_active_account:
        flash(_("%(name)s can log in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and can no longer log in. Their records are kept.", name=user.name), "success")
    return _back()
