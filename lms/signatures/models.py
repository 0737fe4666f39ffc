"""Signatures and the single-use nonces of signing pages.

A Signature row is written once and never updated. What it signs is fixed twice: by foreign
keys and constraints (one signature per enrolment, lesson and meaning; "read and understood"
only by the learner, "verified competent" never by them), and by ``record_hash``, the SHA-256
over the signed fields including the row's own id (lms.signatures.hashing), also written into
the audit chain's ``signature.signed`` event. Moving a row to another record, or changing its
signer, name, time, meaning or file, makes ``flask lms signatures-verify`` name it.
"""
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow


class Signature(db.Model):
    __table_args__ = (
        UniqueConstraint("enrolment_id", "lesson_id", "meaning", name="uq_signature_record"),
        CheckConstraint("meaning IN ('read_understood', 'verified_competent')", name="meaning"),
        # §11.70 and the issue: a learner signs their own document, never their own practice.
        CheckConstraint(
            "(meaning = 'read_understood' AND signer_id = subject_user_id AND file_sha256 IS NOT NULL)"
            " OR (meaning = 'verified_competent' AND signer_id <> subject_user_id)",
            name="signer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who signed, and whose training record the signature belongs to.
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The signer's name as printed at signing time (a later rename does not change it).
    printed_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    # A controlled document's number and revision and the SHA-256 of the exact file signed
    # (NULL for observed practice).
    document_number: Mapped[str | None] = mapped_column(String(64))
    document_revision: Mapped[str | None] = mapped_column(String(32))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))

    signer = relationship("User", foreign_keys=[signer_id])
    subject_user = relationship("User", foreign_keys=[subject_user_id])
    enrolment = relationship("Enrolment")
    lesson = relationship("Lesson")
    course_version = relationship("CourseVersion")


class SigningNonce(db.Model):
    """Issued with a signing page, used by its one POST: tied to the signer, the enrolment
    signed for, the lesson and (documents) the file's SHA-256, so it can neither be replayed
    nor carried to another record or another revision."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime())
