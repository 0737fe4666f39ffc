"""Account tasks: the invitation email of a person enrolled in bulk (promised in an Outbox
row, marked done once sent)."""
import smtplib

from celery import shared_task

from lms.extensions import db
from lms.outbox.handover import handles
from lms.outbox.models import SEND_INVITATION
from lms.outbox.services import mark_done


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
