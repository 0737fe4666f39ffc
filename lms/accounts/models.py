from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

ROLES = ("learner", "author", "admin")


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # ISO 3166-1 alpha-2
    country: Mapped[str] = mapped_column(String(2))

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

    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self):
        return f"<User {self.id} {self.role}>"
