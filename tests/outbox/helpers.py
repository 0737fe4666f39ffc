"""Reading the outbox and what the worker made of it."""
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.outbox.models import Outbox


def outbox_rows(kind=None):
    db.session.rollback()
    query = select(Outbox).order_by(Outbox.id)
    if kind is not None:
        query = query.where(Outbox.kind == kind)
    return db.session.scalars(query).all()


def issued_certificates(enrolment_id):
    certs = db.session.scalars(select(Certificate).where(Certificate.enrolment_id == enrolment_id)).all()
    return certs if certs and all(c.status == "issued" for c in certs) else None


def certificate_mails(mailbox, address):
    return [m for m in list(mailbox.messages)
            if address in m["To"] and m["Subject"].startswith("Your certificate")]
