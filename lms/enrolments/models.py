from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

ENROLMENT_STATUSES = ("active", "completed", "withdrawn")


class Enrolment(db.Model):
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # The reminder sweep: active enrolments near their deadline, or inactive.
        Index("ix_enrolment_status_due_at", "status", "due_at"),
        Index("ix_enrolment_status_last_activity_at", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    # The version is pinned at enrolment: later publications do not change it.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    enrolled_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[object | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[object | None] = mapped_column(UTCDateTime())

    user = relationship("User")
    course = relationship("Course")
    version = relationship("CourseVersion")
