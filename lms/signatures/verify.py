"""Re-check every signature (§11.70): its row against its ``record_hash``, the signed file on
disk against the SHA-256 recorded at signing, and the ``signature.signed`` audit event's
record hash against the row's. Used by ``flask lms signatures-verify`` and /admin/signatures.

A row moved to another record (lesson, enrolment, learner), given another signer, name, time
or meaning fails "record hash"; a row whose hash was recomputed after such a change still fails
"audit event differs" (the audit chain, checked by ``flask lms audit-verify``, keeps the hash
written at signing); a replaced or deleted file fails "file changed" or "file missing".
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.courses.models import Lesson
from lms.signatures import hashing
from lms.signatures.models import Signature

RECORD_HASH = "record_hash"
FILE_CHANGED = "file_changed"
FILE_MISSING = "file_missing"
AUDIT_EVENT = "audit_event"

# What failed, as the command prints it (English, like the other commands) ...
FAILURE_NAMES = {
    RECORD_HASH: "record hash", FILE_CHANGED: "file changed", FILE_MISSING: "file missing",
    AUDIT_EVENT: "audit event differs",
}
# ... and as the admin page says it.
FAILURE_TEXTS = {
    RECORD_HASH: _l("The signed fields no longer match the record hash"),
    FILE_CHANGED: _l("The signed file has changed on disk"),
    FILE_MISSING: _l("The signed file is missing"),
    AUDIT_EVENT: _l("The audit trail's signing event has another record hash"),
}


@dataclass(frozen=True)
class Problem:
    signature_id: int
    learner_id: int
    learner: str        # "Name <email>" of the record the row now names
    document: str       # "SOP-QA-012 rev. 4", or the lesson's title for observed practice
    lesson_id: int
    failures: tuple     # codes above, in a fixed order

    def line(self):
        """One line for the command's output."""
        failed = ", ".join(FAILURE_NAMES[code] for code in self.failures)
        return f"signature {self.signature_id}: learner {self.learner}, {self.document} (lesson {self.lesson_id}): {failed}"


@dataclass
class Verification:
    checked: int = 0
    total: int = 0      # signatures in the database (more than checked when limited)
    problems: list = field(default_factory=list)

    @property
    def complete(self):
        return self.checked >= self.total


def _event_hashes(session, ids):
    """{signature id: [record_hash of each signature.signed event]}."""
    found = {}
    rows = session.execute(
        select(AuditEvent.subject_id, AuditEvent.data).where(
            AuditEvent.action == "signature.signed", AuditEvent.subject_type == "signature",
            AuditEvent.subject_id.in_(ids))
    ).all()
    for subject_id, data in rows:
        found.setdefault(subject_id, []).append((data or {}).get("record_hash"))
    return found


def _failures(signature, events, file_hash):
    failures = []
    if hashing.record_hash(signature) != signature.record_hash:
        failures.append(RECORD_HASH)
    if signature.file_sha256 is not None:
        on_disk = file_hash(signature.file_sha256)
        if on_disk is None:
            failures.append(FILE_MISSING)
        elif on_disk != signature.file_sha256:
            failures.append(FILE_CHANGED)
    # Exactly one signing event, carrying this row's hash.
    if events != [signature.record_hash]:
        failures.append(AUDIT_EVENT)
    return tuple(failures)


def verify_signatures(session, limit=None, batch_size=500):
    """Check the signatures in id order, at most ``limit`` of them (None: all).

    :return: a Verification with the problems found (one Problem per bad signature)
    """
    result = Verification(total=session.scalar(select(func.count(Signature.id))) or 0)
    files = {}  # one read per stored file, however many signed it

    def file_hash(sha256):
        if sha256 not in files:
            files[sha256] = hashing.stored_file_sha256(sha256)
        return files[sha256]

    after = 0
    while limit is None or result.checked < limit:
        size = batch_size if limit is None else min(batch_size, limit - result.checked)
        rows = session.execute(
            select(Signature, User.name, User.email, Lesson.title)
            .outerjoin(User, User.id == Signature.subject_user_id)
            .outerjoin(Lesson, Lesson.id == Signature.lesson_id)
            .where(Signature.id > after).order_by(Signature.id).limit(size)
        ).all()
        if not rows:
            break
        events = _event_hashes(session, [row[0].id for row in rows])
        for signature, name, email, lesson_title in rows:
            failures = _failures(signature, events.get(signature.id, []), file_hash)
            if failures:
                document = (f"{signature.document_number} rev. {signature.document_revision}"
                            if signature.document_number else f'"{lesson_title}"')
                result.problems.append(Problem(
                    signature_id=signature.id, learner_id=signature.subject_user_id, learner=f"{name} <{email}>", document=document,
                    lesson_id=signature.lesson_id, failures=failures,
                ))
            after = signature.id
        result.checked += len(rows)
        session.expunge_all()  # flat memory over many signatures
    return result
