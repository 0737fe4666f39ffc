"""Rows for the CPD ledger tests: bodies, course credits, activities (made directly; the
services under test are called through HTTP or their public functions)."""
import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.cpd.models import AccreditingBody, CourseCredit, CreditEntry, ExternalActivity
from lms.extensions import db
from lms.storage import store_bytes
from tests.factories import PDF_BYTES

_seq = itertools.count(1)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def make_body(name=None, country="NO", unit_name="CPD hours", rounding_step=None, daily_cap=None,
              registration_pattern=None, registration_example=""):
    body = AccreditingBody(
        name=name or f"Body {next(_seq)}", country=country, unit_name=unit_name,
        rounding_step=None if rounding_step is None else Decimal(str(rounding_step)),
        daily_cap=None if daily_cap is None else Decimal(str(daily_cap)),
        registration_pattern=registration_pattern, registration_example=registration_example,
    )
    db.session.add(body)
    db.session.commit()
    return body


def carry(course, body, amount):
    credit = CourseCredit(course_id=course.id, body_id=body.id, amount=Decimal(str(amount)))
    db.session.add(credit)
    db.session.commit()
    return credit


def make_activity(user, body, title="Nordic pharmacy congress", credits="3", status="pending",
                  activity_date=None, provider="Congress AB"):
    stored = store_bytes(PDF_BYTES, "evidence.pdf", "application/pdf")
    activity = ExternalActivity(
        user_id=user.id, body_id=body.id, title=title, provider=provider,
        activity_date=activity_date or date(2026, 1, 15), credits_claimed=Decimal(credits),
        evidence_file_id=stored.id, status=status,
    )
    db.session.add(activity)
    db.session.commit()
    return activity


def entries_of(user, body=None):
    db.session.expire_all()
    query = select(CreditEntry).where(CreditEntry.user_id == user.id).order_by(CreditEntry.id)
    if body is not None:
        query = query.where(CreditEntry.body_id == body.id)
    return db.session.scalars(query).all()


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def events(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))
