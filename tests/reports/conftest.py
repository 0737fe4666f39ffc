"""A small, known dataset for the completion report."""
from datetime import timedelta

import pytest

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.timeutil import utcnow
from tests.factories import create_course, create_org, create_user, enrol, lessons_of


def make_enrolment(user, course, status="active", enrolled_days_ago=30, completed_after=None,
                   due_in=None, lessons_done=0):
    """An enrolment shaped by hand: its status, dates and how many lessons are done."""
    enrolment = enrol(user, course)
    now = utcnow()
    enrolment.status = status
    enrolment.enrolled_at = now - timedelta(days=enrolled_days_ago)
    enrolment.last_activity_at = enrolment.enrolled_at + timedelta(days=1)
    enrolment.due_at = now + timedelta(days=due_in) if due_in is not None else None
    lessons = lessons_of(enrolment)
    if status == "completed":
        enrolment.completed_at = enrolment.enrolled_at + timedelta(days=completed_after)
        enrolment.last_activity_at = enrolment.completed_at
        lessons_done = len(lessons)
    for lesson in lessons[:lessons_done]:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.commit()
    return enrolment


def issue_certificate(enrolment, code):
    certificate = Certificate(
        enrolment_id=enrolment.id, code=code, status="issued", issued_at=utcnow(),
        learner_name="x", course_title="x", version_number=1, cpd_hours=1,
        completed_at=enrolment.completed_at, organisation_name="x",
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


@pytest.fixture
def dataset(app):
    """Two organisations, two courses (GxP: two modules of two lessons; PV: one module):

    GxP: Astrid, Bjørn, Cecilie completed in 2, 4 and 9 days (median 4); Dag overdue;
         Eva in progress (1 of 4 lessons, due in 10 days); Frida withdrawn.
    PV:  Astrid completed in 1 day, Dag in 3 (median 2); Eva overdue.
    """
    oslo = create_org("Oslo Pharma", country="NO")
    lund = create_org("Lund Devices", country="SE")
    gxp = create_course(title="GxP essentials", lessons=("text", "text"), modules=2, org=oslo)
    pv = create_course(title="Pharmacovigilance", lessons=("text",), modules=1, org=oslo)
    people = {
        name: create_user(name=name, org=org)
        for name, org in [("Astrid", oslo), ("Bjørn", oslo), ("Cecilie", oslo), ("Dag", lund),
                          ("Eva", lund), ("Frida", lund)]
    }
    e = {}
    e["astrid_gxp"] = make_enrolment(people["Astrid"], gxp, "completed", 40, completed_after=2)
    e["bjorn_gxp"] = make_enrolment(people["Bjørn"], gxp, "completed", 30, completed_after=4)
    e["cecilie_gxp"] = make_enrolment(people["Cecilie"], gxp, "completed", 20, completed_after=9)
    e["dag_gxp"] = make_enrolment(people["Dag"], gxp, "active", 50, due_in=-5, lessons_done=2)
    e["eva_gxp"] = make_enrolment(people["Eva"], gxp, "active", 5, due_in=10, lessons_done=1)
    e["frida_gxp"] = make_enrolment(people["Frida"], gxp, "withdrawn", 60)
    e["astrid_pv"] = make_enrolment(people["Astrid"], pv, "completed", 10, completed_after=1)
    e["dag_pv"] = make_enrolment(people["Dag"], pv, "completed", 12, completed_after=3)
    e["eva_pv"] = make_enrolment(people["Eva"], pv, "active", 70, due_in=-1)
    issue_certificate(e["astrid_gxp"], "CERT-ASTRID-1")
    return {"orgs": {"oslo": oslo, "lund": lund}, "courses": {"gxp": gxp, "pv": pv},
            "people": people, "enrolments": e}


@pytest.fixture
def admin_client(app):
    from tests.helpers import login

    client = app.test_client()
    login(client, create_user(role="admin", name="Admin"))
    return client
