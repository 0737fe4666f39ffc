"""The training matrix: job profiles of an organisation, the courses each requires, and who
holds which profile. Nothing here is deleted: a requirement taken out of a profile and a
profile taken from a person get ``removed_at``, so "who had to be trained on what, on 1 March"
can be answered from the rows themselves."""
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

_OPEN = text("removed_at IS NULL")


class JobProfile(db.Model):
    """A job in one organisation ("QA specialist, Oslo site") and the training it needs."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped by every change of the profile or its requirements (optimistic concurrency for
    # its edit form, and the reconcile job's cheap "anything changed?" signal).
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation = relationship("Organisation")
    requirements: Mapped[list["Requirement"]] = relationship(
        back_populates="profile", order_by="Requirement.id",
        primaryjoin="and_(JobProfile.id == Requirement.profile_id, Requirement.removed_at.is_(None))",
        viewonly=True,
    )


class Requirement(db.Model):
    """A course a job profile requires: due ``due_days`` after assignment; when ``recurs``, the
    course's ``validity_months`` says how often it must be renewed."""

    __table_args__ = (
        # One live requirement per (profile, course); removed ones stay as history.
        Index("uq_requirement_live", "profile_id", "course_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("job_profile.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    due_days: Mapped[int] = mapped_column(default=30)
    recurs: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[object | None] = mapped_column(UTCDateTime())

    profile = relationship("JobProfile")
    course = relationship("Course")


class JobAssignment(db.Model):
    """A person holds a job profile from ``assigned_at`` until ``removed_at`` (if ever)."""

    __table_args__ = (
        Index("uq_job_assignment_live", "user_id", "profile_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("job_profile.id"), index=True)
    assigned_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removed_at: Mapped[object | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])
    profile = relationship("JobProfile")


class JobProfileSupervisor(db.Model):
    """A person an organisation admin names as supervisor for a job profile: they sign off
    ("verified competent") the observed practice of the profile's people, never their own."""

    __table_args__ = (
        Index("uq_job_profile_supervisor_live", "profile_id", "user_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("job_profile.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    added_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removed_at: Mapped[object | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])
    profile = relationship("JobProfile")


_LIVE_EXEMPTION = text("revoked_at IS NULL")


class RequirementExemption(db.Model):
    """An admin exempts a person from having a course their job requires, with a reason, until
    ``expires_at`` (or until revoked). While live the matrix shows the cell as exempt."""

    __table_args__ = (
        Index("uq_requirement_exemption_live", "user_id", "course_id", unique=True,
              sqlite_where=_LIVE_EXEMPTION, postgresql_where=_LIVE_EXEMPTION),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    expires_at: Mapped[object] = mapped_column(UTCDateTime())
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")


# The reconcile job asks, per binding (person, course), whether a completion satisfies it or
# an enrolment is open: this index answers both from the index alone (lms.compliance.binding).
from lms.enrolments.models import Enrolment  # noqa: E402

enrolment_matrix = Index(
    "ix_enrolment_matrix", Enrolment.user_id, Enrolment.course_id, Enrolment.status,
    Enrolment.completed_at, Enrolment.version_id, Enrolment.valid_until,
)
