"""Signature tasks: telling the administrators that a person's signing was locked. Promised in
an Outbox row in the commit that locks the account (lms.signatures.document_views), handed
over after it and again by the beat sweep until done."""
import logging
import smtplib

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from lms.extensions import db
from lms.outbox.handover import handles
from lms.outbox.models import EMAIL_SIGNING_LOCKED
from lms.outbox.services import mark_done

log = logging.getLogger(__name__)

TRANSIENT = (smtplib.SMTPException, OSError, OperationalError, InterfaceError)


@handles(EMAIL_SIGNING_LOCKED)
@shared_task(name="lms.signatures.email_signing_locked", bind=True, acks_late=True, max_retries=8)
def email_signing_locked(self, user_id, outbox_id=None):
    """Email the organisation's admins that ``user_id``'s signing is locked. The row is marked
    done in the transaction that sends, so a second delivery sends nothing; a failed send
    rolls the mark back and is retried with backoff."""
    from lms.signatures.emails import send_signing_locked

    try:
        sent = send_signing_locked(user_id) if mark_done(outbox_id) else 0
        db.session.commit()
    except TRANSIENT as exc:
        db.session.rollback()
        log.warning("signing-locked email for user_id=%s failed, retrying: %r", user_id, exc)
        raise self.retry(exc=exc, countdown=min(600, 5 * 2 ** self.request.retries))
    log.info("signing-locked email user_id=%s sent=%s", user_id, sent)
    return sent
