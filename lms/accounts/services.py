"""Accounts: sign-up and authentication."""
from sqlalchemy import func, select

from lms.accounts.auth import check_password, dummy_check, hash_password
from lms.accounts.models import Organisation, User
from lms.audit.services import record_event
from lms.extensions import db


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


def sign_up(*, name, email, password, organisation, country, locale, role="learner"):
    """Create a learner account (flushes, does not commit).

    :raises EmailTaken: when the email is already registered, whatever its case
    :return: the new User
    """
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(
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


def authenticate(email, password):
    """The user for these credentials, or None. Unknown email and wrong password look alike."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        return dummy_check(password)  # same work, same answer
    if not check_password(user.password_hash, password) or not user.is_active:
        return None
    return user
