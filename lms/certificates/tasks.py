"""Certificate tasks: issue a completed enrolment's certificate, email the learner. Both are
promised in an Outbox row (lms.outbox) and mark it done once their work has committed."""
import logging
import random
import smtplib

from celery import shared_task
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import InterfaceError, OperationalError

from lms.extensions import db
from lms.outbox.handover import handles
from lms.outbox.models import EMAIL_CERTIFICATE, ISSUE_CERTIFICATE
from lms.outbox.services import mark_done

log = logging.getLogger(__name__)


def backoff(retries, base=2, cap=300):
    """Exponential backoff with full jitter: up to base * 2**retries seconds, at most cap."""
    return random.uniform(base / 2, min(cap, base * 2 ** retries))


@handles(ISSUE_CERTIFICATE)
@shared_task(name="lms.issue_certificate", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=10)
def issue_certificate(self, enrolment_id, outbox_id=None):
    """Issue a completed enrolment's certificate (PDF and row), exactly once: safe under
    redelivery, a second hand-over by the outbox sweep, and two runs at once. Transient
    database errors (lost connection, lock timeout, deadlock) are retried with backoff."""
    from lms.certificates import services

    try:
        cert = services.issue_certificate(enrolment_id)
        mark_done(outbox_id)
        db.session.commit()
    except (OperationalError, InterfaceError) as exc:
        db.session.rollback()
        log.warning("issue_certificate enrolment_id=%s failed, retrying: %r", enrolment_id, exc)
        raise self.retry(exc=exc, countdown=backoff(self.request.retries))
    # Its id from the identity map: cert.id would re-read the row the commit expired.
    return sa_inspect(cert).identity[0] if cert is not None else None


@handles(EMAIL_CERTIFICATE)
@shared_task(name="lms.send_certificate_email", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=10)
def send_certificate_email(self, certificate_id, outbox_id=None):
    """Email the learner their certificate's verification link, at most once (the
    certificate's emailed_at, set under its lock); SMTP and transient database failures are
    retried with backoff."""
    from lms.certificates import emails

    try:
        sent = emails.send_issued_email(certificate_id)
        mark_done(outbox_id)
        db.session.commit()
    except (smtplib.SMTPException, OSError, OperationalError, InterfaceError) as exc:
        db.session.rollback()
        log.warning("certificate email id=%s failed, retrying: %r", certificate_id, exc)
        raise self.retry(exc=exc, countdown=backoff(self.request.retries, base=5, cap=600))
    return sent


@shared_task(name="lms.open_recertifications")
def open_recertifications():
    """Periodic (beat): open the recertification enrolments of certificates about to expire
    (lms.certificates.recert). Safe to run twice at once or again: each is created once."""
    from lms.certificates.recert import open_recertifications as run

    result = run()
    return {"created": result.created, "existing": result.existing}
