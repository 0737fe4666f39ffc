"""Celery task of the training matrix: the beat's reconcile of everyone against the job
profiles. Safe to run twice at once (two beats): uq_enrolment_open decides, and the
confirmation emails are recorded once per enrolment (reminder_log)."""
import logging

from celery import shared_task
from sqlalchemy.exc import IntegrityError, OperationalError

from lms.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="lms.compliance_reconcile", bind=True, max_retries=3)
def reconcile_training_matrix(self):
    """Periodic (beat): create the enrolments the matrix requires and release those nothing
    requires any more; commits (the confirmation emails are enqueued after the commit)."""
    from lms.compliance.services import reconcile

    try:
        result = reconcile()
        db.session.commit()
    except (OperationalError, IntegrityError) as exc:
        # A concurrent reconcile or request held the rows (SQLite's one writer, a PostgreSQL
        # serialisation failure): nothing was written; the next run, or this retry, finishes.
        db.session.rollback()
        log.warning("compliance reconcile rolled back: %s", exc.__class__.__name__)
        raise self.retry(exc=exc, countdown=5)
    log.info("compliance reconcile created=%s released=%s", result["created"], result["released"])
    return result
