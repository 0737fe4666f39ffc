"""The logged-in user of a request: a read-only record of the account row.

Flask-Login loads the user on every request that looks at ``current_user``. Loading the ORM
``User`` for that (an ORM select, an instance in the identity map) costs several times more
than reading the row, and nearly every request only reads its columns: the id for queries,
the role for the policy, the locale for translations. So ``current_user`` is a
:class:`SessionUser`, the row's columns as they were when this request read them.

Code that changes the account, attaches it to ORM objects (``Enrolment(user=...)``,
``Course(owner=...)``) or reads its relationships asks for the ORM object explicitly with
:func:`lms.accounts.auth.current_user_model`. The record has no fallback to it: an attribute it
does not have is an AttributeError naming that helper, and assigning any attribute raises,
so a write never silently goes to a copy. The one relationship it offers is
:attr:`SessionUser.organisation`, a read through the session (see there).
"""
from lms.accounts.models import AccountRoles, Organisation
from lms.extensions import db

# The account columns the record holds, in the order of the statement that reads them.
# Not password_hash: nothing reads it from the logged-in user.
FIELDS = (
    "id", "email", "name", "role", "organisation_id", "country", "locale",
    "reminders_opt_out", "is_active_account", "created_at",
)

_set = object.__setattr__


class SessionUser(AccountRoles):
    """The account row of the logged-in user, read once at the start of the request.

    Attributes: the columns in :data:`FIELDS`; what Flask-Login expects (``is_authenticated``,
    ``is_active``, ``is_anonymous``, ``get_id()``) and the role shorthands of ``User``
    (``is_admin``, ``is_author``). Two records are equal, and hash alike, when they are of
    the same account. Read-only: assigning or deleting an attribute raises AttributeError.
    """

    __slots__ = FIELDS

    is_authenticated = True
    is_anonymous = False

    def __init__(self, id, email, name, role, organisation_id, country, locale,
                 reminders_opt_out, is_active_account, created_at):
        _set(self, "id", id)
        _set(self, "email", email)
        _set(self, "name", name)
        _set(self, "role", role)
        _set(self, "organisation_id", organisation_id)
        _set(self, "country", country)
        _set(self, "locale", locale)
        _set(self, "reminders_opt_out", reminders_opt_out)
        _set(self, "is_active_account", is_active_account)
        _set(self, "created_at", created_at)

    def get_id(self):
        return str(self.id)

    @property
    def organisation(self):
        """The user's ORM ``Organisation`` (None without one), for reading its name and
        country. Read through the session on first use in a request (the identity map keeps it
        after that); it is the session's own object, not a copy."""
        if self.organisation_id is None:
            return None
        return db.session.get(Organisation, self.organisation_id)

    def __getattr__(self, name):
        # Only called for attributes the record does not have (e.g. a relationship of User).
        raise AttributeError(
            f"{type(self).__name__} has no attribute {name!r}: current_user is a read-only "
            f"record of the account row; use lms.accounts.auth.current_user_model() for the User"
        )

    def __setattr__(self, name, value):
        raise AttributeError(
            f"{type(self).__name__} is read-only (cannot set {name!r}): change the User from "
            f"lms.accounts.auth.current_user_model()"
        )

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is read-only (cannot delete {name!r})")

    def __eq__(self, other):
        if isinstance(other, SessionUser):
            return self.id == other.id
        return NotImplemented

    def __ne__(self, other):
        if isinstance(other, SessionUser):
            return self.id != other.id
        return NotImplemented

    def __hash__(self):
        return hash((SessionUser, self.id))

    def __repr__(self):
        return f"<SessionUser {self.id} {self.role}>"
