"""The account emails (password reset, email verification, "someone tried to sign up with your
address"), rendered in the person's language and sent through lms.mail. Run by the worker
(lms.accounts.tasks); the links are made when the email is sent, so a reset link is bound to
the password the account has then (lms.mail.external_link builds them from the URL map)."""
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts import tokens
from lms.accounts.models import User
from lms.audit.services import record_event
from lms.extensions import db
from lms.mail import external_link, render_email, send_mail


def _send(user, name, subject, **context):
    subject, text, html = render_email(name, user.locale, subject, user=user, **context)
    send_mail((user.name, user.email), subject, text, html)


def send_password_reset(email):
    """Email a password-reset link (valid one hour, once) if ``email`` (normalised) belongs to
    an active account; nothing otherwise.

    :return: True when an email was sent
    """
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.is_active:
        return False
    record_event("user.password_reset_requested", user)
    link = external_link("accounts.reset_password", token=tokens.password_reset_token(user))
    _send(user, "password_reset", lambda: _("Reset your password"), link=link)
    return True


def send_verification(user_id):
    """Email the link that confirms a new account's address (nothing once it is verified).

    :return: True when an email was sent
    """
    user = db.session.get(User, user_id)
    if user is None or user.email_verified or not user.is_active:
        return False
    link = external_link("accounts.verify_email", token=tokens.verification_token(user))
    _send(user, "verify_email", lambda: _("Confirm your email address"), link=link)
    return True


def send_signup_attempt(user_id):
    """Tell an account's owner that someone tried to sign up with their address, with the
    links to log in and to reset the password.

    :return: True when an email was sent
    """
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    _send(
        user, "signup_attempt", lambda: _("Someone tried to sign up with your email address"),
        login_link=external_link("accounts.login"), reset_link=external_link("accounts.forgot_password"),
    )
    return True
