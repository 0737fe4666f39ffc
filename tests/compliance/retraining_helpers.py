"""Helpers for the retraining tests: a course required by a job profile, completions written
as rows (no emails, no certificates), and publishing a new version through HTTP."""
from datetime import timedelta

from sqlalchemy import select

from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.authoring.helpers import edit
from tests.helpers import post_form


def require(course, people, due_days=30, org=None, name=None):
    """A job profile of ``org`` requiring ``course`` within ``due_days``, held by ``people``."""
    org = org or course.organisation
    profile = JobProfile(organisation_id=org.id, name=name or f"Profile {due_days} {course.id}")
    db.session.add(profile)
    db.session.flush()
    db.session.add(Requirement(profile_id=profile.id, course_id=course.id, due_days=due_days))
    for person in people:
        db.session.add(JobAssignment(user_id=person.id, profile_id=profile.id))
    db.session.commit()
    return profile


def completed(user, course, version, days_ago=100):
    """A completed enrolment on ``version``, written as a row (nothing promised)."""
    at = utcnow() - timedelta(days=days_ago)
    enrolment = Enrolment(user_id=user.id, course_id=course.id, version_id=version.id, status="completed",
                          source="self", enrolled_at=at - timedelta(days=1), completed_at=at,
                          last_activity_at=at)
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def enrolments_of(user, course):
    db.session.expire_all()
    return db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
                              .order_by(Enrolment.id)).all()


def open_draft(client, course):
    assert post_form(client, f"/author/courses/{course.id}/drafts", page="/").status_code == 302
    db.session.expire_all()
    return course.versions[-1]


def publish(client, version, **data):
    return edit(client, f"/author/versions/{version.id}/publish", version, data)
