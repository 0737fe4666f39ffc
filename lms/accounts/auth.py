"""Login wiring, password hashing and the role policy: the one place authorization lives."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.extensions import db, login_manager


def init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id):
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    user = db.session.execute(_user_by_id(), {"user_id": user_id}).scalar_one_or_none()
    # A deactivated account is logged out at its next request.
    return user if user is not None and user.is_active else None


@cache
def _user_by_id():
    """Built once: every request runs it, and a reused statement skips SQLAlchemy's work of
    building it and computing its cache key again."""
    from lms.accounts.models import User

    return select(User).where(User.id == bindparam("user_id"))


def _hasher():
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password):
    return _hasher().hash(password)


def check_password(password_hash, password):
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


class Forbidden(Exception):
    """A service refused an action for this user; views turn it into 403."""


def _same_org(user, target):
    return target is not None and target.organisation_id == user.organisation_id


# The policy: one rule per action, (user, target) -> bool, for authenticated users.
POLICY = {
    "author.view": lambda user, target: user.role in ("author", "admin"),
    "admin.view": lambda user, target: user.role == "admin",
    # completion reports and their exports
    "report.view": lambda user, target: user.role == "admin",
    "course.view_draft": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "enrolment.view": lambda user, target: user.role == "admin" or target.user_id == user.id,
    # target: the user being managed; nobody changes their own role or deactivates themselves
    "user.manage": lambda user, target: user.role == "admin" and (target is None or target.id != user.id),
    # Authoring. target: the course (for course.create, the new course with its organisation).
    "course.create": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    "course.edit": lambda user, target: user.role == "admin" or (user.role == "author" and _same_org(user, target)),
    # target: the course whose learners move to its published version
    "enrolment.move_version": lambda user, target: user.role == "admin",
    # Certificates. target: the certificate; only its learner and admins download it.
    "certificate.download": lambda user, target: user.role == "admin" or target.enrolment.user_id == user.id,
    "certificate.manage": lambda user, target: user.role == "admin",
    # Reminder emails: see the ones that failed for good and send them again.
    "reminder.manage": lambda user, target: user.role == "admin",
}


def can(user, action, target=None):
    """May ``user`` do ``action`` (on ``target``)? Unknown actions are a programming error."""
    rule = POLICY[action]
    if user is None or not user.is_authenticated:
        return False
    return bool(rule(user, target))


def require(action, target=None, user=None):
    user = current_user if user is None else user
    if not can(user, action, target):
        abort(403)
