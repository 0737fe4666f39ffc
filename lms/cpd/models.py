"""The CPD ledger. Nothing is deleted: a rejected activity keeps its reason, a voided entry
keeps its amount."""
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

ACTIVITY_STATUSES = ("pending", "approved", "rejected")
ENTRY_SOURCES = ("certificate", "external")
# credited: counts; void: its certificate was revoked (kept so the ledger shows what happened).
ENTRY_STATUSES = ("credited", "void")
Credits = Numeric(7, 2)


class AccreditingBody(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    unit_name: Mapped[str] = mapped_column(String(60))  # "CPD hours", "ECMEC", "kredītpunkti"
    # Credits are counted in multiples of this step, rounded down (0.5: half an hour per 30
    # minutes); None: as given.
    rounding_step: Mapped[Decimal | None] = mapped_column(Credits)
    # At most this many credits dated on one day; None: no cap.
    daily_cap: Mapped[Decimal | None] = mapped_column(Credits)
    # A learner's registration number must match this regular expression in full; None: any.
    registration_pattern: Mapped[str | None] = mapped_column(String(200))
    # What a registration number looks like, shown next to the field ("LV-12345").
    registration_example: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)


class CourseCredit(db.Model):
    __table_args__ = (UniqueConstraint("course_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("accrediting_body.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Credits)

    course = relationship("Course")
    body: Mapped[AccreditingBody] = relationship()


class LearnerRegistration(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("accrediting_body.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped[AccreditingBody] = relationship()


class ExternalActivity(db.Model):
    """A congress, workshop or course elsewhere that a learner claims credits for; the
    organisation's admin approves it (a CreditEntry is written) or rejects it with a reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("accrediting_body.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    activity_date: Mapped[object] = mapped_column(Date)
    credits_claimed: Mapped[Decimal] = mapped_column(Credits)
    evidence_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    submitted_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    body: Mapped[AccreditingBody] = relationship()
    evidence_file = relationship("StoredFile")


class CreditEntry(db.Model):
    """One line of a learner's ledger with one body: credits from a completed enrolment (its
    certificate is the evidence) or from an approved external activity. Written once per
    (body, enrolment) and per (body, activity): the unique constraints decide under retries."""

    # Named in full: the naming convention's uq_<table>_<first column> would give both the
    # same name, which PostgreSQL refuses (one namespace for a schema's relations).
    __table_args__ = (
        UniqueConstraint("body_id", "enrolment_id", name="uq_credit_entry_body_id_enrolment_id"),
        UniqueConstraint("body_id", "activity_id", name="uq_credit_entry_body_id_activity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("accrediting_body.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("external_activity.id"))
    title: Mapped[str] = mapped_column(String(200))  # snapshot: the course's or activity's
    earned_on: Mapped[object] = mapped_column(Date)  # the day the credits count for
    claimed: Mapped[Decimal] = mapped_column(Credits)  # before rounding and the daily cap
    amount: Mapped[Decimal] = mapped_column(Credits)  # what counts
    status: Mapped[str] = mapped_column(String(16), default="credited")
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped[AccreditingBody] = relationship()
    certificate = relationship("Certificate")
    activity: Mapped[ExternalActivity | None] = relationship()


class CreditCycle(db.Model):
    """A body's period over which a learner must earn ``required`` credits (for example five
    years for a Latvian pharmacist's recertification): [starts_on, starts_on + years)."""

    __table_args__ = (UniqueConstraint("body_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("accrediting_body.id"), index=True)
    starts_on: Mapped[object] = mapped_column(Date)
    years: Mapped[int]
    required: Mapped[Decimal] = mapped_column(Credits)

    body: Mapped[AccreditingBody] = relationship()
