"""Reminder tasks: the beat sweep and one reminder's send. The reminder_log row is the
promise (see lms.reminders.services): a lost send task is enqueued again by a later sweep."""
import logging

from celery import shared_task

from lms.extensions import db

log = logging.getLogger(__name__)


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
