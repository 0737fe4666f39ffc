"""Login wiring, password hashing and the role policy: the one place authorization lives."""
from functools import cache, lru_cache
from hashlib import sha512

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.accounts.session_user import FIELDS, SessionUser
from lms.extensions import db, login_manager
from lms.reads import read_one


def init_login(app):
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier


def session_identifier():
    """Flask-Login's "strong" session protection identifier (``flask_login.utils.
    _create_identifier``: a sha512 of the remote address and the user agent), which it computes
    on every request; memoised over the two header values, the same result for the same input.
    Both are the client's own strings, so only short pairs are kept (at most 4096 of them)."""
    headers = request.headers
    address, user_agent = headers.get("X-Forwarded-For", request.remote_addr), headers.get("User-Agent")
    if len(address or "") + len(user_agent or "") > _MEMO_MAX_CHARS:
        return _compute_identifier(address, user_agent)
    return _identifier(address, user_agent)


_MEMO_MAX_CHARS = 1024


def _compute_identifier(address, user_agent):
    # Byte for byte flask_login.utils._get_remote_addr and _create_identifier.
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    if user_agent is not None:
        user_agent = user_agent.encode("utf-8")
    return sha512(f"{address}|{user_agent}".encode("utf8")).hexdigest()


_identifier = lru_cache(maxsize=4096)(_compute_identifier)


@login_manager.user_loader
def load_user(user_id):
    """``current_user``: a read-only :class:`SessionUser` record of the account row as
    committed, read with :func:`lms.reads.read_one` (no session checkout, so a request that
    writes nothing never begins one). ``current_user_model()`` gives the ORM User where one is
    needed."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    row = read_one(_user_by_id(), {"user_id": user_id})
    # A deactivated account is logged out at its next request.
    if row is None or not row[_ACTIVE]:
        return None
    return SessionUser(*row)


_ACTIVE = FIELDS.index("is_active_account")


@cache
def _user_by_id():
    """Built once: every request runs it, and lms.reads compiles a statement once, by identity."""
    from lms.accounts.models import User

    columns = User.__table__.c
    return select(*(columns[name] for name in FIELDS)).where(columns.id == bindparam("user_id"))


def current_user_model():
    """The logged-in user's ORM ``User`` (None when anonymous), for code that changes the
    account, attaches it to ORM objects or reads its relationships. The session's identity map
    keeps it for the rest of the request, so asking again costs no statement."""
    if not current_user.is_authenticated:
        return None
    from lms.accounts.models import User

    return db.session.get(User, current_user.id)


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
