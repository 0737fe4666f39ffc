"""The per-account login limit: failures only, with growing lockouts.

The ``LOGIN_LOCKOUT_AFTER``-th failed login in a row for one email (known or not, so the answer
does not tell whether an account exists) and each one after it lock that email for
``LOGIN_LOCKOUT_BASE_SECONDS`` x 1, 2, 4 ... up to ``LOGIN_LOCKOUT_MAX_SECONDS``. A successful
login clears the count. The state is a database row per hashed email, shared by every web
process and independent of Redis. Failures older than a day are forgotten."""
import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.accounts.models import LoginThrottle
from lms.extensions import db
from lms.timeutil import utcnow


FORGET_AFTER = timedelta(days=1)


def throttle_key(email):
    return hashlib.sha256((email or "").strip().lower().encode("utf-8")).hexdigest()


def check(email, now=None):
    """``(failures so far, seconds this email stays locked)``; (0, 0) for an email with no
    recent failures."""
    table = LoginThrottle.__table__
    row = db.session.execute(
        select(table.c.failures, table.c.locked_until).where(table.c.key == throttle_key(email))
    ).first()
    if row is None:
        return 0, 0
    if row.locked_until is None:
        return row.failures, 0
    remaining = (row.locked_until - (now or utcnow())).total_seconds()
    return row.failures, max(0, int(remaining + 0.999))


def lockout_seconds(failures, config):
    """The lock after the ``failures``-th failure in a row (0: not locked yet)."""
    over = failures - config["LOGIN_LOCKOUT_AFTER"]
    if over < 0:
        return 0
    return min(config["LOGIN_LOCKOUT_MAX_SECONDS"], config["LOGIN_LOCKOUT_BASE_SECONDS"] * 2 ** min(over, 30))


def record_failure(email, now=None):
    """Count one failed login for ``email`` (an atomic upsert, so concurrent failures in other
    processes all count) and lock it when due (flushes, does not commit).

    :return: the seconds the email is now locked for (0: not locked)
    """
    now = now or utcnow()
    key = throttle_key(email)
    table = LoginThrottle.__table__
    # Forget the names nobody has failed with for a day, so guesses at made-up addresses do
    # not pile up (by the index on last_failure_at; a success deletes its own row).
    db.session.execute(delete(table).where(table.c.last_failure_at < now - FORGET_AFTER))
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(key=key, failures=1, last_failure_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": table.c.failures + 1, "last_failure_at": now},
    )
    db.session.execute(statement)
    failures = db.session.scalar(select(table.c.failures).where(table.c.key == key))
    seconds = lockout_seconds(failures, current_app.config)
    if seconds:
        db.session.execute(
            update(table).where(table.c.key == key).values(locked_until=now + timedelta(seconds=seconds))
        )
    return seconds


def clear_failures(email):
    """A successful login: forget the failures (flushes, does not commit)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle_key(email)))
