"""Signed records built through the signing services (lms.signatures.services), as the signing
pages build them."""
from dataclasses import dataclass

import pytest

from lms.extensions import db
from lms.progress.services import complete_signed_lesson
from lms.signatures import services
from lms.signatures.meanings import READ_UNDERSTOOD, VERIFIED_COMPETENT
from tests.factories import create_course, create_user, enrol, lessons_of


@dataclass
class SignedRecord:
    learner: object
    supervisor: object
    course: object
    enrolment: object
    document: object       # the controlled-document lesson
    observed: object       # the observed-practice lesson
    read: object           # the learner's "read and understood" Signature (or None)
    verified: object       # the supervisor's "verified competent" Signature (or None)


def sign_record(app, learner, supervisor, course, read=True, verify=True):
    """Enrol ``learner`` in ``course`` (a document and an observed lesson) and sign what is
    asked, through the services, in one committed transaction."""
    enrolment = enrol(learner, course)
    document, observed = lessons_of(enrolment)
    read_sig = verified_sig = None
    with app.test_request_context():
        if read:
            read_sig = services.sign(learner, enrolment, document, READ_UNDERSTOOD, file_sha256=document.file.sha256)
            complete_signed_lesson(enrolment, document, learner)
        if verify:
            verified_sig = services.sign(supervisor, enrolment, observed, VERIFIED_COMPETENT)
            complete_signed_lesson(enrolment, observed, supervisor)
        db.session.commit()
    return SignedRecord(learner, supervisor, course, enrolment, document, observed, read_sig, verified_sig)


@pytest.fixture
def make_signed_record(app):
    """make_signed_record(learner=None, supervisor=None, course=None, read=True, verify=True)"""

    def make(learner=None, supervisor=None, course=None, read=True, verify=True, title=None):
        learner = learner or create_user()
        supervisor = supervisor or create_user(org=learner.organisation)
        course = course or create_course(title=title, lessons=("document", "observed"), org=learner.organisation)
        return sign_record(app, learner, supervisor, course, read=read, verify=verify)

    return make
