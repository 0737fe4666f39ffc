"""Account tasks: the invitation email of a person enrolled in bulk (promised in an Outbox
row, marked done once sent), and the account emails (password reset, address confirmation,
"someone tried to sign up with your address"). Those three are enqueued after the commit that
asks for them (:func:`email_requested`); a broker that cannot be reached is logged, never turned
into an error page: the person asks again (reset, sign-up) or the next login resends the
confirmation."""
import logging
import smtplib

from celery import shared_task

from lms.extensions import db
from lms.outbox.handover import handles
from lms.outbox.models import SEND_INVITATION
from lms.outbox.services import mark_done

log = logging.getLogger(__name__)


@handles(SEND_INVITATION)
@shared_task(name="lms.send_invitation", bind=True, acks_late=True, max_retries=8)
def send_invitation(self, user_id, outbox_id=None):
    """Email a set-password invitation to a user created by bulk enrolment (once; retried with
    backoff while the SMTP server fails)."""
    from lms.accounts import invitations

    try:
        sent = invitations.send_invitation(user_id)
        mark_done(outbox_id)
        db.session.commit()
    except (smtplib.SMTPException, OSError) as exc:
        db.session.rollback()
        raise self.retry(exc=exc, countdown=min(600, 5 * 2 ** self.request.retries))
    return sent


def _retry_in(retries):
    return min(600, 5 * 2 ** retries)


def _run(task, send, recipient):
    try:
        sent = send(recipient)
        db.session.commit()
    except (smtplib.SMTPException, OSError) as exc:
        db.session.rollback()
        log.warning("%s failed, retrying: %r", task.name, exc)
        raise task.retry(exc=exc, countdown=_retry_in(task.request.retries))
    return sent


@shared_task(name="lms.accounts.send_password_reset", bind=True, acks_late=True, max_retries=5)
def send_password_reset(self, email):
    """Email a password-reset link, if ``email`` belongs to an active account."""
    from lms.accounts import emails

    return _run(self, emails.send_password_reset, email)


@shared_task(name="lms.accounts.send_verification", bind=True, acks_late=True, max_retries=5)
def send_verification(self, user_id):
    """Email the link that confirms a new account's address."""
    from lms.accounts import emails

    return _run(self, emails.send_verification, user_id)


@shared_task(name="lms.accounts.send_signup_attempt", bind=True, acks_late=True, max_retries=5)
def send_signup_attempt(self, user_id):
    """Tell an account's owner that someone tried to sign up with their address."""
    from lms.accounts import emails

    return _run(self, emails.send_signup_attempt, user_id)


TASKS = {
    "password_reset": send_password_reset,
    "verification": send_verification,
    "signup_attempt": send_signup_attempt,
}


def email_requested(kind, recipient):
    """Enqueue the account email ``kind`` for ``recipient`` (a user id; for a reset, the
    address asked for). Called after commit."""
    try:
        # No publish retries: with the broker down the page answers at once instead of
        # waiting on reconnections.
        TASKS[kind].apply_async(args=[recipient], retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 (kombu and redis raise several kinds; none may fail the request)
        # No address in the log: it may be anyone's, typed by anyone.
        log.exception("could not enqueue the %s email", kind)
