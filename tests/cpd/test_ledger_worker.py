"""The ledger through the whole path: a learner finishes a course over HTTP, the real worker
issues the certificate, and the entries for both bodies are there in the same commit."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.cpd.helpers import carry, entries_of, make_body
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, main_of, post_form, text_of, wait_until

pytestmark = pytest.mark.worker


def test_finishing_a_course_credits_both_bodies_with_the_certificate(app, client, celery_worker):
    norway = make_body("Norsk farmasøytisk selskap", unit_name="CPD hours", rounding_step="0.5", daily_cap="8")
    lithuania = make_body("Lietuvos farmacijos sąjunga", country="LT", unit_name="valandos")
    learner = create_user(name="Rūta Kazlauskienė")
    course = create_course(title="Pharmacovigilance signal detection", lessons=("text", "quiz"))
    carry(course, norway, "4.75")
    carry(course, lithuania, "4")
    enrolment = enrol(learner, course)
    text_lesson, quiz = enrolment.version.lessons()
    login(client, learner)
    base = f"/courses/{course.slug}/lessons"
    post_form(client, f"{base}/{text_lesson.id}/complete", page=f"{base}/{text_lesson.id}")
    single, multiple = quiz.questions
    passed = post_form(client, f"{base}/{quiz.id}/quiz", {f"q{single.id}": "0", f"q{multiple.id}": ["0", "2"]},
                       page=f"{base}/{quiz.id}")
    assert "You passed." in text_of(passed)

    def issued():
        cert = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        return cert if cert is not None and cert.status == "issued" else None

    cert = wait_until(issued, 30, "the issued certificate", logs=[celery_worker])
    # No waiting here: the entries were committed with the certificate.
    entries = entries_of(learner)
    assert sorted((e.body_id, e.amount, e.certificate_id) for e in entries) == [
        (norway.id, Decimal("4.5"), cert.id), (lithuania.id, Decimal(4), cert.id)]
    page = main_of(client.get("/cpd/"))
    assert "Lietuvos farmacijos sąjunga" in page and "Norsk farmasøytisk selskap" in page
    assert cert.code in page and "4.5 CPD hours" in page
