"""What every signing page shares: the re-authentication form, the rate limit on signing
posts, and one way to turn a refused signature into a message and an HTTP status.

A view that signs: validate ``SigningForm`` (CSRF), call the signing service; on
``WrongCredentials`` commit (the failure count, the audit event and, at the last try, the lock
and the promised email to the organisation's admins must stay) and refuse; on any other ``SigningRefused`` roll back and refuse; else commit.
"""
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.extensions import limiter
from lms.signatures import services


def _signer_key():
    """Signing posts are counted per signer, as for controlled documents (a company's people
    share one address); a wrong password is also counted per account by check_signer."""
    if current_user.is_authenticated:
        return f"signing:{current_user.id}"
    return f"signing-address:{get_remote_address()}"


signing_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_SIGNING"], scope="sign-off",
                                     key_func=_signer_key, methods=["POST"])


class SigningForm(FlaskForm):
    """Both parts of the login at the first signing of a session (the template leaves the email
    out afterwards, ``services.needs_email``), and the page's single-use nonce."""

    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Give your password to sign.")),
                                                              Length(max=1024)])
    nonce = HiddenField(validators=[DataRequired(), Length(max=64)])


def refusal(error, user, not_signed, asked_email=False):
    """``(message, status)`` for a refused signature.

    :param error: the SigningRefused raised by the services
    :param user: the signer (their failure count says how many tries are left)
    :param not_signed: what did not happen, e.g. "The sign-off was not recorded."
    :param asked_email: the page asked for the email too (the first signing of the session)
    """
    if isinstance(error, services.WrongCredentials):
        if error.locked:
            return (ngettext(
                "That was %(num)d wrong password in a row: signing and login are now locked for your account and "
                "you have been logged out. Your organisation's administrators have been told; one of them can "
                "unlock it.",
                "That was %(num)d wrong passwords in a row: signing and login are now locked for your account and "
                "you have been logged out. Your organisation's administrators have been told; one of them can "
                "unlock it.", user.signing_failures), 403)
        left = max(current_app.config["SIGNING_LOCK_AFTER"] - (user.signing_failures or 0), 0)
        return (" ".join([
            _("The email or password is not correct.") if asked_email else _("The password is not correct."),
            str(not_signed),
            ngettext("After %(num)d more wrong password, signing and login will be locked for your account.",
                     "After %(num)d more wrong passwords, signing and login will be locked for your account.", left),
        ]), 422)
    if isinstance(error, services.SigningLocked):
        return (_("Signing is locked for your account after wrong passwords. Ask your organisation's "
                  "administrator to unlock it."), 403)
    if isinstance(error, services.NonceRefused):
        return (_("This signing page has expired or was used already. Nothing was signed: open the page "
                  "again and sign there."), 409)
    message = getattr(error, "message", None)
    return (str(message) if message else _("The signature was refused. Nothing was signed."), error.status)
