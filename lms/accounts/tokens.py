"""Signed links sent by email for password reset and email verification.

Neither needs a table: a reset token is bound to a digest of the password hash it was made
for, so it works once (setting the password changes the hash, and every argon2 hash has its
own salt) and expires after an hour; a verification token names the account and the email and
is spent once the account is verified."""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.extensions import db

RESET_SALT = "lms-password-reset"
VERIFY_SALT = "lms-verify-email"
VERIFY_MAX_AGE = 7 * 24 * 3600


class InvalidToken(Exception):
    """``str(exc)`` is "expired", "invalid" or "used"."""


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _hash_digest(user):
    # A digest, not a piece of the hash itself: the link travels by email.
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:24]


def _load(salt, token, max_age):
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except BadSignature as exc:
        raise InvalidToken("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidToken("invalid")
    return data


def password_reset_token(user):
    return _serializer(RESET_SALT).dumps({"u": user.id, "h": _hash_digest(user)})


def user_for_reset_token(token):
    """:raises InvalidToken: tampered, expired, already used, or the account is deactivated"""
    data = _load(RESET_SALT, token, current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"])
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or _hash_digest(user) != data.get("h"):
        raise InvalidToken("used")
    return user


def verification_token(user):
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": user.email})


def user_for_verification_token(token):
    """:raises InvalidToken: tampered, expired, or already used (the account is verified)"""
    data = _load(VERIFY_SALT, token, VERIFY_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or user.email != data.get("e") or user.email_verified or not user.is_active:
        raise InvalidToken("used")
    return user
