"""Accounts: sign-up and authentication."""
from sqlalchemy import func, select

from lms.accounts.auth import check_password, dummy_check, hash_password
from lms.accounts.models import Organisation, User
from lms.audit.reasons import MissingReason, required_reason  # noqa: F401  (MissingReason: for callers)
from lms.audit.services import record_event
from lms.extensions import db
from lms.outbox.models import SEND_SIGNUP_ATTEMPT, SEND_VERIFICATION
from lms.outbox.services import promise


class EmailTaken(Exception):
    pass


def normalise_email(email):
    return (email or "").strip().lower()


def find_or_create_organisation(name, country):
    name = " ".join(name.split())
    org = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    if org is None:
        org = Organisation(name=name, country=country)
        db.session.add(org)
        db.session.flush()
    return org


def sign_up(*, name, email, password, organisation, country, locale, role="learner", verified=True):
    """Create an account (flushes, does not commit). Self-service sign-up goes through
    :func:`request_sign_up` instead, which answers the same whether the address is taken.

    :param verified: False for an account whose owner must confirm the address first
    :raises EmailTaken: when the email is already registered, whatever its case
    :return: the new User
    """
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(
        email_verified=verified,
        name=" ".join(name.split()),
        email=email,
        password_hash=hash_password(password),
        role=role,
        organisation=find_or_create_organisation(organisation, country),
        country=country,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    record_event("user.signed_up", user, actor=user, role=role)
    return user


def request_sign_up(*, name, email, password, organisation, country, locale):
    """Self-service sign-up, answering alike whether the address has an account (flushes,
    does not commit; the emails go after the commit):

    - a new address gets an unverified learner account and a link to confirm it;
    - an unverified account's address gets that link again;
    - a verified account's owner is told that someone tried to sign up with their address.

    The password is hashed in every case, so the three take the same time. The emails are
    promised in this transaction (Outbox rows), so Redis being down only delays them.
    """
    existing = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if existing is None:
        user = sign_up(
            name=name, email=email, password=password, organisation=organisation,
            country=country, locale=locale, verified=False,
        )
        promise(SEND_VERIFICATION, user.id)
        return
    hash_password(password)  # the same work as a new account's
    promise(SEND_VERIFICATION if not existing.email_verified else SEND_SIGNUP_ATTEMPT, existing.id)


class NotVerified(Exception):
    """The credentials are right but the address is not confirmed yet; ``.user`` has it."""

    def __init__(self, user):
        super().__init__(user.id)
        self.user = user


class SigningLockedAccount(Exception):
    """Right credentials of an account locked after wrong passwords when signing
    (lms.signatures.services.lock_signing): refused until an administrator unlocks it."""

    def __init__(self, user):
        super().__init__(user.id)
        self.user = user


def authenticate(email, password):
    """The user for these credentials, or None. Unknown email and wrong password look alike.

    :raises NotVerified: right credentials of an account whose address is not confirmed
    :raises SigningLockedAccount: right credentials of an account whose signing is locked
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        return dummy_check(password)  # same work, same answer
    if not check_password(user.password_hash, password) or not user.is_active:
        return None
    if not user.email_verified:
        raise NotVerified(user)
    if user.signing_locked_at is not None:
        raise SigningLockedAccount(user)
    return user


class CannotManageSelf(Exception):
    pass


def _check_manage(actor, user):
    from lms.policy import Forbidden, can

    if actor.id == user.id:
        raise CannotManageSelf(user.id)
    if not can(actor, "user.manage", user):
        raise Forbidden("user.manage")


def change_role(actor, user, role, reason):
    """Give ``user`` a new role (administrators only, never their own; an org admin only to
    their organisation's people and never the site admin role).

    :param reason: required; recorded with the old and new role in the audit trail
    :return: True when the role changed
    :raises Forbidden: the policy refuses the person or the role
    :raises MissingReason: no reason given (nothing changes)
    """
    from lms.accounts.models import ROLES
    from lms.policy import Forbidden, can

    _check_manage(actor, user)
    if role not in ROLES:
        raise ValueError(role)
    if not can(actor, "user.grant_role", role):
        raise Forbidden("user.grant_role")
    if user.role == role:
        return False
    reason = required_reason(reason)
    old, user.role = user.role, role
    user.end_all_sessions()  # their sessions held the old role's pages open
    record_event("user.role_changed", user, actor=actor, old=old, new=role, reason=reason)
    return True


def set_active(actor, user, active, reason):
    """Deactivate or reactivate an account. A deactivated user cannot log in; their records
    (enrolments, progress, certificates, audit events) stay.

    :param reason: required; recorded with the old and new state in the audit trail
    :return: True when the state changed
    :raises MissingReason: no reason given (nothing changes)
    """
    _check_manage(actor, user)
    if user.is_active_account == active:
        return False
    reason = required_reason(reason)
    user.is_active_account = active
    # Deactivation ends every session; reactivation does too, so a cookie saved before the
    # deactivation stays refused afterwards.
    user.end_all_sessions()
    record_event("user.reactivated" if active else "user.deactivated", user, actor=actor,
                 old="deactivated" if active else "active", new="active" if active else "deactivated",
                 reason=reason)
    return True
