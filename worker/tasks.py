"""Celery tasks: take ids, call lms services, commit. Nothing here knows about HTTP."""
import logging

from celery import shared_task
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from lms.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="lms.ping", ignore_result=False)  # its caller waits for the reply
def ping(token):
    """Round-trips through broker, worker and database: proves the wiring."""
    from lms.accounts.models import User

    users = db.session.scalar(select(func.count()).select_from(User))
    log.info("ping token=%s users=%s", token, users)
    return {"token": token, "users": users}


# --------------------------------------------------------------------------- reminders


@shared_task(name="lms.reminder_sweep")
def reminder_sweep():
    """Periodic (beat): record the reminders due now and enqueue their sends. Safe to run twice
    at once or again: the log's unique key lets each reminder be recorded once."""
    from lms.reminders.services import run_sweep

    result = run_sweep()
    return {"recorded": result.recorded, "requeued": result.requeued}


@shared_task(name="lms.send_reminder", bind=True, acks_late=True, max_retries=None)
def send_reminder(self, log_id):
    """Send one recorded reminder, at most once. On an SMTP failure the attempt is counted
    and the task retried with exponential backoff; after REMINDER_MAX_ATTEMPTS the row is
    marked failed (and logged), never silently dropped."""
    from lms.reminders import delivery

    try:
        outcome = delivery.deliver_reminder(log_id)
        db.session.commit()
    except delivery.MAIL_ERRORS as exc:
        db.session.rollback()
        retry_in = delivery.record_failed_attempt(log_id, exc)
        db.session.commit()
        if retry_in is None:
            return "failed"
        raise self.retry(exc=exc, countdown=retry_in)
    return outcome


@shared_task(name="lms.send_invitation", bind=True, acks_late=True, max_retries=8)
def send_invitation(self, user_id):
    """Email a set-password invitation to a user created by bulk enrolment (once; retried with
    backoff while the SMTP server fails)."""
    import smtplib

    from lms.accounts import invitations

    try:
        sent = invitations.send_invitation(user_id)
        db.session.commit()
    except (smtplib.SMTPException, OSError) as exc:
        db.session.rollback()
        raise self.retry(exc=exc, countdown=min(600, 5 * 2 ** self.request.retries))
    return sent


# --------------------------------------------------------------------------- certificates


def _backoff(retries, base=2, cap=300):
    """Exponential backoff with full jitter: up to base * 2**retries seconds, at most cap."""
    import random

    return random.uniform(base / 2, min(cap, base * 2 ** retries))


@shared_task(name="lms.issue_certificate", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=10)
def issue_certificate(self, enrolment_id):
    """Issue a completed enrolment's certificate (PDF and row), exactly once: safe under
    redelivery (a killed worker's task comes back) and under two runs at once. Transient
    database errors (lost connection, lock timeout, deadlock) are retried with backoff."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from lms.certificates import services

    try:
        cert = services.issue_certificate(enrolment_id)
    except (OperationalError, InterfaceError) as exc:
        db.session.rollback()
        log.warning("issue_certificate enrolment_id=%s failed, retrying: %r", enrolment_id, exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries))
    # Its id from the identity map: cert.id would re-read the row the commit expired.
    return sa_inspect(cert).identity[0] if cert is not None else None


@shared_task(name="lms.send_certificate_email", bind=True, acks_late=True, reject_on_worker_lost=True,
             max_retries=10)
def send_certificate_email(self, certificate_id):
    """Email the learner their certificate's verification link, at most once (recorded as the
    audit event certificate.email_sent under the certificate's lock); SMTP and transient
    database failures are retried with backoff."""
    import smtplib

    from sqlalchemy.exc import InterfaceError, OperationalError

    from lms.certificates import emails

    try:
        sent = emails.send_issued_email(certificate_id)
        db.session.commit()
    except (smtplib.SMTPException, OSError, OperationalError, InterfaceError) as exc:
        db.session.rollback()
        log.warning("certificate email id=%s failed, retrying: %r", certificate_id, exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries, base=5, cap=600))
    return sent
