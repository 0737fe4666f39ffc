"""Bulk enrolment jobs: an administrator's apply is recorded as a BulkEnrolmentJob and applied
by a worker (lms.enrolments.tasks), all or nothing, with its progress kept on the job row.

The job row is the source of truth, the broker only its doorbell: a job is claimed with a
conditional UPDATE (queued -> running) so a redelivered or doubled task applies it once, and
the beat's hand-over (:func:`jobs_to_hand_over`) enqueues again a queued job whose task was
lost and puts back a running job whose worker died.
"""
import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.enrolments import bulk
from lms.enrolments.models import BulkEnrolmentJob
from lms.extensions import db
from lms.policy import Forbidden, can, organisation_scope
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

# The largest id an integer primary key holds: a bigger one in a URL is no job, not an error.
_MAX_ID = 2**31 - 1


def submit(actor, data, filename, submission_key):
    """Record a bulk enrolment to be applied by a worker (flushed, not committed; the caller
    enqueues the task once it commits). A second submission with the same key (a double
    click, a resent form) returns the job the first one made.

    :param data: the CSV file's bytes, as previewed
    :return: (job, created)
    :raises Forbidden: ``actor`` may not bulk enrol
    :raises bulk.BulkFileError: the file as a whole cannot be used
    """
    if not can(actor, "enrolment.bulk"):
        raise Forbidden()
    existing = job_for_key(submission_key)
    if existing is not None:
        return existing, False
    rows = bulk.read_rows(data)  # the file still parses; rows are checked again by the worker
    now = utcnow()
    job = BulkEnrolmentJob(
        submitted_by_id=actor.id, organisation_id=organisation_scope(actor),
        submitted_at=now, submission_key=submission_key,
        filename=(filename or "")[:255], csv_text=data.decode("utf-8"), row_count=len(rows),
        status="queued", progress=0, attempts=0, enqueued_at=now,
    )
    try:
        with db.session.begin_nested():  # the same key submitted twice at once
            db.session.add(job)
    except IntegrityError:
        return job_for_key(submission_key), False
    record_event("enrolment.bulk_submitted", job, actor=actor, rows=len(rows), filename=job.filename)
    return job, True


def job_for_key(submission_key):
    return db.session.scalar(select(BulkEnrolmentJob).where(BulkEnrolmentJob.submission_key == submission_key))


def get_job(job_id):
    """The job with this id, or None (also for ids no row can have)."""
    if not 0 < job_id <= _MAX_ID:
        return None
    return db.session.get(BulkEnrolmentJob, job_id)


def recent_jobs(scope=None, limit=10):
    """The newest jobs; ``scope``: an org admin's organisation id, whose jobs only are listed."""
    query = select(BulkEnrolmentJob)
    if scope is not None:
        query = query.where(BulkEnrolmentJob.organisation_id == scope)
    return db.session.scalars(
        query.order_by(BulkEnrolmentJob.submitted_at.desc(), BulkEnrolmentJob.id.desc()).limit(limit)
    ).all()


def claim(job_id):
    """Take a queued job for one run (queued -> running); the caller commits at once.

    :return: this run's attempt number, or None when the job is not queued (already applied,
        failed, or being applied by another run)
    """
    now = utcnow()
    claimed = db.session.execute(
        update(BulkEnrolmentJob)
        .where(BulkEnrolmentJob.id == job_id, BulkEnrolmentJob.status == "queued")
        .values(status="running", attempts=BulkEnrolmentJob.attempts + 1, progress=0,
                started_at=now, heartbeat_at=now, finished_at=None, result=None)
    ).rowcount
    if not claimed:
        return None
    return db.session.scalar(select(BulkEnrolmentJob.attempts).where(BulkEnrolmentJob.id == job_id))


def _own_run(job_id, attempt):
    """The conditions under which run ``attempt`` may still write the job's outcome."""
    return (BulkEnrolmentJob.id == job_id, BulkEnrolmentJob.status == "running", BulkEnrolmentJob.attempts == attempt)


class LostClaim(Exception):
    """The job was taken over (put back by the hand-over) while this run applied it."""


@dataclass
class Outcome:
    status: str  # "done" or "failed"
    result: dict


