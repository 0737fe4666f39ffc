from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

CERTIFICATE_STATUSES = ("pending", "issued", "revoked")


class Certificate(db.Model):
    """A certificate for a completed enrolment.

    Snapshots (learner name, course title, version, CPD hours, dates) keep the record true
    after the course or the learner's name changes. ``sequence`` is 1 for the certificate
    issued on completion; an admin's reissue after a revocation adds 2, 3, ... so a revoked
    code still verifies as "revoked". The unique (enrolment, sequence) pair is what makes
    issuing exactly-once.
    """

    __table_args__ = (UniqueConstraint("enrolment_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    sequence: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    issued_at: Mapped[object | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[object | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # When the "certificate issued" email went out (set under the row's lock: at most once).
    emailed_at: Mapped[object | None] = mapped_column(UTCDateTime())

    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    version_number: Mapped[int]
    cpd_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    completed_at: Mapped[object] = mapped_column(UTCDateTime())
    organisation_name: Mapped[str] = mapped_column(String(200))
    # The language the course was taken in (the enrolment's at completion); None on
    # certificates issued before courses had translations: the course's own language.
    course_language: Mapped[str | None] = mapped_column(String(8))

    enrolment = relationship("Enrolment")
