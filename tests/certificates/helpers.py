"""Completed enrolments and issued certificates for the certificate tests."""
import io
from datetime import datetime, timezone

from pypdf import PdfReader
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.factories import create_course, create_org, create_user, enrol


def completed_enrolment(learner=None, course=None, validity_months=None, completed_at=None, org_name=None,
                        **user_args):
    """A committed, completed enrolment, made directly (no progress requests, so no task is
    enqueued): what the certificate task starts from."""
    learner = learner or create_user(**user_args)
    course = course or create_course(org=create_org(name=org_name))
    if validity_months is not None:
        course.validity_months = validity_months
    enrolment = enrol(learner, course)
    enrolment.status = "completed"
    enrolment.completed_at = completed_at or datetime.now(timezone.utc)
    db.session.commit()
    return enrolment


def certificates_of(enrolment):
    db.session.expire_all()
    return db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id).order_by(Certificate.sequence)
    ).all()


def events(action, cert=None):
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if cert is not None:
        query = query.where(AuditEvent.subject_type == "certificate", AuditEvent.subject_id == cert.id)
    return db.session.scalar(query)


def pdf_files(directory):
    return sorted(p.name for p in directory.glob("*.pdf"))


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)
