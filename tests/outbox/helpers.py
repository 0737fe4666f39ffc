"""Waiting for what a real worker commits, and reading the outbox."""
import time

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.outbox.models import Outbox


def wait_until(predicate, timeout, what, logs=()):
    """predicate()'s first true value, looked for in fresh snapshots until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of what the worker committed
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tails = "\n".join(f"--- {proc.log_path} ---\n{proc.log_text()[-4000:]}" for proc in logs)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tails}")


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
