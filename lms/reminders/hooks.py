"""Where recorded reminders are handed to the Celery worker (called after commit).

The reminder_log row is the promise (lms.reminders.services): a send task lost here is
enqueued again by a later sweep (requeue_unsent)."""
import logging

from flask import current_app

from lms.reminders.tasks import send_reminder

log = logging.getLogger(__name__)


def enqueue_reminders(log_ids):
    """One send task per reminder log id, over one broker connection. Never raises (the rows
    are committed already; whatever the broker raises is logged): unsent rows stay pending and
    a later sweep enqueues them again."""
    sent = 0
    try:
        with current_app.extensions["celery"].producer_or_acquire() as producer:
            for log_id in log_ids:
                send_reminder.apply_async(args=[log_id], producer=producer, ignore_result=True)
                sent += 1
    except Exception as exc:  # noqa: BLE001  (broker down: KombuError, OSError, RuntimeError ...)
        log.warning("reminders not enqueued (%s of %s); they stay pending for the next sweep: %r",
                    len(log_ids) - sent, len(log_ids), exc)