def apply_job(job_id, attempt, on_progress=None, today=None):
    """Apply a claimed job's file in the caller's transaction, all rows or none, and mark the
    job done in that same transaction. The rows are checked again: data may have changed
    since the preview. On ``failed`` the caller rolls back and calls :func:`record_failure`.

    :raises LostClaim: another run owns the job now (the caller rolls back)
    """
    job = db.session.get(BulkEnrolmentJob, job_id)
    actor = job.submitted_by
    # Checked again now: the submitter may have lost the role, or (an org admin's job) moved
    # to another organisation; bulk.apply checks every row against their organisation too.
    if not can(actor, "enrolment.bulk", job) or not actor.is_active:
        return Outcome("failed", {"error": str(_l("%(email)s is no longer an administrator; nothing was changed.",
                                                  email=actor.email))})
    try:
        plan = bulk.apply(job.csv_text.encode("utf-8"), actor, today=today, on_progress=on_progress)
    except bulk.BulkFileError as exc:
        return Outcome("failed", {"error": str(exc.args[0])})
    rows = [row.as_dict() for row in plan.rows]
    if not plan.ok:
        return Outcome("failed", {**plan.summary(), "rows": rows})
    result = {**plan.summary(), "rows": rows}
    finished = db.session.execute(
        update(BulkEnrolmentJob).where(*_own_run(job_id, attempt))
        .values(status="done", progress=len(plan.rows), finished_at=utcnow(), heartbeat_at=utcnow(), result=result)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not finished:
        raise LostClaim(job_id)
    return Outcome("done", result)


def record_failure(job_id, attempt, result):
    """Mark run ``attempt`` of a job failed with its reasons (in the caller's transaction, which
    has nothing else in it: the failed apply was rolled back)."""
    db.session.execute(
        update(BulkEnrolmentJob).where(*_own_run(job_id, attempt))
        .values(status="failed", finished_at=utcnow(), result=result)
        .execution_options(synchronize_session=False)
    )


def release(job_id, attempt):
    """Put a job back in the queue after a transient error, for its task's retry."""
    db.session.execute(
        update(BulkEnrolmentJob).where(*_own_run(job_id, attempt))
        .values(status="queued", enqueued_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def progress_writer(job_id, attempt, every_seconds=1.0):
    """A callback for :func:`lms.enrolments.bulk.apply` that writes the rows applied so far to
    the job, at most once every ``every_seconds``, on a connection of its own in a short
    transaction of its own, so the progress page sees it while the apply's transaction is
    still open. None on SQLite: its one writer at a time is the open apply transaction, and a
    second writer would wait for it until it timed out; there the page shows "running" and
    the count once the job is done."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        return None
    last = [time.monotonic()]

    def write(rows_done):
        now = time.monotonic()
        if now - last[0] < every_seconds:
            return
        last[0] = now
        with engine.begin() as conn:
            conn.execute(
                update(BulkEnrolmentJob).where(*_own_run(job_id, attempt))
                .values(progress=rows_done, heartbeat_at=utcnow())
            )
        log.info("bulk job %s progress %s rows", job_id, rows_done)

    return write


def jobs_to_hand_over(requeue_after, stale_after, now=None):
    """The beat's hand-over (the caller commits, then enqueues the returned ids): queued jobs
    not handed to the broker for ``requeue_after`` seconds (the broker was down at submit, or
    the message was lost), and running jobs with no sign of life for ``stale_after`` seconds
    (their worker was killed; the apply was rolled back with it), which go back to queued.

    :return: the ids of the jobs to enqueue
    """
    now = now or utcnow()
    db.session.execute(
        update(BulkEnrolmentJob)
        .where(BulkEnrolmentJob.status == "running", BulkEnrolmentJob.heartbeat_at < now - timedelta(seconds=stale_after))
        .values(status="queued", enqueued_at=None)
        .execution_options(synchronize_session=False)
    )
    due = or_(BulkEnrolmentJob.enqueued_at.is_(None), BulkEnrolmentJob.enqueued_at <= now - timedelta(seconds=requeue_after))
    ids = db.session.scalars(
        select(BulkEnrolmentJob.id).where(BulkEnrolmentJob.status == "queued", due).order_by(BulkEnrolmentJob.id)
    ).all()
    if ids:
        db.session.execute(
            update(BulkEnrolmentJob).where(BulkEnrolmentJob.id.in_(ids), BulkEnrolmentJob.status == "queued")
            .values(enqueued_at=now).execution_options(synchronize_session=False)
        )
        log.info("bulk enrolment jobs handed over again: %s", ids)
    return ids


@dataclass
class ShownRow:
    """A job's row as the preview table shows it."""

    line: int
    email: str
    name: str
    course_label: str
    due_date: date | None
    outcome: str
    errors: list
    job_profiles: list = ()


def shown_rows(job):
    rows = (job.result or {}).get("rows", [])
    return [
        ShownRow(r["line"], r["email"], r["name"], r["course"],
                 date.fromisoformat(r["due_date"]) if r.get("due_date") else None, r["outcome"], r["errors"],
                 r.get("job_profiles") or [])
        for r in rows
    ]
