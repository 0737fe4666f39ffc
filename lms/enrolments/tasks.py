"""Celery tasks of bulk enrolment: apply a job (all or nothing), and the beat's hand-over of
jobs whose task was lost or whose worker died. They take ids, call lms.enrolments.bulk_jobs
and commit."""
import logging

from celery import shared_task
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError

from lms.enrolments import bulk_jobs
from lms.extensions import db

log = logging.getLogger(__name__)


def run_bulk_job(job_id):
    """Claim and apply one bulk enrolment job; commits. Used by the task and, inline, by
    `flask lms enrol-csv --apply`.

    :return: the job's status after this run ("done", "failed"), or None when this run did
        not claim it (already applied or failed, or another run has it)
    :raises OperationalError, InterfaceError: a transient database error (the job was put back
        in the queue when that was still possible)
    """
    attempt = bulk_jobs.claim(job_id)
    db.session.commit()
    if attempt is None:
        log.info("bulk job %s not claimed: not queued (applied, failed or running elsewhere)", job_id)
        return None
    log.info("bulk job %s running, attempt %s", job_id, attempt)
    try:
        outcome = bulk_jobs.apply_job(job_id, attempt, on_progress=bulk_jobs.progress_writer(job_id, attempt))
        if outcome.status == "done":
            # Invitations and confirmations are enqueued by this commit's after-commit hooks.
            db.session.commit()
            log.info("bulk job %s done: %s", job_id, {k: v for k, v in outcome.result.items() if k != "rows"})
            return "done"
        db.session.rollback()  # nothing of the failed apply is written
        bulk_jobs.record_failure(job_id, attempt, outcome.result)
        db.session.commit()
        log.info("bulk job %s failed: the file has errors; nothing was changed", job_id)
        return "failed"
    except bulk_jobs.LostClaim:
        db.session.rollback()
        log.warning("bulk job %s attempt %s was taken over by another run; rolled back", job_id, attempt)
        return None
    except (OperationalError, InterfaceError):
        db.session.rollback()
        try:
            bulk_jobs.release(job_id, attempt)
            db.session.commit()
        except (OperationalError, InterfaceError):
            db.session.rollback()  # the hand-over finds it stale and puts it back
        raise
    except Exception:
        db.session.rollback()
        job = bulk_jobs.get_job(job_id)
        if job is not None and job.status == "done" and job.attempts == attempt:
            # The commit went through and an after-commit hook (an email's hand-over) raised.
            log.exception("bulk job %s done, but handing over its emails failed", job_id)
            return "done"
        # A bug or a row the database refused: nothing was written; the administrator sees
        # that the job failed, and the log has the traceback.
        log.exception("bulk job %s attempt %s failed", job_id, attempt)
        bulk_jobs.record_failure(job_id, attempt, {"error": str(_l("An unexpected error stopped the job; nothing was changed."))})
        db.session.commit()
        return "failed"


@shared_task(name="lms.apply_bulk_job", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def apply_bulk_job(self, job_id):
    """Apply a bulk enrolment job once: a redelivered or doubled message finds it claimed."""
    try:
        return run_bulk_job(job_id)
    except (OperationalError, InterfaceError) as exc:
        log.warning("bulk job %s: database error, retrying: %r", job_id, exc)
        raise self.retry(exc=exc, countdown=min(300, 10 * 2 ** self.request.retries))


def enqueue_bulk_job(job_id):
    """Ring the doorbell for a committed job (use with lms.after_commit.call_after_commit).
    Never raises: with the broker unreachable the job stays queued in the database and the
    beat's hand-over (:func:`hand_over_bulk_jobs`) enqueues it later."""
    try:
        apply_bulk_job.delay(job_id)
    except Exception:  # kombu, redis and socket errors alike: the request must not fail
        log.warning("bulk job %s not handed to the broker; the hand-over will retry", job_id, exc_info=True)


@shared_task(name="lms.hand_over_bulk_jobs")
def hand_over_bulk_jobs(requeue_after=None):
    """Periodic (beat): enqueue queued jobs whose task was lost and put back jobs whose worker
    died (see :func:`lms.enrolments.bulk_jobs.jobs_to_hand_over`).

    :param requeue_after: seconds; default the BULK_REQUEUE_SECONDS setting
    """
    config = current_app.config
    requeue_after = config["BULK_REQUEUE_SECONDS"] if requeue_after is None else requeue_after
    ids = bulk_jobs.jobs_to_hand_over(requeue_after, config["BULK_STALE_SECONDS"])
    db.session.commit()
    for job_id in ids:
        enqueue_bulk_job(job_id)
    return ids
