"""The email telling an organisation's administrators that a person's signing (and login) was
locked after wrong passwords when signing (Part 11 §11.300(d): attempted misuse is reported to
management). Run by the worker (lms.signatures.tasks)."""
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.mail import external_link, render_email, send_mail


def lock_recipients(user):
    """Who is told: the active org admins of ``user``'s organisation, or, where it has none,
    the active site admins; never ``user`` themselves."""
    active = select(User).where(User.is_active_account.is_(True), User.id != user.id).order_by(User.id)
    admins = []
    if user.organisation_id is not None:
        admins = db.session.scalars(
            active.where(User.role == "org_admin", User.organisation_id == user.organisation_id)).all()
    return admins or db.session.scalars(active.where(User.role == "admin")).all()


def send_signing_locked(user_id):
    """Email each recipient (in their own language) that ``user_id``'s signing is locked, with
    the link to the page where it is unlocked. Nothing once the account is unlocked again.

    :return: how many emails were sent
    """
    user = db.session.get(User, user_id)
    if user is None or user.signing_locked_at is None:
        return 0
    link = external_link("records.user_record", user_id=user.id)
    recipients = lock_recipients(user)
    for admin in recipients:
        subject, text, html = render_email(
            "signing_locked", admin.locale, lambda: _("Electronic signing locked for %(name)s", name=user.name),
            admin=admin, person=user, link=link)
        send_mail((admin.name, admin.email), subject, text, html)
    return len(recipients)
