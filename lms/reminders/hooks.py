"""Where recorded reminders are handed to the Celery worker (called after commit).

By task name, so nothing under lms/ imports the worker package."""
import logging

from flask import current_app
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)

SEND_TASK = "lms.send_reminder"


def enqueue_reminders(log_ids):
    """One send task per reminder log id, over one broker connection. A broker failure is
    logged, not raised (the rows are committed already): they stay pending and the next sweep
    enqueues them again (lms.reminders.services.requeue_unsent)."""
    celery = current_app.extensions["celery"]
    sent = 0
    try:
        with celery.producer_or_acquire() as producer:
            for log_id in log_ids:
                celery.send_task(SEND_TASK, args=[log_id], producer=producer, ignore_result=True)
                sent += 1
    except (KombuError, OSError) as exc:
        log.warning("reminders not enqueued (%s of %s); they stay pending for the next sweep: %r",
                    len(log_ids) - sent, len(log_ids), exc)
