from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from urllib.parse import urlsplit

from lms.accounts import services
from lms.accounts import invitations

from lms.accounts.models import User
from lms.accounts.forms import LoginForm, SetPasswordForm, SettingsForm, SignupForm
from lms.errors import abort_with
from lms.extensions import db, limiter
from lms.reminders.services import set_reminders_opt_out

bp = Blueprint("accounts", __name__)


def _rate(name):
    from flask import current_app

    return current_app.config[name]


def _safe_next(target):
    """Only same-site relative paths: no open redirect through ?next=."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_SIGNUP"), methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                organisation=form.organisation.data,
                country=form.country.data,
                locale=form.locale.data,
            )
            db.session.commit()
        except (services.EmailTaken, IntegrityError):
            db.session.rollback()
            form.email.errors.append(_("An account with this email already exists. Log in instead."))
        else:
            session.clear()
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("courses.catalogue"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            session.clear()  # no session fixation
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("progress.my_learning"))
        failed = True
        flash(_("Wrong email or password."), "error")
    status = 401 if failed else (422 if request.method == "POST" else 200)
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("courses.catalogue"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user, reminders=not current_user.reminders_opt_out)
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)  # the ORM object itself, not the proxy: it is an event's subject
        user.name = " ".join(form.name.data.split())
        user.locale = form.locale.data
        set_reminders_opt_out(user, not form.reminders.data)
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/settings.html", form=form), status


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN"), methods=["POST"])
def set_password(token):
    """The link from an invitation email: choose a password, then you are logged in."""
    try:
        user = invitations.user_for_token(token)
    except invitations.InvalidToken as exc:
        if str(exc) == "expired":
            abort_with(410, _("This link has expired. Ask your administrator for a new invitation."))
        abort_with(404, _("This link is not valid or has already been used."))
    form = SetPasswordForm()
    if form.validate_on_submit():
        invitations.set_password(user, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        login_user(user)
        flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for("progress.my_learning"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/set_password.html", form=form, user=user), status
