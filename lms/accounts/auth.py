"""Login wiring and password hashing; ``require`` turns a policy refusal into 403 for views
(the rules themselves are in lms.policy)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.extensions import db, login_manager
from lms.policy import can


def init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id):
    """``current_user``: the ORM ``User`` named by the cookie's "<id>:<generation>" (see
    ``User.get_id``), through the request's session; None (anonymous) when the account is gone
    or deactivated (logged out at its next request), or the cookie's generation is not the
    account's: it was saved before a logout, "log out everywhere", a password change or reset,
    a deactivation or a role change."""
    from lms.accounts.models import User, parse_session_id

    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, generation = parsed
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account or user.session_generation != generation:
        return None
    return user


def _hasher():
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password):
    return _hasher().hash(password)


# Starts a stored hash that no password matches (lms.accounts.invitations); argon2's own
# hashes start with "$argon2".
UNUSABLE_PASSWORD = "!"


def check_password(password_hash, password):
    if password_hash.startswith(UNUSABLE_PASSWORD):
        # Refused after the same work as a real check: the time taken does not tell that
        # the account exists but has no password yet.
        return dummy_check(password)
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the email is unknown, so both paths take the same time.
_DUMMY = {}


def dummy_check(password):
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password-0")
    check_password(_DUMMY[key], password)
    return False


def require(action, target=None, user=None):
    user = current_user if user is None else user
    if not can(user, action, target):
        abort(403)
