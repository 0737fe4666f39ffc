"""Invitations: accounts created for people (e.g. by bulk enrolment) who then set their own
password through a signed, single-use, expiring link."""
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from lms.accounts.auth import UNUSABLE_PASSWORD, hash_password
from lms.accounts.models import User
from lms.audit.services import record_event
from lms.extensions import db
from lms.mail import external_link, render_email, send_mail
from lms.timeutil import utcnow

SALT = "lms-set-password"
MAX_AGE = 14 * 24 * 3600


class InvalidToken(Exception):
    pass


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unusable_password_hash():
    """A stored hash no password matches, for accounts whose owner has not set one yet.

    Not an argon2 hash of anything (lms.accounts.auth.UNUSABLE_PASSWORD marks it, as Django
    marks unusable passwords with "!"): one is made per new person in a bulk enrolment, and
    hashing a random password nobody will type cost each of them a full argon2 run (about a
    quarter of a second with production settings, minutes for one upload). Its random tail
    still makes every set-password link single-use (set_password_token).
    """
    return UNUSABLE_PASSWORD + secrets.token_urlsafe(32)


def set_password_token(user):
    # The hash's tail makes the link single-use: setting a password changes the hash.
    return _serializer().dumps({"u": user.id, "h": user.password_hash[-16:]})


def user_for_token(token):
    """:raises InvalidToken: tampered, expired or already used"""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except BadSignature as exc:
        raise InvalidToken("invalid") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active or user.password_hash[-16:] != data.get("h"):
        raise InvalidToken("used")
    return user


def set_password(user, password):
    user.password_hash = hash_password(password)
    user.email_verified = True  # the link came to that address
    user.end_all_sessions()
    record_event("user.password_set", user, actor=user)


def send_invitation(user_id):
    """Send the invitation email once: ``invitation_sent_at`` is set under the user's row lock
    before sending, so a redelivered task finds it and stops.

    :return: True when this call sent it
    """
    user = db.session.execute(select(User).where(User.id == user_id).with_for_update()).scalar_one_or_none()
    if user is None or user.invitation_sent_at is not None:
        return False
    link = external_link("accounts.set_password", token=set_password_token(user))
    from flask_babel import gettext as _

    subject, text, html = render_email(
        "invitation", user.locale, lambda: _("You are invited to the Nordic Life Science Academy"),
        user=user, link=link,
    )
    # Mark first, send second, in one transaction: if the send fails the transaction rolls
    # back, and the task's retry finds the invitation not sent and tries again.
    user.invitation_sent_at = utcnow()
    db.session.flush()
    send_mail((user.name, user.email), subject, text, html)
    return True
