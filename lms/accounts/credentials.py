"""Passwords, sessions and email confirmation of one's own account: change and reset the
password, end every session, confirm the address. Services: they flush, the view commits."""
from lms.accounts.auth import check_password, hash_password
from lms.accounts.services import normalise_email
from lms.audit.services import record_event
from lms.outbox.models import SEND_PASSWORD_RESET, SEND_VERIFICATION
from lms.outbox.services import promise


class WrongPassword(Exception):
    pass


def send_verification_again(user):
    """Promise, in this transaction, the email with the link that confirms ``user``'s address
    (an Outbox row: the worker sends it after the commit, or after Redis is back)."""
    promise(SEND_VERIFICATION, user.id)


def end_sessions(user, reason):
    """End every session and remember cookie of ``user`` (logout, "log out everywhere").

    :param reason: recorded with the audit event, e.g. "logout" or "everywhere"
    """
    user.end_all_sessions()
    record_event("user.sessions_ended", user, actor=user, reason=reason)


def change_password(user, current_password, new_password):
    """Set a new password after checking the current one; every other session ends (the
    caller logs the current one in again with the new generation).

    :raises WrongPassword: the current password does not match
    """
    if not check_password(user.password_hash, current_password):
        raise WrongPassword(user.id)
    user.password_hash = hash_password(new_password)
    user.end_all_sessions()
    record_event("user.password_changed", user, actor=user)


def request_password_reset(email):
    """Promise, in this transaction, a reset link to ``email`` if it belongs to an active
    account. The request looks nothing up and writes the same Outbox row (carrying the
    normalised address) for any address, so it answers the same, in the same time, for known
    and unknown ones; the worker looks the account up (lms.accounts.emails.send_password_reset)
    and for an unknown address sends nothing."""
    promise(SEND_PASSWORD_RESET, None, payload=normalise_email(email))


def reset_password(user, new_password):
    """Set the password from a reset link (the token is spent: it was bound to the old hash).
    The link proves the address, so an unconfirmed or invited account counts as confirmed;
    every session ends."""
    user.password_hash = hash_password(new_password)
    user.email_verified = True
    user.end_all_sessions()
    record_event("user.password_reset", user, actor=user)


def verify_email(user):
    """Confirm the account's address (from the emailed link)."""
    user.email_verified = True
    record_event("user.email_verified", user, actor=user)


