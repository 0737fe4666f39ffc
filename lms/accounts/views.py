from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from urllib.parse import urlsplit

from lms.accounts import credentials, invitations, services, throttle, tokens
from lms.accounts.models import User
from lms.accounts.forms import (
    ChangePasswordForm, EndSessionsForm, ForgotPasswordForm, LoginForm, SetPasswordForm,
    SettingsForm, SignupForm,
)
from lms.errors import abort_with
from lms.extensions import csrf, db, limiter
from lms.reminders.services import set_reminders_opt_out

bp = Blueprint("accounts", __name__)


def _rate(name):
    from flask import current_app

    return current_app.config[name]


def _me():
    """The logged-in account as the ORM User itself (not the ``current_user`` proxy), for the
    services that change it; from the session's identity map, so no statement."""
    if not current_user.is_authenticated:
        return None
    return db.session.get(User, current_user.id)


def _login(user):
    """Start a fresh session for ``user`` (no session fixation), carrying its generation."""
    logout_user()
    session.clear()
    login_user(user)


def _failed_login(response):
    return response.status_code == 401


def _reset_email_key():
    """Password-reset requests are also limited per target address."""
    return "reset:" + services.normalise_email(request.form.get("email"))[:254]


def _safe_next(target):
    """Only same-site relative paths: no open redirect through ?next=."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """The language switcher on every page: kept on the account of a person who is logged in,
    in the session otherwise; back to the page it was used on.

    Exempt from CSRF on purpose: it changes only a display preference (a forged post can do
    no more than switch the language, and the Lax session cookie is not sent with another
    site's POST), and a token in every page's footer would give each anonymous visitor a
    session cookie and a page of their own, so the catalogue could never answer 304."""
    from flask import current_app

    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort_with(400, _("This language is not available."))
    if current_user.is_authenticated:
        if current_user.locale != locale:
            current_user.locale = locale
            db.session.commit()
    else:
        session["locale"] = locale
    return redirect(_safe_next(request.form.get("next")) or url_for("courses.catalogue"), code=303)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_SIGNUP"), methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.request_sign_up(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                organisation=form.organisation.data,
                country=form.country.data,
                locale=form.locale.data,
            )
            db.session.commit()
        except (services.EmailTaken, IntegrityError):
            # The same address signed up at the same moment: the other request made it.
            db.session.rollback()
        # The same page whether or not the address had an account: the email says which.
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN"), methods=["POST"])
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN_FAILURES"), methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.catalogue"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("accounts/login.html", form=form), status
    email = form.email.data
    failures, wait = throttle.check(email)
    if wait:
        return _locked(form, wait)
    try:
        user = services.authenticate(email, form.password.data)
    except services.NotVerified as exc:
        credentials.send_verification_again(exc.user)
        db.session.commit()
        flash(_("Confirm your email address first: we have sent you the link again."), "error")
        return render_template("accounts/login.html", form=form), 403
    except services.SigningLockedAccount:
        flash(_("This account is locked after wrong passwords in a row when signing electronically. "
                "An administrator of your organisation must unlock it before you can log in."), "error")
        return render_template("accounts/login.html", form=form), 403
    if user:
        if failures:
            throttle.clear_failures(email)
            db.session.commit()
        _login(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("progress.my_learning"))
    wait = throttle.record_failure(email)
    db.session.commit()
    if wait:
        return _locked(form, wait)
    # The same answer for an unknown email and a wrong password.
    flash(_("Wrong email or password."), "error")
    return render_template("accounts/login.html", form=form), 401


def _locked(form, seconds):
    minutes = max(1, -(-seconds // 60))
    flash(_("Too many failed attempts for this account. Try again in %(n)s minute(s), or reset your password.", n=minutes), "error")
    response = make_response(render_template("accounts/login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out here and end the account's other sessions too: a saved copy of this session's
    cookie no longer works either."""
    user = _me()
    if user is not None:
        credentials.end_sessions(user, "logout")
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("courses.catalogue"))


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_sessions():
    """"Log out everywhere": every other session of the account ends; this one continues."""
    if not EndSessionsForm().validate_on_submit():
        abort_with(400, _("The request could not be understood. Check the form and try again."))
    user = _me()
    credentials.end_sessions(user, "everywhere")
    db.session.commit()
    _login(user)
    flash(_("You are logged out on every other device and browser."), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN_FAILURES"), methods=["POST"], deduct_when=lambda r: r.status_code == 422)
def change_password():
    user = _me()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(user, form.current.data, form.password.data)
        except credentials.WrongPassword:
            db.session.rollback()
            form.current.errors.append(_("This is not your current password."))
        else:
            db.session.commit()
            _login(user)  # this session continues with the new generation; the others end
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form), 422


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user, reminders=not current_user.reminders_opt_out)
    if form.validate_on_submit():
        user = _me()
        user.name = " ".join(form.name.data.split())
        user.locale = form.locale.data
        set_reminders_opt_out(user, not form.reminders.data)
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    status = 422 if request.method == "POST" else 200
    return _settings_page(form=form), status


def _settings_page(form=None, password_form=None):
    if form is None:
        form = SettingsForm(formdata=None, obj=current_user, reminders=not current_user.reminders_opt_out)
    return render_template(
        "accounts/settings.html", form=form, password_form=password_form or ChangePasswordForm(formdata=None),
        end_sessions_form=EndSessionsForm(formdata=None),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
@limiter.limit(lambda: _rate("RATELIMIT_PASSWORD_RESET_EMAIL"), methods=["POST"], key_func=_reset_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        credentials.request_password_reset(form.email.data)
        db.session.commit()
        # The same page whether or not the address has an account.
        return render_template("accounts/reset_sent.html", email=services.normalise_email(form.email.data))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


def _token_user(loader, token):
    try:
        return loader(token)
    except tokens.InvalidToken as exc:
        if str(exc) == "expired":
            abort_with(410, _("This link has expired. Ask for a new one."))
        abort_with(404, _("This link is not valid or has already been used."))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _rate("RATELIMIT_LOGIN"), methods=["POST"])
def reset_password(token):
    """The link from a password-reset email: choose a new password, then you are logged in."""
    user = _token_user(tokens.user_for_reset_token, token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        credentials.reset_password(user, form.password.data)
        throttle.clear_failures(user.email)
        db.session.commit()
        if user.signing_locked_at is not None:  # a new password does not lift a signing lock
            flash(_("Your password is changed, but this account is locked after wrong passwords in a row "
                    "when signing electronically. An administrator of your organisation must unlock it "
                    "before you can log in."), "error")
            return redirect(url_for("accounts.login"))
        _login(user)
        flash(_("Your password is changed. You are logged out everywhere else."), "success")
        return redirect(url_for("progress.my_learning"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/set_password.html", form=form, user=user, reset=True), status


@bp.route("/verify-email/<token>")
def verify_email(token):
    """The link from the sign-up email: the address is confirmed and the account can log in."""
    user = _token_user(tokens.user_for_verification_token, token)
    credentials.verify_email(user)
    db.session.commit()
    flash(_("Your email address is confirmed. Log in to start."), "success")
    return redirect(url_for("accounts.login"))


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
        _login(user)
        flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for("progress.my_learning"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/set_password.html", form=form, user=user), status
