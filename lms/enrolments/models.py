from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

# no_longer_required: an open assignment whose job profile or requirement was taken away;
# kept, never deleted, so the training record shows it.
ENROLMENT_STATUSES = ("active", "completed", "withdrawn", "no_longer_required")
# Why the enrolment exists: the learner chose it, an admin or the bulk CSV gave it, a job
# profile requires it, a certificate is about to expire, or a major version needs retraining.
ENROLMENT_SOURCES = ("self", "admin", "bulk", "job_profile", "recertification", "retraining")
_ACTIVE = text("status = 'active'")


class Enrolment(db.Model):
    __table_args__ = (
        # A person has many enrolments in a course over the years (retraining on a new major
        # version, recertification), but at most one open at a time: this index, not a read
        # before the write, decides between concurrent creators (a request and the beat job).
        Index("uq_enrolment_open", "user_id", "course_id", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        # The reminder sweep: active enrolments near their deadline, or inactive.
        Index("ix_enrolment_status_due_at", "status", "due_at"),
        Index("ix_enrolment_status_last_activity_at", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    # The version is pinned at enrolment: later publications do not change it.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    # wide enough for "no_longer_required"
    status: Mapped[str] = mapped_column(String(24), default="active")
    enrolled_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[object | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # completed_at + the course's validity_months, fixed at completion; None: never expires.
    valid_until: Mapped[object | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16), default="self", server_default="self")
    # The language the learner takes the course in (the course's own or one of its current
    # translations); None: the course's own. Switching changes only this: progress belongs
    # to the lesson.
    language: Mapped[str | None] = mapped_column(String(8))

    user = relationship("User")
    course = relationship("Course")
    version = relationship("CourseVersion")


BULK_JOB_STATUSES = ("queued", "running", "done", "failed")


class BulkEnrolmentJob(db.Model):
    """One application of a bulk enrolment CSV, run by a worker (lms.enrolments.tasks): the
    file's text, who submitted it, and how far the all-or-nothing apply got."""

    __table_args__ = (
        # The beat hand-over looks for queued and stale running jobs.
        Index("ix_bulk_enrolment_job_status_enqueued_at", "status", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # An org admin's job: their organisation, the only one its rows may name (and the only org
    # admins who see the job). None: a site admin's job, for any organisation.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    submitted_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    # The apply form's one-time key: a second submission of the same preview (a double click,
    # a resent POST) finds this job instead of making another.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    csv_text: Mapped[str] = mapped_column(Text)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # rows applied so far
    # Each claim (queued -> running) counts one; a run writes its end only if still its own.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[object | None] = mapped_column(UTCDateTime())  # last handed to the broker
    started_at: Mapped[object | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[object | None] = mapped_column(UTCDateTime())  # last sign of life of a run
    finished_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # done: counts and every row's outcome; failed: the file's error or every row's errors.
    result: Mapped[dict | None] = mapped_column(JSON)

    submitted_by = relationship("User")
