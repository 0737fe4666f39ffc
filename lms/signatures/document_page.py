"""What a controlled-document lesson page shows about signing: the signature when there is one
(its manifest), else a signing form with a fresh single-use nonce for the lesson and the file
shown (in a translation with a file of its own, that file). Used by lms.progress.views."""
from dataclasses import dataclass

from flask_login import current_user

from lms.extensions import db
from lms.signatures import services
from lms.signatures.display import manifest
from lms.signatures.forms import SignDocumentForm
from lms.signatures.meanings import READ_UNDERSTOOD, meaning_text
from lms.signatures.models import Signature


@dataclass
class DocumentSigning:
    shown: object            # the signature's Manifest, or None while unsigned
    form: object             # SignDocumentForm (None once signed or without a file)
    needs_email: bool
    file_sha256: str | None
    printed_name: str
    meaning: str


def signature_of(enrolment_id, lesson_id):
    """The "read and understood" signature of this record, or None."""
    return db.session.query(Signature).filter_by(
        enrolment_id=enrolment_id, lesson_id=lesson_id, meaning=READ_UNDERSTOOD).one_or_none()


def signing_state(enrolment, lesson, form=None):
    """The signing part of the page. Issues (flushes) a new nonce while unsigned: the view
    commits after rendering.

    :param form: a posted SignDocumentForm to show again with its errors (the password is never
        shown again)
    """
    signature = signature_of(enrolment.id, lesson.id)
    sha256 = lesson.file.sha256 if lesson.file is not None else None
    user = current_user
    state = DocumentSigning(
        shown=manifest(signature) if signature is not None else None, form=None,
        needs_email=services.needs_email(user), file_sha256=sha256, printed_name=user.name,
        meaning=str(meaning_text(READ_UNDERSTOOD)),
    )
    if signature is None and sha256 is not None:
        form = form or SignDocumentForm(formdata=None)
        form.password.data = None
        form.nonce.data = services.issue_nonce(user, enrolment, lesson, sha256)
        form.file_sha256.data = sha256
        state.form = form
    return state
