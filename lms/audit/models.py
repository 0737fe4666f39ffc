from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """A training-record event. Append-only: an append-only hash chain in ``seq`` order, where
    each ``hash`` covers the event's content and ``prev_hash`` (see lms.audit.chain)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain, assigned at commit under the chain lock (commit order, which under
    # concurrency need not be id order). Unique, so two events cannot claim one place.
    seq: Mapped[int | None] = mapped_column(unique=True)
    at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    # Whose training record and which course the event is about, resolved from the subject
    # when it is written (lms.audit.subjects), so the trail can be filtered by person and
    # course quickly and still names them after the subject row is gone. Not in the hash: an
    # index, not evidence (the subject and data are).
    person_id: Mapped[int | None] = mapped_column(index=True)
    course_id: Mapped[int | None] = mapped_column(index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """The chain's last position and hash: one row, locked by every transaction that appends,
    so concurrent requests extend the chain one after another instead of forking it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")
