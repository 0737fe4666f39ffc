"""Where a completed enrolment's certificate is requested.

Called after the completing transaction commits (see lms.after_commit). The certificates
issue replaces the body with enqueueing the issue-certificate Celery task by enrolment id."""
import logging

log = logging.getLogger(__name__)


def certificate_requested(enrolment_id):
    log.info("certificate requested enrolment_id=%s (issued by the certificates feature)", enrolment_id)
