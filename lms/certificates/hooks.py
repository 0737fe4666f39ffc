"""Where certificate work is handed to the Celery worker, always after the transaction commits
(see lms.after_commit). By task name, so nothing under lms/ imports the worker package."""
import logging

from flask import current_app
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)

ISSUE_TASK = "lms.issue_certificate"
EMAIL_TASK = "lms.send_certificate_email"


def _enqueue(task, object_id):
    """Send ``task`` with one id. A broker failure is logged, not raised: the caller's rows are
    committed already and the learner's request must not fail for it; `flask lms
    reissue-certificate` issues a certificate whose task was lost."""
    try:
        current_app.extensions["celery"].send_task(task, args=[object_id])
    except (KombuError, OSError) as exc:
        log.error("%s not enqueued id=%s: %r", task, object_id, exc)


def certificate_requested(enrolment_id):
    """An enrolment completed: issue its certificate in the worker."""
    log.info("certificate requested enrolment_id=%s", enrolment_id)
    _enqueue(ISSUE_TASK, enrolment_id)


def certificate_email_requested(certificate_id):
    """A certificate was issued: email the learner (the task sends it at most once)."""
    _enqueue(EMAIL_TASK, certificate_id)
