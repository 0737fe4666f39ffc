from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

# The kinds of promised work; each is carried out by the task registered for it
# (lms.outbox.handover.handles) with ``subject_id`` as its argument.
ISSUE_CERTIFICATE = "certificate.issue"  # subject: a completed enrolment
EMAIL_CERTIFICATE = "certificate.email"  # subject: an issued certificate
SEND_INVITATION = "invitation.send"      # subject: an invited user
SEND_VERIFICATION = "account.verification"   # subject: a user whose address is unconfirmed
SEND_SIGNUP_ATTEMPT = "account.signup_attempt"  # subject: the owner of an address signed up with
# No subject: the request looks nothing up (the same answer and time for any address); the
# payload is the normalised address asked for, and the worker looks the account up.
SEND_PASSWORD_RESET = "account.password_reset"
EMAIL_SIGNING_LOCKED = "signature.locked_email"  # subject: the user whose signing was locked


class Outbox(db.Model):
    """One piece of work a commit promised, written in that same transaction.

    ``handed_over_at`` is when it was last handed to the broker (empty: never, or the last
    hand-over failed); ``done_at`` when its task committed the work. The beat sweep hands over
    again every row not done whose last hand-over is empty or older than
    OUTBOX_HANDOVER_SECONDS, so a lost message or a killed worker delays the work, never loses
    it. The tasks are idempotent, so a second hand-over is harmless.
    """

    __table_args__ = (Index("ix_outbox_pending", "done_at", "handed_over_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    # What the work needs besides its subject (the reset email: the address asked for);
    # cleared by the task that uses it, so an address someone typed is not kept.
    payload: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    handed_over_at: Mapped[object | None] = mapped_column(UTCDateTime())
    done_at: Mapped[object | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)  # hand-overs so far
    last_error: Mapped[str | None] = mapped_column(Text)  # of the last failed hand-over
