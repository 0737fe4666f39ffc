"""The certificate work a change promises, recorded in the caller's transaction as Outbox rows
(lms.outbox): handed to the worker once it commits, and again by the beat sweep until done."""
import logging

from lms.outbox.models import EMAIL_CERTIFICATE, ISSUE_CERTIFICATE
from lms.outbox.services import promise

log = logging.getLogger(__name__)


def certificate_requested(enrolment_id):
    """An enrolment completed: its certificate is to be issued (by the worker)."""
    log.info("certificate requested enrolment_id=%s", enrolment_id)
    promise(ISSUE_CERTIFICATE, enrolment_id)


def certificate_email_requested(certificate_id):
    """A certificate was issued: the learner is to be emailed (the task sends it at most once)."""
    promise(EMAIL_CERTIFICATE, certificate_id)
