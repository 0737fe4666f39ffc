from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

# Plus the certificate expiry notices "expiry_<N>d" (N from EXPIRY_REMINDER_DAYS, 0 on the day
# it lapses), which belong to the completed enrolment: lms.reminders.expiry.
REMINDER_KINDS = ("enrolment_confirmation", "deadline_7d", "deadline_1d", "overdue", "inactivity")
REMINDER_STATUSES = ("pending", "sent", "failed", "skipped")


class ReminderLog(db.Model):
    """One email that is due: written before it is sent, and unique per (enrolment, kind,
    period), so a second sweep, a redelivered task or two beats at once send nothing more."""

    __table_args__ = (UniqueConstraint("enrolment_id", "kind", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    kind: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # When its send task was last enqueued: by the sweep that recorded it (set in the same
    # INSERT), by a sweep that enqueued it again, or by an admin's "Send again". The sweep's
    # requeue waits REMINDER_REQUEUE_AFTER_SECONDS from this time (created_at for older rows).
    queued_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # When delivery marked it failed for good (the last one, if it was sent again since);
    # empty for rows that failed before this column existed.
    failed_at: Mapped[object | None] = mapped_column(UTCDateTime())

    enrolment = relationship("Enrolment")
