"""Account tasks: the invitation email of a person enrolled in bulk, and the account emails
(address confirmation, "someone tried to sign up with your address", password reset). Each is
promised in an Outbox row in the commit that asks for it (lms.outbox), handed over after that
commit and again by the beat sweep until done, so a broker that is down delays an email, never
loses it."""
import logging
import smtplib

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from lms.extensions import db
from lms.outbox.handover import handles
from lms.outbox.models import SEND_INVITATION, SEND_PASSWORD_RESET, SEND_SIGNUP_ATTEMPT, SEND_VERIFICATION
from lms.outbox.services import mark_done, take_payload

log = logging.getLogger(__name__)

# Worth a retry: the SMTP server or the database is away for a while.
TRANSIENT = (smtplib.SMTPException, OSError, OperationalError, InterfaceError)


def _retry_in(retries):
    return min(600, 5 * 2 ** retries)


@handles(SEND_INVITATION)
@shared_task(name="lms.send_invitation", bind=True, acks_late=True, max_retries=8)
def send_invitation(self, user_id, outbox_id=None):
    """Email a set-password invitation to a user created by bulk enrolment (once: the user's
    invitation_sent_at; retried with backoff while the SMTP server fails)."""
    from lms.accounts import invitations

    try:
        sent = invitations.send_invitation(user_id)
        mark_done(outbox_id)
        db.session.commit()
    except TRANSIENT as exc:
        db.session.rollback()
        raise self.retry(exc=exc, countdown=_retry_in(self.request.retries))
    return sent


def _send_once(task, outbox_id, send, *args):
    """Mark the row done, then send, in one transaction: a second delivery of the row finds
    it done and sends nothing, and a failed send rolls the mark back for the retry."""
    try:
        sent = bool(mark_done(outbox_id) and send(*args))
        db.session.commit()
    except TRANSIENT as exc:
        db.session.rollback()
        log.warning("%s failed, retrying: %r", task.name, exc)
        raise task.retry(exc=exc, countdown=_retry_in(task.request.retries))
    return sent


@handles(SEND_PASSWORD_RESET)
@shared_task(name="lms.accounts.send_password_reset", bind=True, acks_late=True, max_retries=8)
def send_password_reset(self, _subject_id=None, outbox_id=None):
    """Email a password-reset link if the address in the row's payload belongs to an active
    account; for any other address the row is marked done and nothing is sent."""
    return _send_once(self, outbox_id, _send_password_reset, outbox_id)


def _send_password_reset(outbox_id):
    from lms.accounts import emails

    email = take_payload(outbox_id)
    return email is not None and emails.send_password_reset(email)


@handles(SEND_VERIFICATION)
@shared_task(name="lms.accounts.send_verification", bind=True, acks_late=True, max_retries=8)
def send_verification(self, user_id, outbox_id=None):
    """Email the link that confirms a new account's address."""
    from lms.accounts import emails

    return _send_once(self, outbox_id, emails.send_verification, user_id)


@handles(SEND_SIGNUP_ATTEMPT)
@shared_task(name="lms.accounts.send_signup_attempt", bind=True, acks_late=True, max_retries=8)
def send_signup_attempt(self, user_id, outbox_id=None):
    """Tell an account's owner that someone tried to sign up with their address."""
    from lms.accounts import emails

    return _send_once(self, outbox_id, emails.send_signup_attempt, user_id)
