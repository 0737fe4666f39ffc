"""Plain rows for the cycle and statement tests: bodies, cycles and ledger entries built
straight through the models (the ledger's own services are tested in test_ledger*.py)."""
import itertools
from datetime import date, datetime, timezone
from decimal import Decimal

from lms.certificates.codes import new_code
from lms.certificates.models import Certificate
from lms.cpd.models import AccreditingBody, CreditCycle, CreditEntry, ExternalActivity, LearnerRegistration
from lms.extensions import db
from lms.storage import store_bytes
from tests.factories import PDF_BYTES, create_course, enrolment_row

_seq = itertools.count(1)


def make_body(name=None, unit_name="CPD hours", country="NO"):
    body = AccreditingBody(name=name or f"Body {next(_seq)}", country=country, unit_name=unit_name,
                           registration_example="")
    db.session.add(body)
    db.session.commit()
    return body


def make_cycle(body, starts_on=date(2024, 1, 1), years=5, required="20"):
    cycle = CreditCycle(body=body, starts_on=starts_on, years=years, required=Decimal(required))
    db.session.add(cycle)
    db.session.commit()
    return cycle


def register(user, body, number):
    db.session.add(LearnerRegistration(user_id=user.id, body_id=body.id, number=number))
    db.session.commit()


def certificate_entry(user, body, earned_on, amount, title=None, status="credited"):
    """A completed enrolment's issued certificate and the ledger entry it backs."""
    title = title or f"Course {next(_seq)}"
    course = create_course(title=title)
    completed = datetime.combine(earned_on, datetime.min.time(), tzinfo=timezone.utc)
    enrolment = enrolment_row(user, course, status="completed", completed_at=completed, source="self")
    certificate = Certificate(
        enrolment_id=enrolment.id, sequence=1, code=new_code(), status="issued" if status == "credited" else "revoked",
        issued_at=completed, learner_name=user.name, course_title=title, version_number=1,
        cpd_hours=course.cpd_hours, completed_at=completed, organisation_name=course.organisation.name,
    )
    db.session.add(certificate)
    db.session.flush()
    entry = CreditEntry(user_id=user.id, body_id=body.id, source="certificate", enrolment_id=enrolment.id,
                        certificate_id=certificate.id, title=title, earned_on=earned_on,
                        claimed=Decimal(amount), amount=Decimal(amount), status=status)
    db.session.add(entry)
    db.session.commit()
    return entry


def external_entry(user, body, earned_on, amount, title=None, provider="Nordic Pharma Congress", approver=None):
    """An approved external activity and its ledger entry."""
    evidence = store_bytes(PDF_BYTES, "evidence.pdf", "application/pdf")
    decided = datetime.combine(earned_on, datetime.min.time(), tzinfo=timezone.utc)
    activity = ExternalActivity(
        user_id=user.id, body_id=body.id, title=title or f"Workshop {next(_seq)}", provider=provider,
        activity_date=earned_on, credits_claimed=Decimal(amount), evidence_file_id=evidence.id,
        status="approved", decided_at=decided, decided_by_id=approver.id if approver else None,
    )
    db.session.add(activity)
    db.session.flush()
    entry = CreditEntry(user_id=user.id, body_id=body.id, source="external", activity_id=activity.id,
                        title=activity.title, earned_on=earned_on, claimed=Decimal(amount),
                        amount=Decimal(amount), status="credited")
    db.session.add(entry)
    db.session.commit()
    return entry
