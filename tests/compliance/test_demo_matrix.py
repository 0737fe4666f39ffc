"""The demo data shows the training matrix at work: compliant and overdue people, a certificate
that expires in two weeks and a major version waiting for its effective date -- judged by the
rules of lms.compliance.rules, today and on the day that version takes effect."""
from datetime import timedelta

from sqlalchemy import select

from lms.compliance import rules
from lms.compliance.models import JobAssignment, JobProfile
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow


def matrix_at(at):
    """{(person's email, course slug): status} for every binding requirement at ``at``."""
    cells = {}
    for assignment in db.session.scalars(select(JobAssignment)):
        for requirement in assignment.profile.requirements:
            course = requirement.course
            effective = rules.effective_number(
                [(v.number, v.status, v.change_kind, v.published_at, v.effective_at) for v in course.versions], at)
            enrolments = db.session.scalars(select(Enrolment).where(
                Enrolment.user_id == assignment.user_id, Enrolment.course_id == course.id)).all()
            completions = [(e.version.number, e.completed_at, e.valid_until) for e in enrolments if e.status == "completed"]
            due = min([e.due_at for e in enrolments if e.status == "active" and e.due_at]
                      or [assignment.assigned_at + timedelta(days=requirement.due_days)])
            cells[assignment.user.email.split("@")[0], course.slug] = rules.cell_status(
                at, effective, requirement.recurs, due, completions)[0]
    return cells


def test_the_demo_has_a_training_matrix_in_every_organisation(app):
    assert app.test_cli_runner().invoke(args=["lms", "seed-demo"]).exit_code == 0
    organisations = {profile.organisation_id for profile in db.session.scalars(select(JobProfile))}
    assert len(organisations) == 3

    today = matrix_at(utcnow())
    assert today["kari", "gxp-essentials-medical-devices"] == rules.EXPIRING  # in two weeks
    assert today["liv", "sop-014-deviation-handling"] == rules.COMPLIANT
    assert today["nils", "sop-014-deviation-handling"] == rules.OVERDUE
    assert today["jonas", "gxp-essentials-medical-devices"] == rules.OVERDUE
    assert today["aino", "pharmacovigilance-signal-detection"] == rules.PENDING
    assert rules.SUPERSEDED not in today.values()

    kari = db.session.scalar(select(Enrolment).join(Enrolment.user).where(
        Enrolment.status == "completed", Enrolment.source == "job_profile",
        Enrolment.valid_until < utcnow() + timedelta(days=15), Enrolment.valid_until > utcnow() + timedelta(days=13)))
    assert kari is not None and kari.user.email == "kari@demo.lms.test"

    # SOP-014 revision C is published, major, and required from three weeks on: from then,
    # those trained on revision B are "trained on a superseded version".
    later = matrix_at(utcnow() + timedelta(days=22))
    assert later["liv", "sop-014-deviation-handling"] == rules.SUPERSEDED
    assert later["kari", "sop-014-deviation-handling"] == rules.SUPERSEDED
    assert later["kari", "gxp-essentials-medical-devices"] == rules.EXPIRED
