from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

# org_admin: the administrator of one organisation (its people, job profiles and reports);
# admin: the site-wide administrator who sees every organisation.
ROLES = ("learner", "author", "org_admin", "admin")


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))
    # IANA name; dates of the organisation's training matrix (due dates, effective dates) are
    # entered and shown in it. None: UTC.
    timezone: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self):
        return f"<Organisation {self.id} {self.name}>"


class AccountRoles:
    """What an account's columns say about it: Flask-Login's ``is_active`` and role shorthands."""

    __slots__ = ()

    @property
    def is_active(self):
        return self.is_active_account

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_org_admin(self):
        """Administers one organisation: its people, job profiles and compliance reports."""
        return self.role == "org_admin"

    @property
    def is_author(self):
        return self.role in ("author", "admin")


class User(AccountRoles, UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    reminders_opt_out: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped whenever every existing session must end (logout, "log out everywhere",
    # password change or reset, deactivation, role change). The session and remember cookies
    # carry it through get_id(), and the user loader refuses a cookie whose number differs.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # False for a self-service sign-up until its owner follows the emailed link; accounts made
    # by admins, bulk enrolment (verified by setting a password through the invitation link)
    # and the demo data count as verified.
    email_verified: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # When the set-password invitation (bulk enrolment) was sent: set under the user's row lock
    # in the transaction that sends it, so a redelivered task sends none.
    invitation_sent_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # Wrong passwords given when signing, in a row (a right one resets it); at
    # SIGNING_LOCK_AFTER the account is locked: signing and login refused until an admin
    # unlocks it (lms.signatures.services).
    signing_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    signing_locked_at: Mapped[object | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship()

    def get_id(self):
        """Flask-Login's session and remember-cookie identifier, "<id>:<generation>" (its
        documented alternative-token pattern): a cookie saved before the generation was
        bumped names an old generation and is refused by the user loader."""
        return session_id_for(self.id, self.session_generation)

    def end_all_sessions(self):
        """Make every session and remember cookie issued so far invalid (flushes nothing)."""
        self.session_generation = (self.session_generation or 0) + 1

    def __repr__(self):
        return f"<User {self.id} {self.role}>"


def session_id_for(user_id, generation):
    return f"{user_id}:{generation}"


def parse_session_id(value):
    """``(user id, generation)`` from a cookie's identifier, or None when it is malformed (an
    identifier without a generation, from before generations existed, is refused too)."""
    user_id, sep, generation = (value or "").partition(":")
    if not sep or not user_id.isascii() or not generation.isascii():
        return None
    if not (user_id.isdigit() and generation.isdigit()) or len(user_id) > 18 or len(generation) > 18:
        return None
    return int(user_id), int(generation)


class LoginThrottle(db.Model):
    """Failed logins per account name (a SHA-256 of the normalised email, so unknown addresses
    are throttled alike and none is stored in clear): after a number of failures each further
    failure locks the name for a growing time. A success deletes the row. In the database so
    every web process shares it, and it holds while Redis is down."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    # Indexed: each failure also deletes the rows nobody has failed with for a day.
    last_failure_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    locked_until: Mapped[object | None] = mapped_column(UTCDateTime())
