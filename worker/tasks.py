"""Celery tasks: take ids, call lms services, commit. Nothing here knows about HTTP."""
import logging

from celery import shared_task
from sqlalchemy import func, select

from lms.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="lms.ping", ignore_result=False)  # its caller waits for the reply
def ping(token):
    """Round-trips through broker, worker and database: proves the wiring."""
    from lms.accounts.models import User

    users = db.session.scalar(select(func.count()).select_from(User))
    log.info("ping token=%s users=%s", token, users)
    return {"token": token, "users": users}


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
